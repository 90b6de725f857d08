"""The watch's polls: each campaign's spend so far at each poll (table ``intraday_spend``).

``record_polls`` keeps one poll; ``load_polls`` gives an account's polls of
the last days beside each day's final spend (``daily_stat``), from which
``optimizer.alerts.shape`` learns how each campaign's day fills.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa

from optimizer.store.tables import DailyStat, IntradaySpend

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Engine

__all__ = ["KEEP_DAYS", "load_polls", "record_polls"]

KEEP_DAYS = 28
"""Polls older than this many days are dropped with a day's first poll."""


def record_polls(
    engine: Engine,
    account_id: str,
    date: dt.date,
    minute: int,
    spend: Mapping[str, Decimal | float],
    *,
    prune: bool = False,
) -> None:
    """Keep one poll of ``account_id`` (campaign id -> spend so far) at ``minute`` of ``date``;
    ``prune`` (a day's first poll) also drops the account's polls older than ``KEEP_DAYS``."""
    import pandas as pd

    from optimizer.store.upsert import upsert_frame

    if not spend:
        return
    frame = pd.DataFrame(
        {
            "account_id": account_id,
            "campaign_id": list(spend),
            "date": date,
            "minute": int(minute),
            "spend": [Decimal(str(v)) for v in spend.values()],
        }
    )
    table = IntradaySpend.__table__
    with engine.begin() as conn:
        upsert_frame(conn, table, frame, key=("account_id", "campaign_id", "date", "minute"), compare=("spend",))
        if prune:
            old = date - dt.timedelta(days=KEEP_DAYS)
            conn.execute(sa.delete(table).where(table.c.account_id == account_id, table.c.date < old))


def load_polls(engine: Engine, account_id: str, before: dt.date, days: int = 14) -> pd.DataFrame:
    """Polls of the ``days`` days before ``before``: campaign_id, date, minute, spend, final (the day's spend)."""
    import pandas as pd

    poll, stat = IntradaySpend.__table__, DailyStat.__table__
    query = (
        sa.select(
            poll.c.campaign_id,
            poll.c.date,
            poll.c.minute,
            sa.type_coerce(poll.c.spend, sa.Float).label("spend"),
            sa.type_coerce(stat.c.spend, sa.Float).label("final"),
        )
        .join(
            stat,
            (stat.c.account_id == poll.c.account_id)
            & (stat.c.campaign_id == poll.c.campaign_id)
            & (stat.c.date == poll.c.date),
        )
        .where(
            poll.c.account_id == account_id,
            poll.c.date < before,
            poll.c.date >= before - dt.timedelta(days=days),
        )
        .order_by(poll.c.campaign_id, poll.c.date, poll.c.minute)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame(rows, columns=["campaign_id", "date", "minute", "spend", "final"])
