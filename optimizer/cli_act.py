"""The commands of the act stage: ``review import`` / ``review export``, ``status``, ``audit``, ``rollback``.

``register(app)`` adds them to the CLI. Thin like every command: parse, call one function, print.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from optimizer.cli_base import ConfigOption, Context, DbOption, VerboseOption, command, console, held_text

review_app = typer.Typer(help="The review round trip: approve or edit the rows flagged `review`, then import them.")


@command(group=review_app, name="import")
def review_import(
    file: Annotated[Path, typer.Argument(help="the recommendations CSV/XLSX with `approved` filled in (yes/no/是/否)")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="check the file and show what would be sent; store and send nothing")
    ] = False,
    db: DbOption = None,
    config: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Check a reviewed file, record the decisions, and apply the approved rows."""
    from optimizer.i18n import t
    from optimizer.jobs.review import run_review
    from optimizer.store.lease import RunHeld

    ctx = Context(db, config, verbose)
    out = console()
    try:
        decision, report = run_review(ctx.settings, ctx.engine, file, dry_run=dry_run)
    except RunHeld as held:  # another import of this run is sending right now: it does the work
        out.print(held_text(held), soft_wrap=True, markup=False)
        return
    out.print(
        t(
            "cli.review_summary",
            run_id=decision.run_id,
            approved=decision.approved,
            edited=decision.edited,
            rejected=decision.rejected,
            unanswered=decision.unanswered,
        )
        + (t("cli.review_dry_run") if dry_run else "")
    )
    for note in decision.notes:
        out.print(f"  {note}", soft_wrap=True, markup=False)
    _print_changes(report, out)


def _print_changes(report, out) -> None:
    for item in report.items:
        line = f"  {item.campaign_id} {item.field}: {item.before} -> {item.after}  [{item.outcome}]"
        if item.message:
            line += f" {item.message}"
        out.print(line, soft_wrap=True)


# --- money already sent: status, audit, review export, rollback ----------------------------------

FormatOption = Annotated[str, typer.Option("--format", help="table (default), csv or json")]


def _check_format(fmt: str) -> str:
    from connectors.errors import InputError
    from optimizer.i18n import keyed_problem
    from optimizer.jobs.views import FORMATS

    if fmt not in FORMATS:
        raise InputError(keyed_problem("command line", "cli.bad_format", known=", ".join(FORMATS), got=repr(fmt)))
    return fmt


@command
def status(
    every: Annotated[
        bool,
        typer.Option("--all", help="every account's day: last pull, last run, changes sent, reviews, alerts, queue"),
    ] = False,
    fmt: FormatOption = "table",
    db: DbOption = None,
    config: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """What the store holds: accounts, campaigns, date range, last run, run keys (``--all``: every account's day)."""
    from optimizer.jobs.status import STATUS_COLUMNS, render_status, status_rows
    from optimizer.jobs.views import emit

    ctx = Context(db, config, verbose)
    if every:
        from optimizer.jobs.overview import OVERVIEW_COLUMNS, overview_rows, render_overview

        zone = ctx.settings.data.timezone
        rows = overview_rows(ctx.engine, zone)
        if _check_format(fmt) == "table":
            render_overview(rows, console(), timezone=zone)
        else:
            emit(rows, OVERVIEW_COLUMNS, fmt)
        return
    if _check_format(fmt) == "table":
        render_status(ctx.engine, console(), database_url=ctx.database_url)
        return
    emit(status_rows(ctx.engine), STATUS_COLUMNS, fmt)


@command
def audit(
    run: Annotated[str | None, typer.Option("--run", help="only this run id")] = None,
    campaign: Annotated[str | None, typer.Option(help="only this campaign id")] = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
    config: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """The audit log: every change sent to a platform, with campaign name, reason, run and local time."""
    from optimizer.act.audit import read_log
    from optimizer.i18n import t
    from optimizer.jobs.views import AUDIT_VIEW_COLUMNS, audit_rows, emit

    ctx = Context(db, config, verbose)
    fmt = _check_format(fmt)
    rows = audit_rows(ctx.engine, read_log(ctx.engine, run_id=run, campaign_id=campaign), ctx.settings.data.timezone)
    if not rows and fmt == "table":
        console().print(t("cli.no_audit"))
        return
    headers = [
        t("cli.audit_time", tz=ctx.settings.data.timezone),
        *(t(f"cli.audit_{c}") for c in AUDIT_VIEW_COLUMNS[1:]),
    ]
    emit(rows, AUDIT_VIEW_COLUMNS, fmt, headers=headers)


@command(group=review_app, name="export")
def review_export(
    run: Annotated[str | None, typer.Option("--run", help="the run to export (default: the newest)")] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv (default) or xlsx")] = "csv",
    out: Annotated[Path | None, typer.Option("--out", help="file to write (default: review-RUN.FORMAT here)")] = None,
    db: DbOption = None,
    config: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Write a run's review file again, with the decisions recorded so far."""
    from connectors.errors import InputError
    from optimizer.i18n import keyed_problem
    from optimizer.jobs.review import export_review

    if fmt not in ("csv", "xlsx"):
        raise InputError(keyed_problem("command line", "cli.bad_format", known="csv, xlsx", got=repr(fmt)))
    ctx = Context(db, config, verbose)
    path = export_review(ctx.engine, run, out, fmt)
    typer.echo(str(path))


@command
def rollback(
    run_id: Annotated[str, typer.Argument(help="the run whose changes to undo")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="show what would be sent; send and store nothing")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="also restore fields that changed since the run (recorded as forced)")
    ] = False,
    db: DbOption = None,
    config: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Return every budget, bid and status a run changed to its value before the run, exactly once."""
    from optimizer.jobs.rollback import rollback_run

    ctx = Context(db, config, verbose)
    report = rollback_run(ctx.settings, ctx.engine, run_id, dry_run=dry_run, force=force)
    out = console()
    from optimizer.cli_base import outcome_counts
    from optimizer.i18n import t

    head = t("cli.rollback_head", rollback=report.run_id, run_id=run_id, counts=outcome_counts(report))
    out.print(head + (t("cli.review_dry_run") if dry_run else ""))
    _print_changes(report, out)
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the ``review`` group to ``app`` once (the other commands register on import)."""
    if all(group.typer_instance is not review_app for group in app.registered_groups):
        app.add_typer(review_app, name="review")
