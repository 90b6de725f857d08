"""The one place a job opens its connector: ``[job] connector`` names it (sim, qianchuan or files).

``files`` is the connector of imported accounts (``connectors.files.account``):
the store's accounts whose data came from ``spendopt import``, each campaign as
its newest imported day shows it; changes are made by a person in the console.
A review of a file account uses it whatever ``[job] connector`` says: the
account's kind decides how its changes are made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from contextlib import contextmanager
from typing import TYPE_CHECKING

from connectors.clock import today_in
from optimizer.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from connectors.files.account import FilesConnector

__all__ = ["file_accounts", "files_connector", "open_connector"]


@contextmanager
def open_connector(
    settings: Settings,
    *,
    real_today: dt.date | None = None,
    save: bool = True,
    engine: Engine | None = None,
    accounts: Iterable[str] = (),
    note: str = "",
):
    """The connector ``[job] connector`` names, and today's date on its calendar.

    Yields ``(connector, today, sim_account)``; ``sim_account`` is the embedded
    simulated account (``None`` for Qianchuan and files). With ``save`` its every
    accepted write is journaled on disk as it happens and a clean exit writes a
    fresh snapshot; without (a dry run) nothing of it is written. Either way its
    lock is let go on the way out. With ``engine``, ``"files"`` (or ``accounts``
    that are all imported accounts) opens the file-backed connector; ``note``
    (who approved, in which file) rides on its pending changes.
    """

    from optimizer.settings import default_data_dir

    real_today = real_today or today_in(settings.data.timezone)
    wanted = set(accounts)
    if engine is not None and (settings.job.connector == "files" or (wanted and wanted <= set(file_accounts(engine)))):
        yield files_connector(engine, note=note), real_today, None
        return
    if settings.job.connector == "files":
        raise ValueError("the files connector reads the store: open_connector needs the engine")
    if settings.job.connector == "qianchuan":
        from connectors.qianchuan.connector import QianchuanConnector

        with QianchuanConnector(settings.qianchuan, timezone=settings.data.timezone) as connector:
            yield connector, real_today, None
        return
    from connectors.sim.account import open_sim_account

    account = open_sim_account(
        default_data_dir(),
        scenario=settings.job.sim_scenario,
        seed=settings.job.sim_seed,
        today=real_today,
        persist=save,
    )
    try:
        yield account.platform, account.platform.today, account
        account.save()
    finally:
        account.close()


def file_accounts(engine: Engine) -> list[str]:
    """Ids of the store's imported accounts (platform ``file``), sorted."""
    import sqlalchemy as sa

    from optimizer.store.tables import Account

    table = Account.__table__
    with engine.connect() as conn:
        return sorted(conn.execute(sa.select(table.c.account_id).where(table.c.platform == "file")).scalars())


def files_connector(engine: Engine, *, note: str = "") -> FilesConnector:
    """The store's imported accounts and their campaigns (as the newest import shows them) as a connector."""
    from decimal import Decimal

    import sqlalchemy as sa

    from connectors.base import AccountInfo, CampaignState
    from connectors.files.account import FilesConnector
    from optimizer.store.tables import Account, Campaign

    accounts, campaigns = Account.__table__, Campaign.__table__
    with engine.connect() as conn:
        infos = [
            AccountInfo(account_id=r.account_id, name=r.name or "", currency=r.currency or "CNY")
            for r in conn.execute(
                sa.select(accounts).where(accounts.c.platform == "file").order_by(accounts.c.account_id)
            )
        ]
        ids = [a.account_id for a in infos]
        rows = conn.execute(
            sa.select(campaigns).where(campaigns.c.account_id.in_(ids)).order_by(campaigns.c.campaign_id)
        ).all()

    def money(value) -> Decimal | None:
        return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))

    states = [
        CampaignState(
            account_id=r.account_id,
            campaign_id=r.campaign_id,
            name=r.name or "",
            channel=r.channel or "default",
            bid_type=r.bid_type if r.bid_type in ("cpa", "roi") and r.bid is not None else "none",
            budget=money(r.budget),
            bid=money(r.bid) if r.bid_type in ("cpa", "roi") and r.bid is not None and r.bid > 0 else None,
            status=r.status if r.status in ("active", "paused", "learning") else "active",
            excluded_reason=r.excluded_reason,
        )
        for r in rows
    ]
    return FilesConnector(infos, states, note=note)


def left_out_lines(left_out: Iterable) -> list[str]:
    """Each authorized account a pull does not read itself (``connectors.qianchuan.discover.LeftOut``), with why."""
    from optimizer.i18n import t

    lines = []
    for item in left_out:
        key = f"connect.left_out_{item.kind}"
        if item.kind != "invalid" and not item.advertisers:
            key += "_empty"
        lines.append(t(key, account=item.account_id, name=item.name or "-", advertisers=item.advertisers))
    return lines


def qianchuan_accounts(settings: Settings) -> list[str]:
    """What ``connect qianchuan`` says after authorizing: the advertisers a pull reads, and the accounts left out."""
    from connectors.qianchuan.connector import QianchuanConnector
    from optimizer.i18n import t

    with QianchuanConnector(settings.qianchuan, timezone=settings.data.timezone) as connector:
        accounts = connector.list_accounts()
        names = ", ".join(f"{a.account_id} ({a.name})" if a.name else a.account_id for a in accounts)
        return [t("connect.to_pull", count=len(accounts), accounts=names or "-"), *left_out_lines(connector.left_out)]
