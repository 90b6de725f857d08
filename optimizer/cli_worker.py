"""The fleet commands: ``spendopt worker`` and ``spendopt enqueue`` (PostgreSQL only, ``optimizer.jobs.queue``).

``register(app)`` adds them to the CLI. Thin like every command: parse, call one function, print.
"""

from __future__ import annotations

from typing import Annotated

import typer

from optimizer.cli_base import ConfigOption, Context, DbOption, VerboseOption, command, console, parse_date


def worker(
    concurrency: Annotated[
        int | None, typer.Option("--concurrency", min=1, max=32, help="account jobs at once (default: [worker])")
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Work the queued account-days with every other worker on one PostgreSQL (the fleet mode; SIGTERM stops)."""
    from optimizer.jobs.queue import AgencyQueue, require_fleet

    ctx = Context(db, config, verbose)
    require_fleet(ctx.settings, ctx.database_url)
    _log_to_stderr(verbose)
    queue = AgencyQueue(ctx.settings, ctx.database_url, engine=ctx.engine)
    if queue.install():
        console(stderr=True).print("created the queue's tables")
    plan = ctx.settings.schedule
    console(stderr=True).print(
        f"worker up: account jobs from {_redact_url(ctx.database_url)}; the morning is queued daily at "
        f"{plan.time} {plan.timezone}; Ctrl-C or SIGTERM stops after the running jobs"
    )
    queue.run_worker(concurrency=concurrency)


def enqueue(
    date: Annotated[
        str | None, typer.Option(help="effective date YYYY-MM-DD (default: today in [data] timezone)")
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Queue one day's account jobs now, as the morning's periodic task does (a day is queued once)."""
    from connectors.clock import today_in
    from optimizer.jobs.queue import AgencyQueue, require_fleet

    ctx = Context(db, config, verbose)
    require_fleet(ctx.settings, ctx.database_url)
    day = parse_date(date) or today_in(ctx.settings.data.timezone)
    queue = AgencyQueue(ctx.settings, ctx.database_url, engine=ctx.engine)
    queue.install()
    queued = queue.queue_day(day)
    console().print(f"{day}: {len(queued.queued)} account job(s) queued, {len(queued.already)} already in the queue")


def _log_to_stderr(verbose: bool) -> None:
    import logging

    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("procrastinate").setLevel(logging.INFO if verbose else logging.WARNING)
    for name in ("httpx", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _redact_url(url: str) -> str:
    from optimizer.jobs.status import _redact

    return _redact(url)


def register(app: typer.Typer) -> None:
    """Add ``worker`` and ``enqueue`` to ``app`` (``optimizer.cli`` calls this for its own app)."""
    command(worker, name="worker", group=app)
    command(enqueue, name="enqueue", group=app)
