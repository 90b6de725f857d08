"""The store: SQLite by default, PostgreSQL by URL.

``open_store(url)`` gives a migrated engine; ``save_stats`` / ``load_stats``
move daily stats in and out; ``start_run`` / ``finish_run`` / ``summarize``
keep track of runs; ``record_findings`` / ``list_alerts`` keep the alerts. Table classes stay inside this package.
"""

from optimizer.store.alerts import (
    Alert,
    Finding,
    acknowledge_alert,
    list_alerts,
    mark_notified,
    open_campaigns,
    record_findings,
    resolve_alert,
)
from optimizer.store.engine import normalize_url, open_store, session_scope
from optimizer.store.runs import finish_run, start_run, summarize
from optimizer.store.stats import FRAME_COLUMNS, SaveSummary, load_revisions, load_stats, save_stats

__all__ = [
    "FRAME_COLUMNS",
    "Alert",
    "Finding",
    "SaveSummary",
    "acknowledge_alert",
    "finish_run",
    "list_alerts",
    "load_revisions",
    "load_stats",
    "mark_notified",
    "normalize_url",
    "open_campaigns",
    "open_store",
    "record_findings",
    "resolve_alert",
    "save_stats",
    "session_scope",
    "start_run",
    "summarize",
]
