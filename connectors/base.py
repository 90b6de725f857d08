"""The connector interface and the frozen records that cross it.

Every platform (the simulated one, the Qianchuan Open API) implements
``Connector``; the file importer produces the same ``DailyStat`` records.
Money is ``Decimal`` with at most 2 places, ids are ``str``, dates are the
account's local calendar date.

A connector:

- lists accounts and each account's campaigns as ``CampaignState``;
- yields ``DailyStat`` rows for a date range, page by page;
- applies ``BudgetChange`` / ``BidChange`` / ``StatusChange`` and answers one
  ``WriteResult`` per change (partial success is normal), raising
  ``PlatformRuleError`` for a change that breaks a delivery rule before it is
  sent, and a ``ConnectorError`` subclass when the call itself fails.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Annotated, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AccountInfo",
    "BidChange",
    "BidType",
    "BudgetChange",
    "CampaignState",
    "CampaignStatus",
    "Change",
    "Connector",
    "DailyStat",
    "Money",
    "StatusChange",
    "WriteResult",
]

BidType = Literal["cpa", "roi", "none"]
"""How a campaign bids: target cost per order, target ROI, or max delivery."""

CampaignStatus = Literal["active", "paused", "learning"]
"""State at the end of a day, as in the data contract."""

Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AccountInfo(_Frozen):
    """An advertiser account the connector can read."""

    account_id: str = Field(min_length=1, description="platform id of the advertiser account")
    name: str = Field("", description="display name")
    currency: str = Field("CNY", description="ISO 4217 code of the account's money")


class CampaignState(_Frozen):
    """A campaign (Qianchuan: 计划 / ad) as the platform has it now."""

    account_id: str = Field(min_length=1)
    campaign_id: str = Field(min_length=1, description="platform id; a string, never a float")
    name: str = ""
    channel: str = Field("default", description="grouping for channel constraints")
    bid_type: BidType = "none"
    budget: Money | None = Field(None, description="daily budget; None = no cap")
    bid: Decimal | None = Field(None, gt=0, description="CPA bid (money) or ROI target; None for 'none'")
    status: CampaignStatus = "active"
    spend_today: Money = Field(Decimal(0), description="spend so far on the platform's current day")
    budget_changes_today: int = Field(0, ge=0, description="budget edits already made today")
    excluded_reason: str | None = Field(
        None, description="why the optimizer must leave it alone (e.g. auto-managed 托管 plan)"
    )


class DailyStat(_Frozen):
    """One campaign's results for one day (data contract section 1)."""

    account_id: str = Field("default", min_length=1)
    campaign_id: str = Field(min_length=1)
    date: dt.date
    spend: Money
    gmv: Money
    orders: int = Field(ge=0)
    campaign_name: str | None = None
    channel: str | None = None
    impressions: int | None = Field(None, ge=0)
    clicks: int | None = Field(None, ge=0)
    budget: Money | None = None
    bid_type: BidType | None = None
    bid: Decimal | None = Field(None, gt=0)
    status: CampaignStatus | None = None
    currency: str | None = None


class BudgetChange(_Frozen):
    """Set a campaign's daily budget."""

    kind: Literal["budget"] = "budget"
    account_id: str
    campaign_id: str
    budget: Money


class BidChange(_Frozen):
    """Set a campaign's bid: CPA bid for ``cpa``, ROI goal for ``roi``."""

    kind: Literal["bid"] = "bid"
    account_id: str
    campaign_id: str
    bid: Decimal = Field(gt=0)


class StatusChange(_Frozen):
    """Pause or resume a campaign."""

    kind: Literal["status"] = "status"
    account_id: str
    campaign_id: str
    status: Literal["active", "paused"]


Change = BudgetChange | BidChange | StatusChange


class WriteResult(_Frozen):
    """What the platform answered for one change."""

    change: Change
    ok: bool
    platform_value: str | None = Field(None, description="the value the platform reports after the call")
    request_id: str | None = None
    error: str | None = None


@runtime_checkable
class Connector(Protocol):
    """What the pipeline needs from an ad platform."""

    name: str

    def list_accounts(self) -> list[AccountInfo]: ...

    def list_campaigns(self, account_id: str) -> list[CampaignState]: ...

    def daily_stats(self, account_id: str, start: dt.date, end: dt.date) -> Iterator[DailyStat]: ...

    def update_budgets(self, changes: Sequence[BudgetChange]) -> list[WriteResult]: ...

    def update_bids(self, changes: Sequence[BidChange]) -> list[WriteResult]: ...

    def update_status(self, changes: Sequence[StatusChange]) -> list[WriteResult]: ...
