"""``spendopt import``: read files with the strict reader, then save them in one go.

Every file is read and validated before anything is written, so one bad row
in any file leaves the store untouched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy.engine import Engine

from optimizer.settings import Settings
from optimizer.store import SaveSummary, save_stats

__all__ = ["import_files"]


def import_files(
    engine: Engine,
    paths: Sequence[Path | str],
    settings: Settings,
    *,
    account_id: str | None = None,
    today: dt.date | None = None,
    progress: Callable[..., None] | None = None,
) -> SaveSummary:
    """Import CSV/XLSX stats files into the store; all or nothing."""
    from connectors.files.stats import read_stats

    def reading(done: int, total: int) -> None:
        if progress:
            progress(done, total, "reading")

    frame = read_stats(
        [Path(p) for p in paths],
        gmv_basis=settings.data.gmv_basis,
        max_problems=settings.data.max_problems,
        progress=reading,
    )
    if account_id is not None:
        frame = frame.assign(account_id=frame["account_id"].where(frame["account_id"] != "default", account_id))

    def saving(done: int, total: int) -> None:
        if progress:
            progress(done, total, "saving")

    source = ", ".join(Path(p).name for p in paths)[:500]
    return save_stats(
        engine,
        frame,
        source=source,
        seen_on=today or dt.date.today(),
        gmv_basis=settings.data.gmv_basis,
        progress=saving,
    )
