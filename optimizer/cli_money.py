"""Commands about money already sent: ``status``, ``audit``, ``review export``, ``rollback``.

Registered on ``optimizer.cli``'s app (imported at its end); thin like every
command: parse, call one function, print. ``status`` and ``audit`` take
``--format table|csv|json`` and never cut an id or a path when piped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from optimizer.cli import ConfigOption, Context, DbOption, VerboseOption, _print_changes, command, console, review_app

FormatOption = Annotated[str, typer.Option("--format", help="table (default), csv or json")]


def _check_format(fmt: str) -> str:
    from connectors.errors import InputError, Problem
    from optimizer.jobs.views import FORMATS

    if fmt not in FORMATS:
        raise InputError(Problem("command line", f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}"))
    return fmt


@command
def status(
    fmt: FormatOption = "table",
    db: DbOption = None,
    config: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """What the store holds: accounts, campaigns, date range, last run, run keys."""
    from optimizer.jobs.status import STATUS_COLUMNS, render_status, status_rows
    from optimizer.jobs.views import emit

    ctx = Context(db, config, verbose)
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
    emit(rows, AUDIT_VIEW_COLUMNS, fmt, headers=[f"time ({ctx.settings.data.timezone})", *AUDIT_VIEW_COLUMNS[1:]])


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
    from connectors.errors import InputError, Problem
    from optimizer.jobs.review import export_review

    if fmt not in ("csv", "xlsx"):
        raise InputError(Problem("command line", f"--format must be csv or xlsx, got {fmt!r}"))
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
    out.print(f"rollback {report.run_id} of run {run_id}: {report.summary()}" + (" (dry run)" if dry_run else ""))
    _print_changes(report, out)
    if not report.ok:
        raise typer.Exit(1)
