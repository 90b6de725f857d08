"""``spendopt alerts`` and ``spendopt watch`` (``register(app)`` adds them to the CLI).

Thin like every command: parse, call one function, print.
"""

from __future__ import annotations

from typing import Annotated

import typer

from optimizer.cli_base import ConfigOption, Context, DbOption, VerboseOption, command, console


def alerts(
    open_only: Annotated[bool, typer.Option("--open", help="only open or acknowledged alerts")] = False,
    ack: Annotated[
        int | None, typer.Option("--ack", help="acknowledge alert ID (its campaign leaves forced review)")
    ] = None,
    resolve: Annotated[int | None, typer.Option("--resolve", help="close alert ID by hand")] = None,
    db: DbOption = None,
    config: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """预警: list the alerts (newest first), or acknowledge / resolve one."""
    from rich.markup import escape

    from optimizer.alerts import describe
    from optimizer.i18n import t
    from optimizer.store.alerts import acknowledge_alert, list_alerts, resolve_alert

    ctx = Context(db, config, verbose)
    lang = ctx.settings.ui.language
    out = console()
    if ack is not None or resolve is not None:
        if ack is not None:
            done = acknowledge_alert(ctx.engine, ack)
        else:
            assert resolve is not None
            done = resolve_alert(ctx.engine, resolve)
        out.print(escape(t("alerts.acked", lang=lang, id=done.id, what=describe(done, lang))), soft_wrap=True)
        return
    rows = list_alerts(ctx.engine, open_only=open_only)
    if not rows:
        out.print(t("alerts.list_none", lang=lang))
        return
    for a in rows:
        state = t(f"alerts.state_{a.state}", lang=lang)
        first = f"{a.first_seen:%Y-%m-%d %H:%M}" + (f" ×{a.seen_count}" if a.seen_count > 1 else "")
        line = f"#{a.id} [{state}] {describe(a, lang)} · {a.data_date or ''} · {first}"
        out.print(escape(line), soft_wrap=True)


def watch(
    interval: Annotated[
        float | None, typer.Option("--interval", help="minutes between polls (default: [alerts] watch_interval_min)")
    ] = None,
    once: Annotated[bool, typer.Option("--once", help="poll once and exit (for cron)")] = False,
    db: DbOption = None,
    config: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Poll today's spend every N minutes and alert on pacing, dead and runaway plans; changes nothing."""
    import signal
    import threading

    from optimizer.jobs.connect import open_connector
    from optimizer.jobs.watch import Watcher, run_watch
    from optimizer.notify import notifier_from_settings

    ctx = Context(db, config, verbose)
    settings = ctx.settings
    minutes = interval or settings.alerts.watch_interval_min
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    out = console()
    with notifier_from_settings(settings) as notifier, open_connector(settings, save=False) as (connector, _, sim):
        watcher = Watcher(settings, ctx.engine, connector, notifier)
        run_watch(
            watcher,
            today=(lambda: sim.platform.today) if sim is not None else None,
            interval_s=minutes * 60,
            stop=stop,
            polls=1 if once else None,
            on_poll=lambda p: out.print(f"{p.at:%H:%M} {p.fraction:.0%}: {p.findings} findings, {len(p.alerts)} new"),
        )


def register(app: typer.Typer) -> None:
    """Add the commands to ``app`` (``optimizer.cli`` calls this for its own app)."""
    command(alerts, name="alerts", group=app)
    command(watch, name="watch", group=app)
