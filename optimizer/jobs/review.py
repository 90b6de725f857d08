"""``spendopt review import`` and ``review export``: the review file in and out.

Import: the job's connector is opened first; the file is checked against the
stored run and the platform as it is now (``verify`` with the live locks), the
decisions are recorded, and the approved rows are applied through the audited
exactly-once path while the run key (``review`` kind) is held, so a daily run
reconciling at the same moment leaves this import's pending changes alone.
Export: a run's rows with the decisions in force, written again.

An imported account (``connectors.files.account``) has no API: its approved
rows are recorded as pending manual changes, noting who approved them
(``SPENDOPT_OPERATOR`` or the login name) and in which file; the next imported
export confirms them (or flags a value that differs from what was approved).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optimizer.i18n import keyed_problem, t
from optimizer.jobs.connect import open_connector
from optimizer.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from optimizer.act.apply import ApplyReport

__all__ = ["export_review", "latest_run_id", "run_review"]


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
    """``spendopt review import``: validate the edited review file, record the
    decisions, and apply the approved rows through the job's connector.

    Recommendations for a past day are not applied (the platform has moved on:
    run the job again). Returns ``(ReviewDecision, ApplyReport)``; a second
    import of the same run at the same moment raises ``RunHeld``.
    """
    from contextlib import ExitStack

    from connectors.errors import InputError
    from optimizer.act.apply import apply_changes
    from optimizer.act.review import import_review
    from optimizer.store.lease import claim_run

    first = import_review(path, engine, settings, write=False)  # every cell checked before a connector opens
    accounts = set(first.rows["account_id"]) if len(first.rows) else set()
    note = t("review_check.approved_note", who=_who(), file=Path(path).name)
    with open_connector(
        settings, real_today=real_today, save=not dry_run, engine=engine, accounts=accounts, note=note
    ) as (connector, today, _):
        decision = import_review(path, engine, settings, write=not dry_run, live=connector.list_campaigns)
        rows = decision.rows
        effective = {dt.date.fromisoformat(str(d)[:10]) for d in rows["effective_date"]} if len(rows) else {today}
        stale = sorted(d for d in effective if d < today)
        if stale:
            raise InputError(
                keyed_problem(str(path), "review_check.past_day", column="effective_date", day=stale[0], today=today)
            )
        with ExitStack() as stack:
            leases = []
            if not dry_run:
                for account_id in sorted({str(a) for a in rows["account_id"]}):
                    lease = claim_run(
                        engine, account_id, today, "review", run_id=decision.run_id, ttl_s=settings.job.lease_s
                    )
                    stack.callback(lease.release, done=False)
                    stack.enter_context(lease.keep_alive())
                    leases.append(lease)

            def guard() -> None:
                for lease in leases:
                    lease.check()

            report = apply_changes(
                engine,
                connector,
                rows,
                run_id=decision.run_id,
                effective_date=min(effective),
                dry_run=dry_run,
                step_pct={"budget": settings.budget.max_change_pct, "bid": settings.bid.max_change_pct},
                guard=guard,
            )
    return decision, report


def latest_run_id(engine: Engine) -> str | None:
    """The newest run that stored recommendations."""
    import sqlalchemy as sa

    from optimizer.store.tables import OptimizationRun, Recommendation

    runs, recs = OptimizationRun.__table__, Recommendation.__table__
    query = (
        sa.select(runs.c.run_id)
        .where(runs.c.run_id.in_(sa.select(recs.c.run_id).distinct()))
        .order_by(runs.c.started_at.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        found = conn.execute(query).scalar()
        if found is None:  # rows saved without a run record (a test, an old store): the largest id
            found = conn.execute(sa.select(sa.func.max(recs.c.run_id))).scalar()
    return found


def export_review(engine: Engine, run_id: str | None, out: Path | None, fmt: str = "csv") -> Path:
    """Write run ``run_id``'s rows (default: the newest run) with the decisions in force as CSV or XLSX."""
    from connectors.errors import InputError, Problem
    from optimizer.act.review import load_recommendations
    from optimizer.act.review_file import atomic_files, write_csv_xlsx

    run_id = run_id or latest_run_id(engine)
    if run_id is None:
        raise InputError(Problem("command line", "no run has stored recommendations yet: run `spendopt run` first"))
    frame = load_recommendations(engine, run_id)
    if frame.empty:
        raise InputError(Problem("command line", f"run {run_id!r} has no stored recommendations"))
    target = out or Path(f"review-{run_id}.{fmt}")
    if target.suffix.lower() != f".{fmt}":
        target = target.with_suffix(f".{fmt}")
    with atomic_files(target) as (temp,):
        if fmt == "xlsx":
            import tempfile

            with tempfile.TemporaryDirectory() as folder:
                write_csv_xlsx(frame, Path(folder) / "unused.csv", temp)
        else:
            write_csv_xlsx(frame, temp, None)
    return target
