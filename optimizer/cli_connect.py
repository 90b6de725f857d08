"""The commands that reach an ad platform's API: ``connect qianchuan`` (authorize once) and ``pull``.

``register(app)`` adds the ``connect`` group to the CLI (``pull`` registers on import). Thin like
every command: parse, call one function, print. ``connect`` and ``pull`` name each authorized
account that is not pulled itself (a shop or agent parent, an invalid authorization) and why.
"""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from optimizer.cli_base import ConfigOption, Context, DbOption, VerboseOption, command, console, parse_date
from optimizer.progress import ProgressBar

connect_app = typer.Typer(help="Authorize spendopt to reach an ad platform's API (once; tokens are stored encrypted).")


@command(group=connect_app, name="qianchuan")
def connect_qianchuan(
    auth_code: Annotated[
        str | None,
        typer.Option(help="the auth_code (or the whole URL you were sent to) when nobody answers on standard input"),
    ] = None,
    config: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Authorize the Qianchuan Open API: open the printed URL, paste the auth_code back (or pass --auth-code).

    Needs SPENDOPT_QIANCHUAN_APP_ID, SPENDOPT_QIANCHUAN_APP_SECRET and SPENDOPT_SECRET_KEY."""
    from connectors.qianchuan.auth import connect
    from optimizer.i18n import t
    from optimizer.jobs.connect import qianchuan_accounts

    ctx = Context(None, config, verbose)
    out = console()

    def show_url(url: str) -> None:
        out.print(t("connect.open_url"), markup=False, soft_wrap=True)
        out.print(url, markup=False, soft_wrap=True)

    tokens = connect(
        ctx.settings.qianchuan,
        ask=lambda _what: _ask_auth_code(t("connect.paste_code")),
        say=show_url,
        auth_code=auth_code,
    )
    until = tokens.access_expires_at.astimezone(ZoneInfo(ctx.settings.data.timezone))
    path = ctx.settings.qianchuan.resolved_token_file()
    text = t("connect.authorized", count=len(tokens.advertiser_ids), path=path, until=f"{until:%Y-%m-%d %H:%M}")
    out.print(text, markup=False, soft_wrap=True)
    for line in qianchuan_accounts(ctx.settings):
        out.print(line, markup=False, soft_wrap=True)


def _ask_auth_code(prompt: str) -> str:
    """The pasted auth_code; nobody answering (standard input closed, not a terminal) is bad input: exit 2."""
    from connectors.errors import InputError, Problem

    try:
        return typer.prompt(prompt)
    except typer.Abort:
        raise InputError(Problem("standard input", "no auth_code", key="connect.no_input", fields={})) from None


@command(name="pull")
def pull_(
    account: Annotated[
        str | None, typer.Option(help="only this Qianchuan advertiser id (default: every authorized one)")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="first day to read, YYYY-MM-DD (default: newest stored day minus the look-back)")
    ] = None,
    connector: Annotated[
        str, typer.Option(help="qianchuan (the Open API) or sim (the embedded simulated account)")
    ] = "qianchuan",
    db: DbOption = None,
    config: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Fetch plans and daily reports of every authorized Qianchuan account into the store."""
    from connectors.errors import InputError, Problem
    from optimizer.jobs.pull import run_pull

    if connector == "files":
        raise InputError(Problem("command line", "--connector files: imported accounts come in by `spendopt import`"))
    ctx = Context(db, config, verbose)
    from optimizer.cli import _with_connector

    settings = _with_connector(ctx.settings, connector)
    with ProgressBar("pulling") as bar:
        summary = run_pull(settings, account=account, since=parse_date(since), engine=ctx.engine, progress=bar.update)
    out = console()
    from rich.markup import escape

    from optimizer.i18n import t
    from optimizer.jobs.connect import left_out_lines

    for line in left_out_lines(x for x in summary.left_out if x.kind == "invalid" or not x.advertisers):
        out.print(f"[yellow]{escape(line)}[/]", soft_wrap=True)
    for a in summary.accounts:
        if a.error:
            out.print(f"[red]{escape(t('cli.pull_failed', account=a.account_id, error=a.error))}[/]", soft_wrap=True)
        else:
            out.print(
                t(
                    "cli.pull_account",
                    account=a.account_id,
                    campaigns=a.campaigns,
                    rows=a.rows,
                    start=a.start,
                    end=a.end,
                    inserted=a.inserted,
                    updated=a.updated,
                )
            )
    if summary.failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the ``connect`` group to ``app`` once."""
    if all(group.typer_instance is not connect_app for group in app.registered_groups):
        app.add_typer(connect_app, name="connect")
