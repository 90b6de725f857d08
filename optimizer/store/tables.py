"""The store's tables (SQLModel ``table=True`` classes stay inside ``store``).

::

    account            one row per advertiser account; fixes its GMV basis
    campaign           the latest known state of each campaign
    daily_stat         one row per (account, campaign, date); re-sent rows update it
    daily_stat_revision each new or changed value of a daily_stat row, with the day
                       it was seen: the evidence for attribution lag
    optimization_run   one row per run (kind, config hash, code version, times)
    recommendation     the rows a run recommended (data contract section 2)
    change_log         the audit log: every change sent to a platform, recorded
                       before the call and confirmed after it
    rate_slot          the next free call slot of each shared rate limit (the
                       app's QPS, each advertiser's), for a fleet of workers
    run_lease          the run key: one owner per (account, effective date, job kind),
                       held with a lease a live run renews (``optimizer.store.lease``)
    review_decision    every reviewer decision as a record (file, row, time)
    intraday_spend     what each campaign had spent so far at each poll of the watch: the
                       campaigns' own shape of a day (``optimizer.alerts.shape``)

Money is ``NUMERIC(14, 2)`` and comes back as ``Decimal``; ids are strings.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import ClassVar

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from connectors.clock import utc_now

__all__ = [
    "Account",
    "Campaign",
    "ChangeLog",
    "DailyStat",
    "DailyStatRevision",
    "OptimizationRun",
    "RateSlot",
    "Recommendation",
    "ReviewDecision",
    "RunLease",
]


class Money(sa.types.TypeDecorator):
    """``NUMERIC(14, 2)`` that always hands back ``Decimal`` with 2 places.

    PostgreSQL keeps exact decimals. SQLite has no decimal type, so the value is
    stored as a REAL (sums and comparisons work in SQL) and turned back into a
    2-place ``Decimal`` on the way out: exact for every amount a daily budget or
    spend can take (< 10^12 with 2 decimals).
    """

    impl = sa.Numeric(14, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.Numeric(14, 2, asdecimal=False))
        return dialect.type_descriptor(sa.Numeric(14, 2))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        amount = Decimal(str(value)).quantize(_CENT)
        if not amount.is_finite():
            raise ValueError(f"money value {value!r} is not a finite number")
        return float(amount) if dialect.name == "sqlite" else amount

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return Decimal(repr(value) if isinstance(value, float) else str(value)).quantize(_CENT)


_CENT = Decimal("0.01")
MONEY = Money()
RATIO = sa.Numeric(14, 4, asdecimal=False)


def _money(nullable: bool = False, **kw) -> Decimal:
    return Field(sa_column=sa.Column(MONEY, nullable=nullable), **kw)


class Account(SQLModel, table=True):
    __tablename__ = "account"
    __table__: ClassVar[sa.Table]  # set by SQLModel; declared for type checkers

    account_id: str = Field(primary_key=True, max_length=64)
    name: str = Field(default="", max_length=200)
    platform: str = Field(default="file", max_length=32, description="file, sim or qianchuan")
    currency: str = Field(default="CNY", max_length=3)
    gmv_basis: str = Field(default="direct_pay", max_length=32)
    created_at: dt.datetime = Field(default_factory=utc_now)


class Campaign(SQLModel, table=True):
    __tablename__ = "campaign"
    __table__: ClassVar[sa.Table]  # set by SQLModel; declared for type checkers

    account_id: str = Field(primary_key=True, max_length=64)
    campaign_id: str = Field(primary_key=True, max_length=64)
    name: str = Field(default="", max_length=500)
    channel: str = Field(default="default", max_length=100)
    bid_type: str = Field(default="none", max_length=8)
    budget: Decimal | None = _money(nullable=True)
    bid: Decimal | None = _money(nullable=True)
    status: str = Field(default="active", max_length=16)
    excluded_reason: str | None = Field(default=None, max_length=500)
    updated_at: dt.datetime = Field(default_factory=utc_now)


class DailyStat(SQLModel, table=True):
    __tablename__ = "daily_stat"
    __table__: ClassVar[sa.Table]  # set by SQLModel; declared for type checkers

    account_id: str = Field(primary_key=True, max_length=64)
    campaign_id: str = Field(primary_key=True, max_length=64)
    date: dt.date = Field(primary_key=True)
    spend: Decimal = _money()
    gmv: Decimal = _money()
    orders: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    impressions: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, nullable=True))
    clicks: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, nullable=True))
    budget: Decimal | None = _money(nullable=True)
    bid_type: str | None = Field(default=None, max_length=8)
    bid: Decimal | None = _money(nullable=True)
    status: str | None = Field(default=None, max_length=16)
    currency: str | None = Field(default=None, max_length=3)
    source: str = Field(default="", max_length=500, description="file name or connector that sent the row")
    updated_at: dt.datetime = Field(default_factory=utc_now)


class DailyStatRevision(SQLModel, table=True):
    __tablename__ = "daily_stat_revision"
    __table__: ClassVar[sa.Table]  # set by SQLModel; declared for type checkers

    account_id: str = Field(primary_key=True, max_length=64)
    campaign_id: str = Field(primary_key=True, max_length=64)
    date: dt.date = Field(primary_key=True)
    seen_on: dt.date = Field(primary_key=True, description="the day this value was imported or pulled")
    spend: Decimal = _money()
    gmv: Decimal = _money()
    orders: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))


class OptimizationRun(SQLModel, table=True):
    __tablename__ = "optimization_run"
    __table__: ClassVar[sa.Table]  # set by SQLModel; declared for type checkers

    run_id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=16, description="daily, optimize, simulate or import")
    account_id: str | None = Field(default=None, max_length=64)
    effective_date: dt.date | None = None
    dry_run: bool = False
    status: str = Field(default="running", max_length=16, description="running, ok or failed")
    config_hash: str = Field(max_length=64)
    code_version: str = Field(max_length=64)
    message: str = Field(default="", max_length=2000)
    started_at: dt.datetime = Field(default_factory=utc_now)
    finished_at: dt.datetime | None = None


class Recommendation(SQLModel, table=True):
    __tablename__ = "recommendation"
    __table__: ClassVar[sa.Table]  # set by SQLModel; declared for type checkers

    run_id: str = Field(primary_key=True, max_length=64)
    account_id: str = Field(primary_key=True, max_length=64)
    campaign_id: str = Field(primary_key=True, max_length=64)
    effective_date: dt.date
    campaign_name: str = Field(default="", max_length=500)
    channel: str = Field(default="default", max_length=100)
    bid_type: str = Field(max_length=8)
    current_budget: Decimal | None = _money(nullable=True)
    recommended_budget: Decimal | None = _money(nullable=True)
    current_bid: Decimal | None = _money(nullable=True)
    recommended_bid: Decimal | None = _money(nullable=True)
    action: str = Field(max_length=16)
    expected_spend: Decimal = _money()
    expected_gmv: Decimal = _money()
    expected_roi: float | None = Field(default=None, sa_column=sa.Column(RATIO, nullable=True))
    marginal_roi: float | None = Field(default=None, sa_column=sa.Column(RATIO, nullable=True))
    decision: str = Field(max_length=8, description="auto or review")
    reason: str = Field(default="", max_length=2000)
    approved: str | None = Field(default=None, max_length=8)
    proposed_budget: Decimal | None = _money(nullable=True)
    proposed_bid: Decimal | None = _money(nullable=True)


class ChangeLog(SQLModel, table=True):
    """The audit log. ``change_key`` makes a change to one field of one campaign
    for one effective date unique, so a second run cannot send it again."""

    __tablename__ = "change_log"
    __table__: ClassVar[sa.Table]  # set by SQLModel; declared for type checkers

    id: int | None = Field(default=None, primary_key=True)
    change_key: str = Field(max_length=300, sa_column_kwargs={"unique": True})
    run_id: str = Field(max_length=64, index=True)
    account_id: str = Field(max_length=64)
    campaign_id: str = Field(max_length=64)
    effective_date: dt.date
    field: str = Field(max_length=16, description="budget, bid or status")
    before: str | None = Field(default=None, max_length=64)
    after: str = Field(max_length=64)
    reason: str = Field(default="", max_length=2000)
    state: str = Field(default="pending", max_length=16, description="pending, confirmed or failed")
    request_id: str | None = Field(default=None, max_length=128)
    error: str | None = Field(default=None, max_length=2000)
    created_at: dt.datetime = Field(default_factory=utc_now)
    confirmed_at: dt.datetime | None = None


class RateSlot(SQLModel, table=True):
    """A rate limit the workers share (``optimizer.store.ratelimit``): ``tat`` is when its next call may go."""

    __tablename__ = "rate_slot"

    name: str = Field(primary_key=True, max_length=100, description='"app" or "account:<advertiser id>"')
    tat: dt.datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))


class IntradaySpend(SQLModel, table=True):
    """A campaign's spend so far today as one poll of ``spendopt watch`` saw it."""

    __tablename__ = "intraday_spend"
    __table__: ClassVar[sa.Table]  # set by SQLModel; declared for type checkers

    account_id: str = Field(primary_key=True, max_length=64)
    campaign_id: str = Field(primary_key=True, max_length=64)
    date: dt.date = Field(primary_key=True, description="the account's calendar day")
    minute: int = Field(primary_key=True, description="minutes after the account's local midnight")
    spend: Decimal = _money()


class RunLease(SQLModel, table=True):
    """Who owns an account-day: ``state`` running (until ``expires_at``), done or failed."""

    __tablename__ = "run_lease"
    __table__: ClassVar[sa.Table]  # set by SQLModel; declared for type checkers

    account_id: str = Field(primary_key=True, max_length=64)
    effective_date: dt.date = Field(primary_key=True)
    kind: str = Field(primary_key=True, max_length=16)
    run_id: str = Field(max_length=64)
    holder: str = Field(max_length=200, description="host:pid of the process holding it")
    state: str = Field(max_length=16, description="running, done or open")
    acquired_at: dt.datetime
    renewed_at: dt.datetime
    expires_at: dt.datetime
    taken_from: str | None = Field(
        default=None, max_length=64, description="the run whose expired lease this took over"
    )


class ReviewDecision(SQLModel, table=True):
    """One reviewer decision on one row, as imported (the newest per campaign is in force)."""

    __table__: ClassVar[sa.Table]  # set by SQLModel; declared for type checkers

    __tablename__ = "review_decision"
    __table_args__ = (sa.Index("ix_review_decision_run", "run_id", "account_id", "campaign_id"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(max_length=64)
    account_id: str = Field(max_length=64)
    campaign_id: str = Field(max_length=64)
    file: str = Field(max_length=1000)
    row: int
    imported_at: dt.datetime
    approved: str | None = Field(default=None, max_length=8)
    recommended_budget: Decimal | None = _money(nullable=True)
    recommended_bid: Decimal | None = _money(nullable=True)
    action: str | None = Field(default=None, max_length=16, description="pause or resume when the reviewer said so")
    note: str = Field(default="", max_length=2000)
