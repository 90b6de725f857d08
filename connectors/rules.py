"""Qianchuan's delivery rules for budget and bid updates, as plain checks.

One implementation serves the simulated platform (which enforces them), the
Qianchuan connector (which checks before sending) and the optimizer's
guardrails. Facts from docs/qianchuan.md section 4.1; the values are
settings (``PlatformRules``) with the documented values as defaults because
some are low-confidence.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from pydantic import BaseModel, ConfigDict, Field

from connectors.errors import PlatformRuleError

__all__ = ["PlatformRules", "check_bid_update", "check_budget_update", "min_budget_for_spend"]


class PlatformRules(BaseModel):
    """The platform's limits on budget and bid edits."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_budget: Decimal = Field(Decimal("300"), gt=0, description="smallest daily plan budget (CNY)")
    max_budget: Decimal = Field(Decimal("9999999.99"), gt=0, description="largest daily plan budget (CNY)")
    min_budget_step: Decimal = Field(Decimal("100"), ge=0, description="each budget change moves at least this")
    max_budget_changes_per_day: int = Field(20, ge=1, description="budget edits per plan per natural day")
    spend_floor_ratio: Decimal = Field(
        Decimal("1.05"), ge=1, description="new budget >= ratio x today's spend, rounded up to 100"
    )
    max_items_per_budget_call: int = Field(10, ge=1)
    max_items_per_bid_call: int = Field(10, ge=1)
    max_items_per_roi_call: int = Field(1, ge=1)
    min_roi_goal: Decimal = Field(Decimal("0.01"), gt=0)
    max_roi_goal: Decimal = Field(Decimal("100"), gt=0)


def min_budget_for_spend(spend_today: Decimal, rules: PlatformRules) -> Decimal:
    """The smallest budget the platform accepts given today's spend so far."""
    if spend_today <= 0:
        return Decimal(0)
    raw = spend_today * rules.spend_floor_ratio / 100
    return raw.to_integral_value(rounding=ROUND_CEILING) * 100


def _two_places(value: Decimal) -> bool:
    return value == value.quantize(Decimal("0.01"))


def check_budget_update(
    campaign_id: str,
    current: Decimal | None,
    new: Decimal,
    *,
    spend_today: Decimal = Decimal(0),
    changes_today: int = 0,
    bid: Decimal | None = None,
    bid_type: str = "none",
    rules: PlatformRules = PlatformRules(),
) -> None:
    """Raise ``PlatformRuleError`` if setting the daily budget to ``new`` breaks a rule."""
    if not new.is_finite() or not _two_places(new):
        raise PlatformRuleError("decimals", f"budget {new} must have at most 2 decimals", campaign_id=campaign_id)
    if new < rules.min_budget or new > rules.max_budget:
        raise PlatformRuleError(
            "budget_range",
            f"budget {new} is outside {rules.min_budget} to {rules.max_budget}",
            campaign_id=campaign_id,
        )
    if current is not None and abs(new - current) < rules.min_budget_step:
        raise PlatformRuleError(
            "min_step",
            f"budget change {current} -> {new} is smaller than {rules.min_budget_step}",
            campaign_id=campaign_id,
        )
    if changes_today >= rules.max_budget_changes_per_day:
        raise PlatformRuleError(
            "changes_per_day",
            f"already {changes_today} budget changes today (limit {rules.max_budget_changes_per_day})",
            campaign_id=campaign_id,
        )
    floor = min_budget_for_spend(spend_today, rules)
    if new < floor:
        raise PlatformRuleError(
            "below_spend",
            f"budget {new} is below {floor} ({rules.spend_floor_ratio} x today's spend {spend_today}, rounded up to 100)",
            campaign_id=campaign_id,
        )
    if bid_type == "cpa" and bid is not None and bid > new:
        raise PlatformRuleError(
            "bid_above_budget", f"bid {bid} would be above the new budget {new}", campaign_id=campaign_id
        )


def check_bid_update(
    campaign_id: str,
    bid_type: str,
    new: Decimal,
    *,
    budget: Decimal | None,
    rules: PlatformRules = PlatformRules(),
) -> None:
    """Raise ``PlatformRuleError`` if setting the bid (CPA bid or ROI goal) to ``new`` breaks a rule."""
    if not new.is_finite() or new <= 0 or not _two_places(new):
        raise PlatformRuleError(
            "bid_value", f"bid {new} must be positive with at most 2 decimals", campaign_id=campaign_id
        )
    if bid_type == "none":
        raise PlatformRuleError("no_bid", "a max-delivery campaign has no bid to change", campaign_id=campaign_id)
    if bid_type == "roi" and not (rules.min_roi_goal <= new <= rules.max_roi_goal):
        raise PlatformRuleError(
            "roi_goal_range",
            f"ROI goal {new} is outside {rules.min_roi_goal} to {rules.max_roi_goal}",
            campaign_id=campaign_id,
        )
    if bid_type == "cpa" and budget is not None and new > budget:
        raise PlatformRuleError("bid_above_budget", f"bid {new} is above the budget {budget}", campaign_id=campaign_id)
