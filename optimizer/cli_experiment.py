"""The ``experiment`` commands: ``plan``, ``start``, ``report``, ``stop`` (issue 14, ``optimizer.experiment``).

``register(app)`` adds the group to the CLI. Thin like every command: parse, call one function, print.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from optimizer.cli_base import ConfigOption, Context, DbOption, VerboseOption, command, console

experiment_app = typer.Typer(
    help="Proof of lift: a budget-split test of spendopt (treatment arm) against holding still (control arm)."
)
AccountOption = Annotated[str | None, typer.Option("--account", help="account id (default: the only one)")]
ExperimentOption = Annotated[str | None, typer.Option("--experiment", help="experiment id (default: the running one)")]
SeedOption = Annotated[int | None, typer.Option("--seed", min=0, help="seed of the split (default: drawn, recorded)")]
DaysOption = Annotated[int | None, typer.Option("--days", min=3, max=365, help="planned test days ([experiment] days)")]


@command(group=experiment_app, name="plan")
def experiment_plan(
    account: AccountOption = None,
    seed: SeedOption = None,
    days: DaysOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """How large a lift a test of N days can detect on this account (stores nothing)."""
    from optimizer.experiment.report import plan_lines
    from optimizer.jobs.experiment import plan_job

    ctx = Context(db, config, verbose)
    proposal = plan_job(ctx.settings, ctx.engine, account_id=account, seed=seed, days=days)
    for line in plan_lines(proposal):
        console().print(line, markup=False, soft_wrap=True)


@command(group=experiment_app, name="start")
def experiment_start(
    account: AccountOption = None,
    seed: SeedOption = None,
    days: DaysOption = None,
    name: Annotated[str, typer.Option("--name", help="a label for people")] = "",
    db: DbOption = None,
    config: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Split the account into two arms; from today the daily job optimises only the treatment arm."""
    from optimizer.experiment.report import plan_lines
    from optimizer.i18n import t
    from optimizer.jobs.experiment import start_job

    ctx = Context(db, config, verbose)
    exp, proposal = start_job(ctx.settings, ctx.engine, account_id=account, seed=seed, days=days, name=name)
    for line in plan_lines(proposal):
        console().print(line, markup=False, soft_wrap=True)
    console().print(t("experiment.started", experiment=exp.experiment_id, start=exp.start_date, seed=exp.seed))


@command(group=experiment_app, name="report")
def experiment_report(
    experiment: ExperimentOption = None,
    sequential: Annotated[
        bool | None, typer.Option("--sequential/--fixed", help="always-valid interval (default: [experiment])")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="folder for the CSVs and the chart")] = None,
    db: DbOption = None,
    config: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """The lift in ROI and GMV with its interval, from matured days; writes CSV + chart."""
    from optimizer.experiment.report import report_lines
    from optimizer.i18n import t
    from optimizer.jobs.experiment import report_job

    ctx = Context(db, config, verbose)
    reading, paths = report_job(ctx.settings, ctx.engine, experiment_id=experiment, out=out, sequential=sequential)
    for line in report_lines(reading):
        console().print(line, markup=False, soft_wrap=True)
    console().print(t("experiment.files", paths=", ".join(str(p) for p in paths.values())), markup=False)


@command(group=experiment_app, name="stop")
def experiment_stop(
    experiment: ExperimentOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """End the test: the daily job optimises the whole account again."""
    from optimizer.i18n import t
    from optimizer.jobs.experiment import stop_job

    ctx = Context(db, config, verbose)
    exp, last = stop_job(ctx.settings, ctx.engine, experiment_id=experiment)
    console().print(t("experiment.stopped", experiment=exp.experiment_id, last=last))


def register(app: typer.Typer) -> None:
    """Add the ``experiment`` group to ``app`` once."""
    if all(group.typer_instance is not experiment_app for group in app.registered_groups):
        app.add_typer(experiment_app, name="experiment")
