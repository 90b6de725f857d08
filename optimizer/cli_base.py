"""What every ``spendopt`` command shares: the app, the common options, the context, error reporting.

``command`` registers a function as a command with one-line error reporting
(``InputError`` exits 2 with file:row:column, other failures 1; a traceback only
with ``--verbose``); ``Context`` builds the settings and the store on first use.
The commands themselves are in ``optimizer.cli``.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["ConfigOption", "Context", "DbOption", "VerboseOption", "app", "command", "console", "parse_date"]

app = typer.Typer(
    name="spendopt",
    help="Ad-spend optimizer for Qianchuan (巨量千川) campaigns: import stats, fit response curves, "
    "reallocate budgets and bids by marginal ROI, review and apply changes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="store URL or SQLite file (default: $SPENDOPT_DATABASE_URL or the user data dir)"),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="TOML config file (default: ~/.config/spendopt/spendopt.toml if present)"),
]
VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="show details and tracebacks")]


_OPEN_ENGINES: list[Any] = []
"""The stores the running command opened (``Context.engine``); ``command`` disposes them when it ends."""


class Context:
    """What every command needs: settings and the store, built on first use (closed when the command ends)."""

    def __init__(self, db: str | None, config: Path | None, verbose: bool) -> None:
        self.db = db
        self.config = config
        self.verbose = verbose
        self._settings = None
        self._engine = None

    @property
    def settings(self):
        if self._settings is None:
            import os

            from connectors.errors import InputError
            from optimizer.i18n import LANGUAGES, set_command_language
            from optimizer.settings import load_settings

            try:
                self._settings = load_settings(self.config)
            except InputError:
                # the file did not load, so neither did [ui] language: the environment may still say it
                lang = os.environ.get("SPENDOPT_UI__LANGUAGE")
                if lang in LANGUAGES:
                    set_command_language(lang)
                raise
            set_command_language(self._settings.ui.language)
        return self._settings

    @property
    def database_url(self) -> str:
        from optimizer.settings import default_database_url

        settings = self.settings  # validated on every command, even when --db says where the store is
        url = self.db or settings.database_url or default_database_url()
        if "://" not in url:
            url = f"sqlite:///{Path(url).expanduser().resolve()}"
        return url

    @property
    def engine(self):
        if self._engine is None:
            from optimizer.store import open_store

            self._engine = open_store(self.database_url)
            _OPEN_ENGINES.append(self._engine)
        return self._engine


def console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def command(func=None, *, name: str | None = None, group: typer.Typer | None = None):
    """Register ``func`` as a command (of ``group``, default the top level) with one-line error reporting."""
    if func is None:
        return functools.partial(command, name=name, group=group)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from optimizer.i18n import command_language

        verbose = bool(kwargs.get("verbose"))
        with command_language():  # [ui] language once the settings are read; restored after the command
            try:
                return func(*args, **kwargs)
            except typer.Exit:
                raise
            except Exception as exc:
                _report_error(exc, verbose)
            finally:  # the pool's connections closed here, not left to the collector at exit
                while _OPEN_ENGINES:
                    _OPEN_ENGINES.pop().dispose()

    return (group or app).command(name=name)(wrapper)


def _report_error(exc: Exception, verbose: bool) -> None:
    """One readable message (a traceback with ``--verbose``); exit 2 for bad input, else 1."""
    from rich.markup import escape

    from connectors.errors import InputError, SpendoptError
    from optimizer.i18n import input_error_text, t

    if verbose:
        console(stderr=True).print_exception()
    err = console(stderr=True)
    # messages quote the user's cells, which may hold "[...]": never read them as markup
    if isinstance(exc, InputError):
        text = escape(input_error_text(exc))
        err.print(f"[bold red]{t('cli.error')}:[/] {t('cli.bad_input')}\n{text}", markup=True, soft_wrap=True)
        raise typer.Exit(2) from None
    kind = t("cli.error") if isinstance(exc, SpendoptError) else f"{t('cli.error')} ({type(exc).__name__})"
    err.print(f"[bold red]{kind}:[/] {escape(str(exc))}", soft_wrap=True)
    if not verbose and not isinstance(exc, SpendoptError):
        err.print(t("cli.run_verbose"))
    raise typer.Exit(1) from None


def parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    from connectors.errors import InputError, Problem

    try:
        return dt.date.fromisoformat(value.replace("/", "-"))
    except ValueError:
        raise InputError(Problem("command line", f"--date {value!r} is not a date like 2026-11-25")) from None


def held_text(held) -> str:
    """A ``RunHeld`` (another run has the account-day) in the reader's language."""
    from optimizer.i18n import t

    key = "safety.held_done" if held.state == "done" else "safety.held_live"
    return t(key, run_id=held.run_id, holder=held.holder, account=held.account_id, day=held.day, kind=held.kind)


def outcome_counts(report) -> str:
    """An ``ApplyReport``'s outcomes counted in the reader's language ("已确认 3, 跳过 1")."""
    from optimizer.i18n import t

    outcomes = ("planned", "confirmed", "already_applied", "not_applied", "failed", "pending", "skipped")
    words = ", ".join(f"{t('cli.outcome_' + o)} {report.count(o)}" for o in outcomes if report.count(o))
    return words or t("cli.nothing_to_send")
