"""The ``spendopt`` command line: each command parses, calls one function, prints a summary.

Every command takes ``--config`` and ``--verbose``; those that read or write the store
also take ``--db`` (``optimize`` never opens one, ``connect`` only stores tokens). Errors print as
one readable line (a traceback only with ``--verbose``); bad input exits with
code 2, other failures with 1. Heavy libraries are imported inside the
commands so ``spendopt --help`` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from optimizer.cli_base import (
    ConfigOption,
    Context,
    DbOption,
    VerboseOption,
    app,
    command,
    console,
    held_text,
    outcome_counts,
    parse_date,
)
from optimizer.progress import ProgressBar

__all__ = ["app", "main"]


def _version_callback(value: bool) -> None:
    if value:
        from optimizer.version import code_version

        typer.echo(f"spendopt {code_version()}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="print the version and exit")
    ] = False,
) -> None:
    """spendopt: budgets and bids by marginal ROI."""


@command
def init(db: DbOption = None, config: ConfigOption = None, verbose: VerboseOption = False) -> None:
    """Create the store (and a config file from the example if none exists)."""
    from optimizer.jobs.setup import init_workspace

    ctx = Context(db, config, verbose)
    result = init_workspace(ctx.database_url, config_path=config)
    out = console()
    from optimizer.i18n import t

    out.print(t("cli.store_ready", url=result.database_url))
    if result.config_written:
        out.print(t("cli.config_written", path=result.config_path))
    else:
        out.print(t("cli.config_in_use", path=result.config_path or t("cli.config_defaults")))


@command(name="import")
def import_(
    files: Annotated[
        list[Path], typer.Argument(help="CSV or XLSX files: contract columns or Qianchuan console exports")
    ],
    account: Annotated[str | None, typer.Option(help="account id for files without an account column")] = None,
    sheet: Annotated[
        str | None, typer.Option(help="XLSX: the sheet to read (needed when several sheets hold data)")
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Import daily campaign stats (spend, GMV, orders) into the store."""
    from optimizer.jobs.importing import import_files

    ctx = Context(db, config, verbose)
    with ProgressBar("importing") as bar:
        summary = import_files(ctx.engine, files, ctx.settings, account_id=account, sheet=sheet, progress=bar.update)
    from rich.markup import escape

    from optimizer.i18n import t

    out = console()
    for key, fields in summary.assumed:
        out.print(f"[yellow]{t('cli.assumed')}:[/] {escape(t(key, **fields))}", soft_wrap=True)
    out.print(
        t(
            "cli.imported_rows",
            rows=summary.rows,
            inserted=summary.inserted,
            updated=summary.updated,
            unchanged=summary.unchanged,
            campaigns=summary.campaigns,
            accounts=summary.accounts,
            first_date=summary.first_date,
            last_date=summary.last_date,
        )
    )


@command
def run(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="read only: write files to look at, send and store nothing")
    ] = False,
    days: Annotated[int, typer.Option(min=1, max=365, help="simulated account only: run this many days in a row")] = 1,
    out: Annotated[Path | None, typer.Option(help="folder for the run folders (default: [job] output_dir)")] = None,
    connector: Annotated[
        str | None,
        typer.Option(help="sim, qianchuan or files (imported console exports); default: [job] connector"),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """The daily job: pull, fit, optimize, write recommendations, apply the auto changes."""
    from optimizer.jobs.daily import run_job

    ctx = Context(db, config, verbose)
    settings = ctx.settings
    if connector is not None:
        settings = _with_connector(settings, connector)
    with ProgressBar("daily job") as bar:
        results = run_job(settings, ctx.engine, days=days, dry_run=dry_run, out=out, progress=bar.update)
    _print_daily(results)
    if not all(r.ok for r in results):
        raise typer.Exit(1)


def _with_connector(settings, name: str):
    """``settings`` with ``[job] connector = name`` (validated like the config key)."""
    from connectors.errors import InputError, Problem

    known = ("sim", "qianchuan", "files")
    if name not in known:
        raise InputError(Problem("command line", f"--connector {name!r}: expected one of {', '.join(known)}"))
    return settings.model_copy(update={"job": settings.job.model_copy(update={"connector": name})})


def _print_daily(results) -> None:
    """A short summary per run and account, and the files to open."""
    from rich.markup import escape

    from optimizer.i18n import t

    out = console()
    for result in results:
        for acc in result.accounts:  # a guardrail obeyed that empties an account comes first
            for warning in acc.warnings:
                out.print(f"[bold yellow]{escape(f'{acc.account_id}: {warning}')}[/]", soft_wrap=True)
        mode = t("cli.dry_run_mode") if result.dry_run else ""
        out.print(f"[bold]{escape(t('cli.run_header', run_id=result.run_id, date=result.effective_date))}[/]{mode}")
        for held in result.held:
            out.print(escape(t("safety.account_held", account=held.account_id, text=held_text(held))), soft_wrap=True)
        for acc in result.accounts:
            if acc.error:
                out.print(f"[red]{escape(t('cli.account_failed', account=acc.account_id, error=acc.error))}[/]")
                continue
            done = outcome_counts(acc.applied) if acc.applied is not None else t("cli.nothing_to_send")
            line = t(
                "cli.account_summary",
                account=acc.account_id,
                campaigns=acc.campaigns,
                auto=acc.auto,
                review=acc.review,
                spend=acc.expected_spend,
                gmv=acc.expected_gmv,
                done=done,
            )
            out.print(escape(line))
            for note in acc.notes:
                if note not in acc.warnings:
                    out.print(f"  [yellow]{t('cli.note')}:[/] {escape(note)}")
            _print_alerts(out, acc.alerts)
    last = [a for a in results[-1].accounts if a.paths] if results else []
    for acc in last:
        out.print(t("cli.recommendations_path", path=acc.paths[0]))
        report = [p for p in acc.paths if p.name.endswith("_report.html")]
        if report:
            out.print(t("cli.report_path", path=report[0]))


def _print_alerts(out, alerts) -> None:
    """New alerts of a run, one line each (``spendopt alerts`` lists them all)."""
    from rich.markup import escape

    from optimizer.alerts import describe
    from optimizer.i18n import current_language, t

    if alerts:
        out.print(f"  [red]{escape(t('alerts.summary_alerts', n=len(alerts)))}[/]")
    for alert in alerts:
        out.print(f"  [red]#{alert.id}[/] {escape(describe(alert, current_language()))}", soft_wrap=True)


@command
def simulate(
    scenario: Annotated[
        str | None, typer.Option("--scenario", help="preset name (config/scenarios/NAME.toml) or a TOML path")
    ] = None,
    twin: Annotated[
        str | None, typer.Option("--twin", help="simulate this account, fitted from its history in the store")
    ] = None,
    days: Annotated[int, typer.Option("--days", min=1, max=366, help="days to simulate")] = 30,
    seed: Annotated[int, typer.Option("--seed", min=0, help="seed of the daily noise (same seed, same files)")] = 0,
    market: Annotated[
        str,
        typer.Option(
            "--market",
            help="market family the account is simulated on: curves (the preset's curves), pacing or cohort",
        ),
    ] = "curves",
    policy: Annotated[
        list[str] | None,
        typer.Option(
            "--policy",
            help="policy to run, repeatable (default: spendopt; hold, rules and oracle always run as yardsticks)",
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="folder for the CSVs and the chart")] = Path("out/simulation"),
    experiment: Annotated[
        bool,
        typer.Option(
            "--experiment",
            help="a budget-split test (spendopt in the treatment arm, control held) against its counterfactual",
        ),
    ] = False,
    db: DbOption = None,
    config: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Dry-run policies day by day on a simulated account; writes per-day CSV, summary and chart.

    --experiment runs the [experiment] design instead: the true lift is known because the
    counterfactual (both arms held) runs with the same daily luck.

    A preset brings its own guardrails (the \\[settings] table of its TOML wins over --config);
    a twin runs under your config's guardrails. --market pacing or cohort simulates the preset's
    account on another family of market equations (connectors/sim/families). Nothing touches a
    real account.
    """
    from connectors.errors import InputError, Problem
    from connectors.sim.families import market_names
    from optimizer.simulate.loop import render_summary, run_simulation, simulation_settings

    if (scenario is None) == (twin is None):
        raise InputError(Problem("command line", "give exactly one of --scenario NAME or --twin ACCOUNT"))
    if market not in market_names():
        raise InputError(Problem("--market", f"unknown market family {market!r} (known: {', '.join(market_names())})"))
    if twin is not None and market != "curves":
        raise InputError(Problem("--market", "a twin is its fitted curves: use --market curves (the default)"))
    from optimizer.i18n import t
    from optimizer.simulate.policies import policy_names

    policies = policy if policy else ["spendopt"]  # spendopt is in its own comparison unless told otherwise
    for name in policies:
        if name not in policy_names():
            text = t("simulate.unknown_policy", policy=name, known=", ".join(policy_names()))
            raise InputError(Problem("--policy", text))
    ctx = Context(db, config, verbose)
    if twin is not None:
        from optimizer.simulate.twin import twin_from_store

        world = twin_from_store(ctx.database_url, twin, settings=ctx.settings)
        settings = ctx.settings
    else:
        from connectors.sim.scenario import load_scenario

        assert scenario is not None  # exactly one of the two, checked above
        world = load_scenario(scenario)
        settings = simulation_settings(world, config)
    if experiment:
        from optimizer.simulate.experiment import render_experiment, simulate_experiment

        run, files = simulate_experiment(world, days=days, seed=seed, settings=settings, market=market, out_dir=out)
        console().print(render_experiment(run))
        for path in files.values():
            console().print(t("cli.wrote", path=path))
        return
    result = run_simulation(
        world, days=days, seed=seed, policies=policies, settings=settings, out_dir=out, market=market
    )
    con = console()
    con.print(render_summary(result.summary))
    for path in result.files.values():
        con.print(t("cli.wrote", path=path))


@command
def optimize(
    input: Annotated[
        list[Path], typer.Option("--input", help="daily stats CSV/XLSX (data contract section 1); repeatable")
    ],
    output: Annotated[
        Path, typer.Option("--output", help="recommendations CSV to write; the XLSX and the report go next to it")
    ],
    config: ConfigOption = None,
    date: Annotated[
        str | None, typer.Option("--date", help="effective date YYYY-MM-DD (default: the day after the newest date)")
    ] = None,
    report: Annotated[bool, typer.Option("--report/--no-report", help="draw the PNG/HTML report")] = True,
    verbose: VerboseOption = False,
) -> None:
    """One-shot: recommendations for the campaigns in the input files (never reads or changes the store)."""
    from optimizer.jobs.optimize import run_optimize

    ctx = Context(None, config, verbose)
    settings = ctx.settings
    effective = parse_date(date)
    con = console()
    with con.status("optimizing") as status:
        result = run_optimize(
            input, output, settings, effective, progress=status.update, report=report, backtest=report or verbose
        )
    from rich.markup import escape

    from optimizer.i18n import t

    counts = result.frame["action"].value_counts().to_dict()
    roi = f"{result.expected_gmv / result.expected_spend:.2f}" if result.expected_spend else "-"
    words = ", ".join(f"{t('actions.' + k)} {v:,}" for k, v in sorted(counts.items()))
    if result.warnings or result.conflicts:
        # the first line says it: a guardrail obeyed that empties the account, or guardrails that conflicted
        con.print("[bold yellow]" + escape(" ".join(result.warnings + result.conflicts)) + "[/]", soft_wrap=True)
    con.print(
        escape(
            t(
                "cli.optimize_counts",
                campaigns=result.n_campaigns,
                date=result.effective_date,
                run_id=result.run_id,
                counts=words,
                review=result.n_review,
            )
        )
    )
    con.print(
        escape(
            t(
                "cli.optimize_totals",
                before=result.total_budget_before,
                after=result.total_budget_after,
                spend=result.expected_spend,
                gmv=result.expected_gmv,
                roi=roi,
            )
        )
    )
    for note in result.notes:
        con.print(f"[yellow]{t('cli.note')}:[/] {escape(note)}")
    if verbose and result.slope_checks:
        con.print(escape(t("decisions.backtest_head")))
        for check in result.slope_checks:
            con.print("  " + escape(check.sentence), soft_wrap=True)
    for path in result.paths:
        con.print(t("cli.wrote", path=path))
    _FINISHED.append("optimize")


@command
def schedule(
    once: Annotated[bool, typer.Option("--once", help="wait for yesterday's data, run once, exit (for cron)")] = False,
    runs: Annotated[
        int | None, typer.Option("--runs", min=1, help="stop after this many runs (default: until stopped)")
    ] = None,
    print_systemd: Annotated[
        bool, typer.Option("--print-systemd", help="print a systemd unit and a cron line, then exit")
    ] = False,
    db: DbOption = None,
    config: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Run the daily job every day at [schedule] time (waiting for yesterday's data) until stopped."""
    from rich.markup import escape

    from optimizer.i18n import t
    from optimizer.jobs.production import StopFlag, run_once, stop_on_signals, systemd_unit
    from optimizer.jobs.schedule import run_schedule
    from optimizer.notify import notifier_from_settings

    if print_systemd:
        typer.echo(
            systemd_unit(sys.argv[0] if sys.argv and sys.argv[0].endswith("spendopt") else "/usr/local/bin/spendopt")
        )
        return
    ctx = Context(db, config, verbose)
    plan = ctx.settings.schedule
    if not plan.enabled:
        raise typer.BadParameter(t("cli.schedule_disabled"))
    out = console()
    stop = StopFlag()
    stop_on_signals(stop)

    def job():
        from optimizer.i18n import use_language

        with use_language(ctx.settings.ui.language):  # the scheduler runs the job in its own thread
            with notifier_from_settings(ctx.settings) as notifier:
                outcome = run_once(ctx.settings, ctx.engine, notifier=notifier, stop=stop)
            for result in outcome.results:
                _print_daily([result])
            if outcome.outcome != "ok":
                console(stderr=True).print(f"[red]{outcome.outcome}[/] {outcome.message}", markup=True, soft_wrap=True)
        return outcome

    if once:
        if job().outcome not in ("ok", "stopped"):
            raise typer.Exit(1)
        return
    run_schedule(
        job,
        at=plan.time,
        timezone=plan.timezone,
        misfire_grace_s=plan.misfire_grace_s,
        on_start=lambda when: out.print(t("cli.next_run", when=f"{when:%Y-%m-%d %H:%M %Z}")),
        on_error=lambda exc: console(stderr=True).print(f"[red]{escape(t('cli.run_failed', error=exc))}[/]"),
        stop=stop,
        runs=runs,
    )


def _register_more() -> None:
    """Commands kept in their own modules. (Run as ``python -m optimizer.cli``, this module
    loads twice; the copy loaded while those are still loading leaves it to the first.)"""
    import optimizer.cli_act as act
    import optimizer.cli_alerts as more
    import optimizer.cli_connect as connect
    import optimizer.cli_experiment as experiment
    import optimizer.cli_worker as fleet

    for module in (act, connect, more, experiment, fleet):
        if hasattr(module, "register"):
            module.register(app)


_register_more()


_FINISHED: list[str] = []  # one-shot commands that completed, so the process may end without teardown


def main() -> None:
    """Console-script entry point.

    After a one-shot command that completed (``optimize``: no store, no threads left, every
    file closed), the process ends with ``os._exit`` once the streams are flushed: tearing
    down pandas, numpy and OR-Tools module by module takes a tenth of a second and does
    nothing for the user. Every other command, and any failure, exits the ordinary way.
    """
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except SystemExit as exc:
        if _FINISHED and exc.code in (0, None):
            _exit_now()
        raise
    if _FINISHED:
        _exit_now()


def _exit_now() -> None:
    import logging
    import os

    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    logging.shutdown()
    os._exit(0)


if __name__ == "__main__":
    main()
