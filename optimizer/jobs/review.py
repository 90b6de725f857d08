"""``spendopt review import``: the review file back in, the approved rows applied through the job's connector.

An imported account (``connectors.files.account``) has no API: its approved
rows are recorded as pending manual changes, noting who approved them
(``SPENDOPT_OPERATOR`` or the login name) and in which file; the next imported
export confirms them (or flags a value that differs from what was approved).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optimizer.jobs.connect import open_connector
from optimizer.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from optimizer.act.apply import ApplyReport

__all__ = ["run_review"]


def _who() -> str:
    """The operator: ``SPENDOPT_OPERATOR``, else the login name."""
    import getpass
    import os

    try:
        return os.environ.get("SPENDOPT_OPERATOR") or getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return "unknown"


def run_review(
    settings: Settings,
    engine: Engine,
    path: Path,
    *,
    dry_run: bool = False,
    real_today: dt.date | None = None,
) -> tuple[Any, ApplyReport]:
    """``spendopt review import``: validate the edited review file, store the
    decisions, and apply the approved rows through the job's connector.

    Recommendations for a past day are not applied (the platform has moved on:
    run the job again). Returns ``(ReviewDecision, ApplyReport)``.
    """
    from connectors.errors import InputError, Problem
    from optimizer.act.apply import apply_changes
    from optimizer.act.review import import_review

    decision = import_review(path, engine, settings, write=not dry_run)
    rows = decision.rows
    accounts = set(rows["account_id"]) if len(rows) else set()
    note = f"approved by {_who()} in {Path(path).name}"
    with open_connector(
        settings, real_today=real_today, save=not dry_run, engine=engine, accounts=accounts, note=note
    ) as (connector, today, _):
        effective = {dt.date.fromisoformat(str(d)[:10]) for d in rows["effective_date"]} if len(rows) else {today}
        stale = sorted(d for d in effective if d < today)
        if stale:
            raise InputError(
                Problem(
                    str(path),
                    f"these recommendations are for {stale[0]}, a past day (today is {today}): "
                    "run the daily job again and review its new file",
                    column="effective_date",
                )
            )
        report = apply_changes(
            engine, connector, rows, run_id=decision.run_id, effective_date=min(effective), dry_run=dry_run
        )
    return decision, report
