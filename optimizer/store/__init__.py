"""The store: SQLite by default, PostgreSQL by URL.

``open_store(url)`` gives a migrated engine; ``save_stats`` / ``load_stats``
move daily stats in and out; ``start_run`` / ``finish_run`` / ``summarize``
keep track of runs. Table classes stay inside this package.
"""

from optimizer.store.engine import normalize_url, open_store, session_scope
from optimizer.store.runs import finish_run, start_run, summarize
from optimizer.store.stats import FRAME_COLUMNS, SaveSummary, load_revisions, load_stats, save_stats

__all__ = [
    "FRAME_COLUMNS",
    "SaveSummary",
    "finish_run",
    "load_revisions",
    "load_stats",
    "normalize_url",
    "open_store",
    "save_stats",
    "session_scope",
    "start_run",
    "summarize",
]
