"""Saving and loading daily campaign stats.

``save_stats`` takes the validated frame that ``connectors.files.stats.read_stats``
(or a connector pull) produces and, in one transaction:

1. checks that each account keeps one GMV basis (``[data] gmv_basis``);
2. adds missing accounts, and refreshes each campaign's latest state from the
   newest day of the import (an older file never overwrites a newer state);
3. upserts ``daily_stat`` on (account_id, campaign_id, date): new rows are
   inserted, changed rows updated (newest wins), identical rows left alone;
4. records each new or changed value in ``daily_stat_revision`` with the day it
   was seen, the evidence the model uses to estimate attribution lag.

Either everything is written or nothing is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from connectors.clock import utc_now
from connectors.errors import InputError, Problem
from optimizer.store.tables import Account, Campaign, DailyStat, DailyStatRevision
from optimizer.store.upsert import upsert_frame

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FRAME_COLUMNS", "SaveSummary", "load_revisions", "load_stats", "save_stats"]

FRAME_COLUMNS = (
    "account_id",
    "campaign_id",
    "date",
    "spend",
    "gmv",
    "orders",
    "campaign_name",
    "channel",
    "impressions",
    "clicks",
    "budget",
    "bid_type",
    "bid",
    "status",
    "currency",
)
"""Columns of a stats frame as it goes in and out of the store."""

_STAT_VALUES = ("spend", "gmv", "orders", "impressions", "clicks", "budget", "bid_type", "bid", "status", "currency")


@dataclass(frozen=True)
class SaveSummary:
    """What an import or pull did to the store."""

    rows: int
    inserted: int
    updated: int
    unchanged: int
    accounts: int
    campaigns: int
    first_date: dt.date | None
    last_date: dt.date | None


def save_stats(
    engine: Engine,
    frame: pd.DataFrame,
    *,
    source: str,
    seen_on: dt.date,
    gmv_basis: str = "direct_pay",
    platform: str = "file",
    progress: Callable[[int, int], None] | None = None,
) -> SaveSummary:
    """Write a validated stats frame (``FRAME_COLUMNS``; ``date`` as datetime64
    or ``date``) to the store. Raises ``InputError`` if an account would mix GMV
    bases; writes nothing in that case."""
    import pandas as pd

    if frame.empty:
        return SaveSummary(0, 0, 0, 0, 0, 0, None, None)
    frame = frame.copy()
    frame["date"] = pd.to_datetime(frame["date"]).dt.normalize()
    for col in FRAME_COLUMNS:
        if col not in frame.columns:
            frame[col] = None
    frame["source"] = frame["source_file"].fillna(source) if "source_file" in frame.columns else source
    frame = frame.drop_duplicates(_KEY, keep="last")
    now = utc_now()
    accounts = sorted(frame["account_id"].unique().tolist())

    with engine.begin() as conn:
        _check_accounts(conn, frame, accounts, gmv_basis, platform, source)
        stored = _stored_rows(conn, frame)
        _save_campaigns(conn, frame, stored, now)
        merged = frame.merge(stored, on=_KEY, how="left", suffixes=("", "_old"), indicator=True)
        is_new = (merged["_merge"] == "left_only").to_numpy()
        changed = is_new | _differs(merged)
        todo = merged.loc[changed, [*_KEY, *_STAT_VALUES, "source"]].copy()
        todo["updated_at"] = now
        step = 20_000
        for start in range(0, max(len(todo), 1), step):
            upsert_frame(
                conn,
                DailyStat.__table__,
                todo.iloc[start : start + step],
                key=_KEY,
                compare=_STAT_VALUES,
                touch=("source", "updated_at"),
            )
            if progress:
                progress(min(start + step, len(todo)), len(todo))
        revisions = todo[[*_KEY, "spend", "gmv", "orders"]].copy()
        revisions["seen_on"] = pd.Timestamp(seen_on)
        upsert_frame(
            conn,
            DailyStatRevision.__table__,
            revisions,
            key=[*_KEY, "seen_on"],
            compare=("spend", "gmv", "orders"),
        )

    inserted = int(is_new.sum())
    return SaveSummary(
        rows=len(frame),
        inserted=inserted,
        updated=int(changed.sum()) - inserted,
        unchanged=len(frame) - int(changed.sum()),
        accounts=len(accounts),
        campaigns=int(frame[["account_id", "campaign_id"]].drop_duplicates().shape[0]),
        first_date=frame["date"].min().date(),
        last_date=frame["date"].max().date(),
    )


_KEY = ["account_id", "campaign_id", "date"]
_MONEY = ("spend", "gmv", "budget", "bid")
_COUNTS = ("orders", "impressions", "clicks")


def _differs(merged: pd.DataFrame):
    """Row mask: any stat value differs from the stored one (money to the cent)."""
    import numpy as np
    import pandas as pd

    out = np.zeros(len(merged), dtype=bool)
    for col in _STAT_VALUES:
        new, old = merged[col], merged[f"{col}_old"]
        if col in _MONEY or col in _COUNTS:
            scale = 100 if col in _MONEY else 1
            a = np.round(pd.to_numeric(new).to_numpy(dtype="float64", na_value=np.nan) * scale)
            b = np.round(pd.to_numeric(old).to_numpy(dtype="float64", na_value=np.nan) * scale)
            same = (a == b) | (np.isnan(a) & np.isnan(b))
        else:
            a = new.astype(object).where(new.notna(), None).to_numpy()
            b = old.astype(object).where(old.notna(), None).to_numpy()
            same = np.array([x == y if x is None or y is None else str(x) == str(y) for x, y in zip(a, b, strict=True)])
        out |= ~same
    return out


def _stored_rows(conn, frame: pd.DataFrame) -> pd.DataFrame:
    """The stored values for the frame's accounts and date range (raw floats)."""
    import pandas as pd

    stat = DailyStat.__table__
    cols: list[sa.ColumnElement[Any]] = [stat.c.account_id, stat.c.campaign_id, stat.c.date]
    cols += [sa.type_coerce(stat.c[c], sa.Float).label(c) if c in _MONEY else stat.c[c] for c in _STAT_VALUES]
    query = sa.select(*cols).where(
        stat.c.account_id.in_(frame["account_id"].unique().tolist()),
        stat.c.date >= frame["date"].min().date(),
        stat.c.date <= frame["date"].max().date(),
    )
    stored = pd.DataFrame(conn.execute(query).all(), columns=[*_KEY, *_STAT_VALUES])
    stored["date"] = pd.to_datetime(stored["date"])
    for col in _MONEY:
        stored[col] = pd.to_numeric(stored[col]).astype("float64")
    for col in ("account_id", "campaign_id"):
        stored[col] = stored[col].astype(object)
    return stored


def _check_accounts(conn, frame, accounts, gmv_basis: str, platform: str, source: str) -> None:
    table = Account.__table__
    known = {row.account_id: row for row in conn.execute(sa.select(table).where(table.c.account_id.in_(accounts)))}
    problems = [
        Problem(
            source,
            f"account {acc} holds {known[acc].gmv_basis} GMV, this import is {gmv_basis}: "
            f"the GMV basis is never mixed within one account (set [data] gmv_basis = "
            f'"{known[acc].gmv_basis}" or import into another account)',
            column="gmv",
        )
        for acc in accounts
        if acc in known and known[acc].gmv_basis != gmv_basis
    ]
    if problems:
        raise InputError(problems)
    currency = frame.groupby("account_id")["currency"].agg(lambda s: s.dropna().iloc[-1] if s.notna().any() else None)
    new = [
        {
            "account_id": acc,
            "name": "",
            "platform": platform,
            "currency": currency.get(acc) or "CNY",
            "gmv_basis": gmv_basis,
            "created_at": utc_now(),
        }
        for acc in accounts
        if acc not in known
    ]
    if new:
        conn.execute(sa.insert(table), new)


def _save_campaigns(conn, frame: pd.DataFrame, stored: pd.DataFrame, now: dt.datetime) -> None:
    """Refresh each campaign from the newest day of this import, unless the
    store already has a newer day for it."""
    import pandas as pd

    latest = frame.sort_values("date", kind="stable").drop_duplicates(["account_id", "campaign_id"], keep="last")
    stat = DailyStat.__table__
    newer = pd.DataFrame(
        conn.execute(
            sa.select(stat.c.account_id, stat.c.campaign_id, sa.func.max(stat.c.date).label("last"))
            .where(stat.c.account_id.in_(latest["account_id"].unique().tolist()))
            .group_by(stat.c.account_id, stat.c.campaign_id)
        ).all(),
        columns=["account_id", "campaign_id", "last"],
    )
    if not newer.empty:
        latest = latest.merge(newer, on=["account_id", "campaign_id"], how="left")
        latest = latest[latest["last"].isna() | (pd.to_datetime(latest["last"]) <= latest["date"])]
    rows = pd.DataFrame(
        {
            "account_id": latest["account_id"],
            "campaign_id": latest["campaign_id"],
            "name": latest["campaign_name"].fillna(""),
            "channel": latest["channel"].fillna("default"),
            "bid_type": latest["bid_type"].fillna("none"),
            "budget": latest["budget"],
            "bid": latest["bid"],
            "status": latest["status"].fillna("active"),
            "updated_at": now,
        }
    )
    upsert_frame(
        conn,
        Campaign.__table__,
        rows,
        key=["account_id", "campaign_id"],
        compare=("name", "channel", "bid_type", "budget", "bid", "status"),
        touch=("updated_at",),
    )


def load_stats(
    engine: Engine,
    *,
    account_id: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """Daily stats as a frame with ``FRAME_COLUMNS`` (money as float, 2 places;
    ``date`` as datetime64), joined with campaign names and channels, sorted by
    account, campaign and date."""
    import pandas as pd

    stat = DailyStat.__table__
    camp = Campaign.__table__
    money = {c: sa.type_coerce(stat.c[c], sa.Float).label(c) for c in _MONEY}
    query = sa.select(
        stat.c.account_id,
        stat.c.campaign_id,
        stat.c.date,
        money["spend"],
        money["gmv"],
        stat.c.orders,
        camp.c.name.label("campaign_name"),
        camp.c.channel,
        stat.c.impressions,
        stat.c.clicks,
        money["budget"],
        stat.c.bid_type,
        money["bid"],
        stat.c.status,
        stat.c.currency,
    ).select_from(
        stat.outerjoin(camp, sa.and_(camp.c.account_id == stat.c.account_id, camp.c.campaign_id == stat.c.campaign_id))
    )
    if account_id is not None:
        query = query.where(stat.c.account_id == account_id)
    if start is not None:
        query = query.where(stat.c.date >= start)
    if end is not None:
        query = query.where(stat.c.date <= end)
    query = query.order_by(stat.c.account_id, stat.c.campaign_id, stat.c.date)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    frame = pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
    for col in _MONEY:
        frame[col] = pd.to_numeric(frame[col], errors="raise").astype("float64").round(2)
    frame["orders"] = frame["orders"].astype("int64")
    for col in ("impressions", "clicks"):
        frame[col] = frame[col].astype("Int64")
    frame["date"] = pd.to_datetime(frame["date"])
    for col in ("account_id", "campaign_id", "campaign_name", "channel", "bid_type", "status", "currency"):
        frame[col] = frame[col].astype(object)
    return frame


def load_revisions(engine: Engine, *, account_id: str | None = None) -> pd.DataFrame:
    """Every recorded value of every row: account_id, campaign_id, date, seen_on, spend, gmv, orders."""
    import pandas as pd

    rev = DailyStatRevision.__table__
    query = sa.select(
        rev.c.account_id,
        rev.c.campaign_id,
        rev.c.date,
        rev.c.seen_on,
        sa.type_coerce(rev.c.spend, sa.Float).label("spend"),
        sa.type_coerce(rev.c.gmv, sa.Float).label("gmv"),
        rev.c.orders,
    ).order_by(rev.c.account_id, rev.c.campaign_id, rev.c.date, rev.c.seen_on)
    if account_id is not None:
        query = query.where(rev.c.account_id == account_id)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    frame = pd.DataFrame(rows, columns=["account_id", "campaign_id", "date", "seen_on", "spend", "gmv", "orders"])
    for col in ("spend", "gmv"):
        frame[col] = pd.to_numeric(frame[col]).astype("float64").round(2)
    frame["date"] = pd.to_datetime(frame["date"])
    frame["seen_on"] = pd.to_datetime(frame["seen_on"])
    return frame
