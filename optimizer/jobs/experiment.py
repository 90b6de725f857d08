"""``spendopt experiment plan|start|report|stop`` and the status lines: the connector gives today and
the live campaigns, ``optimizer.experiment.lifecycle`` does the rest."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from connectors.errors import InputError, Problem
from optimizer.i18n import t

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from optimizer.experiment.lifecycle import Proposal, Reading
    from optimizer.settings import Settings
    from optimizer.store.experiments import StoredExperiment

__all__ = ["plan_job", "report_job", "start_job", "status_lines", "stop_job"]


def _live(settings: Settings, account_id: str | None, real_today: dt.date | None):
    from optimizer.jobs.connect import open_connector

    with open_connector(settings, real_today=real_today, save=False) as (connector, today, _):
        accounts = [a.account_id for a in connector.list_accounts()]
        account = account_id or (accounts[0] if len(accounts) == 1 else None)
        if account is None or account not in accounts:
            raise InputError(Problem("--account", f"name one of the connector's accounts: {', '.join(accounts)}"))
        return account, today, connector.list_campaigns(account)


def plan_job(
    settings: Settings,
    engine: Engine,
    *,
    account_id: str | None = None,
    seed: int | None = None,
    days: int | None = None,
    real_today: dt.date | None = None,
) -> Proposal:
    """The split and the plan for a test starting today (nothing is stored)."""
    from optimizer.experiment.lifecycle import propose

    account, today, campaigns = _live(settings, account_id, real_today)
    return propose(settings, engine, campaigns, account_id=account, today=today, seed=seed, days=days)


def start_job(
    settings: Settings,
    engine: Engine,
    *,
    account_id: str | None = None,
    seed: int | None = None,
    days: int | None = None,
    name: str = "",
    real_today: dt.date | None = None,
) -> tuple[StoredExperiment, Proposal]:
    """Store a running experiment starting today; the daily job runs the arms apart from now."""
    from optimizer.experiment.lifecycle import start
    from optimizer.store.experiments import ExperimentConflict

    account, today, campaigns = _live(settings, account_id, real_today)
    try:
        return start(settings, engine, campaigns, account_id=account, today=today, seed=seed, days=days, name=name)
    except ExperimentConflict as exc:
        raise InputError(Problem(f"account {account}", str(exc))) from None


def _find(engine: Engine, experiment_id: str | None) -> StoredExperiment:
    from optimizer.store.experiments import load_experiment, running_experiment

    exp = load_experiment(engine, experiment_id) if experiment_id else running_experiment(engine)
    if exp is None:
        what = t("experiment.unknown", experiment=experiment_id) if experiment_id else t("experiment.none_running")
        raise InputError(Problem("experiment", what))
    return exp


def stop_job(
    settings: Settings, engine: Engine, *, experiment_id: str | None = None, real_today: dt.date | None = None
) -> tuple[StoredExperiment, dt.date]:
    """Stop the experiment (default: the running one); returns it and its last test day."""
    from optimizer.experiment.lifecycle import stop

    exp = _find(engine, experiment_id)
    _, today, _ = _live(settings, exp.account_id, real_today)
    return exp, stop(engine, exp, today=today)


def report_job(
    settings: Settings,
    engine: Engine,
    *,
    experiment_id: str | None = None,
    out: Path | None = None,
    sequential: bool | None = None,
    real_today: dt.date | None = None,
) -> tuple[Reading, dict[str, Path]]:
    """Read the matured days and write the CSVs and the chart."""
    from optimizer.experiment.lifecycle import read
    from optimizer.experiment.report import write_report
    from optimizer.settings import default_data_dir

    exp = _find(engine, experiment_id)
    _, today, _ = _live(settings, exp.account_id, real_today)
    reading = read(settings, engine, exp, today=today, sequential=sequential)
    folder = out or Path(settings.job.output_dir or default_data_dir() / "runs").expanduser() / "experiments"
    return reading, write_report(reading, folder, lang=settings.ui.language)


def status_lines(engine: Engine, *, lang: str | None = None) -> list[str]:
    """What ``spendopt status`` says about a running experiment (nothing when none runs)."""
    from optimizer.store.experiments import load_arm_states, running_experiment

    exp = running_experiment(engine)
    if exp is None:
        return []
    states = load_arm_states(engine, exp.experiment_id)
    first = exp.start_date + dt.timedelta(days=exp.burn_in_days + exp.mature_days + 2)
    lines = [
        t(
            "experiment.status_line",
            lang=lang,
            experiment=exp.experiment_id,
            account=exp.account_id,
            start=exp.start_date,
            day=states["date"].nunique() if not states.empty else 0,
            planned=exp.planned_days,
            first_report=first,
        )
    ]
    for arm in exp.arms:
        mine = states[states["arm"] == arm.arm]
        used = f"{float(mine['budget_total'].iloc[-1]):,.2f}" if not mine.empty else "-"
        lines.append(
            t(
                "experiment.status_arm",
                lang=lang,
                arm=t(f"experiment.arm_{arm.arm}", lang=lang),
                n=sum(1 for a in exp.assignment.values() if a == arm.arm),
                share=arm.share,
                limit=float(arm.total_daily),
                used=used,
            )
        )
    return lines
