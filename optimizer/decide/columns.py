"""Column names of the recommendations table (data contract section 2), as constants.

The contract's columns, in this order (``CONTRACT_COLUMNS``)::

    run_id              id of the optimization run that produced the row
    effective_date      the day the change is meant for (YYYY-MM-DD)
    account_id          as in the input
    campaign_id         as in the input (a string, never a float)
    campaign_name       as in the input
    channel             as in the input
    bid_type            cpa / roi / none
    current_budget      daily budget now; empty = no cap
    recommended_budget  proposed daily budget; empty = no cap; 0 with action pause
    current_bid         bid now (CNY per order for cpa, GMV/spend for roi; empty for none)
    recommended_bid     proposed bid, same unit
    action              increase / decrease / hold / pause / resume
    expected_spend      forecast spend on the effective date at the recommended settings
    expected_gmv        forecast GMV, same day and settings
    expected_roi        expected_gmv / expected_spend (empty when no spend)
    marginal_roi        extra GMV per extra unit of spend at the recommended point
    decision            auto / review
    reason              one plain sentence a person can check
    approved            empty on export; a reviewer writes yes / no (是 / 否)

Added columns, after the contract's (``EXTRA_COLUMNS``; optional for readers)::

    expected_gmv_sd     standard deviation of the model's belief about expected_gmv
    account_threshold   the account's marginal ROI threshold (what the last unit of budget earns)
    days_of_history     days with data behind the forecast
    capped_days_7       days in the last 7 whose spend reached the budget
    currency            ISO 4217 code of the money columns
    action_label        what the row does, for a person, in [ui] language: follows the
                        forecast spend (加量 / 减量 ...), says when budget and bid move
                        in opposite directions; ``action`` keeps the contract's values
    budget_change_pct   recommended vs current budget, signed percent (empty: no cap)
    bid_change_pct      recommended vs current bid, signed percent (empty: no bid)
    expected_spend_now  forecast spend on the effective date at today's settings
"""

from __future__ import annotations

__all__ = [
    "ACCOUNT_ID",
    "ACCOUNT_THRESHOLD",
    "ACTION",
    "ACTIONS",
    "ACTION_LABEL",
    "ALL_COLUMNS",
    "APPROVED",
    "BID_CHANGE_PCT",
    "BID_TYPE",
    "BUDGET_CHANGE_PCT",
    "CAMPAIGN_ID",
    "CAMPAIGN_NAME",
    "CAPPED_DAYS_7",
    "CHANNEL",
    "CONTRACT_COLUMNS",
    "CURRENCY",
    "CURRENT_BID",
    "CURRENT_BUDGET",
    "DAYS_OF_HISTORY",
    "DECISION",
    "DECISIONS",
    "EFFECTIVE_DATE",
    "EXPECTED_GMV",
    "EXPECTED_GMV_SD",
    "EXPECTED_ROI",
    "EXPECTED_SPEND",
    "EXPECTED_SPEND_NOW",
    "EXTRA_COLUMNS",
    "MARGINAL_ROI",
    "MONEY_COLUMNS",
    "REASON",
    "RECOMMENDED_BID",
    "RECOMMENDED_BUDGET",
    "RUN_ID",
    "TEXT_COLUMNS",
]

RUN_ID = "run_id"
EFFECTIVE_DATE = "effective_date"
ACCOUNT_ID = "account_id"
CAMPAIGN_ID = "campaign_id"
CAMPAIGN_NAME = "campaign_name"
CHANNEL = "channel"
BID_TYPE = "bid_type"
CURRENT_BUDGET = "current_budget"
RECOMMENDED_BUDGET = "recommended_budget"
CURRENT_BID = "current_bid"
RECOMMENDED_BID = "recommended_bid"
ACTION = "action"
EXPECTED_SPEND = "expected_spend"
EXPECTED_GMV = "expected_gmv"
EXPECTED_ROI = "expected_roi"
MARGINAL_ROI = "marginal_roi"
DECISION = "decision"
REASON = "reason"
APPROVED = "approved"

EXPECTED_GMV_SD = "expected_gmv_sd"
ACCOUNT_THRESHOLD = "account_threshold"
DAYS_OF_HISTORY = "days_of_history"
CAPPED_DAYS_7 = "capped_days_7"
CURRENCY = "currency"
ACTION_LABEL = "action_label"
BUDGET_CHANGE_PCT = "budget_change_pct"
BID_CHANGE_PCT = "bid_change_pct"
EXPECTED_SPEND_NOW = "expected_spend_now"

CONTRACT_COLUMNS: tuple[str, ...] = (
    RUN_ID,
    EFFECTIVE_DATE,
    ACCOUNT_ID,
    CAMPAIGN_ID,
    CAMPAIGN_NAME,
    CHANNEL,
    BID_TYPE,
    CURRENT_BUDGET,
    RECOMMENDED_BUDGET,
    CURRENT_BID,
    RECOMMENDED_BID,
    ACTION,
    EXPECTED_SPEND,
    EXPECTED_GMV,
    EXPECTED_ROI,
    MARGINAL_ROI,
    DECISION,
    REASON,
    APPROVED,
)
EXTRA_COLUMNS: tuple[str, ...] = (
    EXPECTED_GMV_SD,
    ACCOUNT_THRESHOLD,
    DAYS_OF_HISTORY,
    CAPPED_DAYS_7,
    CURRENCY,
    ACTION_LABEL,
    BUDGET_CHANGE_PCT,
    BID_CHANGE_PCT,
    EXPECTED_SPEND_NOW,
)
ALL_COLUMNS: tuple[str, ...] = CONTRACT_COLUMNS + EXTRA_COLUMNS

MONEY_COLUMNS: tuple[str, ...] = (
    CURRENT_BUDGET,
    RECOMMENDED_BUDGET,
    CURRENT_BID,
    RECOMMENDED_BID,
    EXPECTED_SPEND,
    EXPECTED_GMV,
    EXPECTED_GMV_SD,
    EXPECTED_SPEND_NOW,
)
"""Rounded to 2 decimals when written."""
TEXT_COLUMNS: tuple[str, ...] = (
    RUN_ID,
    EFFECTIVE_DATE,
    ACCOUNT_ID,
    CAMPAIGN_ID,
    CAMPAIGN_NAME,
    CHANNEL,
    BID_TYPE,
    ACTION,
    DECISION,
    REASON,
    APPROVED,
    CURRENCY,
    ACTION_LABEL,
)
"""Written as text (ids included: they never pass through a number)."""

ACTIONS: tuple[str, ...] = ("increase", "decrease", "hold", "pause", "resume")
DECISIONS: tuple[str, ...] = ("auto", "review")
