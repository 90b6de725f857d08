"""Decision policies for the dry-run simulation, and the guardrails they share.

A policy looks at the morning's campaigns and history and answers the changes
to send::

    decide(day, campaigns, history, settings) -> list[BudgetChange | BidChange | StatusChange]

``day`` is the platform's current day; ``campaigns`` its ``CampaignState`` list;
``history`` a pandas frame of the daily stats as reported this morning
(columns of ``optimizer.store.stats.FRAME_COLUMNS``; ``spend``/``gmv`` floats
with 2 decimals, recent days still maturing); ``settings`` the guardrails.

Policies are created by name from a registry so other modules can add theirs::

    register_policy("spendopt", lambda ctx: MyPolicy(...))
    make_policy("rules", ctx)

``PolicyContext`` carries what a policy may know besides the data: the
platform rules and, for the oracle only, the ground truth.

Built in: ``hold`` (changes nothing), ``rules`` (an ops rule of thumb,
qianchuan.md section 6) and ``oracle`` (``optimizer.simulate.policies.oracle``).

Guardrails every policy respects (``budget_bounds`` / ``snap_budget`` /
``bid_bounds``): a live budget is at least ``max(min_campaign_budget,
platform min)``, moves at most ``budget.max_change_pct`` a day and, if it moves,
by at least the platform's step (100); a bid moves at most
``bid.max_change_pct``; ROI goals stay in 0.01-100; a CPA bid stays at or below
the budget; the sum of live budgets stays at or below ``total_cap`` (pausing is
always allowed).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from connectors.base import BidChange, BudgetChange, CampaignState, Change, StatusChange
from connectors.rules import PlatformRules, min_budget_for_spend

if TYPE_CHECKING:
    import pandas as pd

    from optimizer.model.response import ResponseModel
    from optimizer.settings import Settings

__all__ = [
    "HoldPolicy",
    "Policy",
    "PolicyContext",
    "RulesConfig",
    "RulesPolicy",
    "bid_bounds",
    "budget_bounds",
    "make_policy",
    "policy_names",
    "register_policy",
    "snap_budget",
    "total_cap",
]

_CENT = Decimal("0.01")


@runtime_checkable
class Policy(Protocol):
    """Decides the day's changes; see the module docstring."""

    name: str

    def decide(
        self, day: dt.date, campaigns: Sequence[CampaignState], history: pd.DataFrame, settings: Settings
    ) -> list[Change]: ...


@dataclass(frozen=True)
class PolicyContext:
    """What a policy may know besides the data.

    ``truth(day)`` returns the ground-truth ``ResponseModel`` for the platform's
    current day; only the oracle may use it. ``None`` outside a simulation.
    """

    rules: PlatformRules = field(default_factory=PlatformRules)
    truth: Callable[[dt.date], ResponseModel] | None = None
    seed: int = 0


PolicyFactory = Callable[[PolicyContext], Policy]
_REGISTRY: dict[str, PolicyFactory] = {}


def register_policy(name: str, factory: PolicyFactory) -> None:
    """Make ``name`` available to ``make_policy`` and ``spendopt simulate --policy``."""
    _REGISTRY[name] = factory


def policy_names() -> list[str]:
    _load_builtins()
    return sorted(_REGISTRY)


def make_policy(name: str, context: PolicyContext) -> Policy:
    """A fresh policy by name; ``KeyError`` lists the known names."""
    _load_builtins()
    if name not in _REGISTRY:
        raise KeyError(f"unknown policy {name!r} (known: {', '.join(sorted(_REGISTRY))})")
    return _REGISTRY[name](context)


def _load_builtins() -> None:
    if "oracle" not in _REGISTRY:
        import optimizer.simulate.policies.oracle  # noqa: F401  (registers "oracle")
    try:  # the optimizer's own policy registers itself when its module exists
        import optimizer.simulate.policies.spendopt  # type: ignore[import-not-found]  # noqa: F401
    except ModuleNotFoundError as exc:
        if exc.name != "optimizer.simulate.policies.spendopt":
            raise


# ---------------------------------------------------------------- guardrails
def _d(x: float | Decimal) -> Decimal:
    return Decimal(str(x)).quantize(_CENT, rounding=ROUND_HALF_UP)


def total_cap(campaigns: Sequence[CampaignState], settings: Settings) -> Decimal:
    """``budget.total_daily``, or (absent) today's total of live budgets."""
    if settings.budget.total_daily is not None:
        return Decimal(settings.budget.total_daily)
    return sum((c.budget or Decimal(0) for c in campaigns if c.status != "paused"), Decimal(0))


def budget_bounds(c: CampaignState, settings: Settings, rules: PlatformRules) -> tuple[Decimal, Decimal]:
    """The lowest and highest live budget allowed today for ``c`` (``lo > hi``: none)."""
    cur = c.budget or Decimal(0)
    p = Decimal(str(settings.budget.max_change_pct)) / 100
    lo = max(Decimal(settings.budget.min_campaign_budget), rules.min_budget, _d(cur * (1 - p)),
             min_budget_for_spend(c.spend_today, rules))
    hi = min(_d(cur * (1 + p)), rules.max_budget)
    if c.bid_type == "cpa" and c.bid is not None:
        lo = max(lo, c.bid)
    return lo, hi


def snap_budget(c: CampaignState, target: Decimal, settings: Settings, rules: PlatformRules) -> Decimal:
    """The allowed budget closest to ``target``: clipped to the bounds, to whole yuan,
    and left unchanged when the move would be smaller than the platform's step."""
    cur = c.budget or Decimal(0)
    if c.budget_changes_today >= rules.max_budget_changes_per_day:
        return cur
    lo, hi = budget_bounds(c, settings, rules)
    if lo > hi:
        return cur
    new = min(max(target, lo), hi).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    new = min(max(new, lo), hi)
    if abs(new - cur) < rules.min_budget_step:
        return cur
    return new


def bid_bounds(c: CampaignState, settings: Settings, rules: PlatformRules) -> tuple[Decimal, Decimal] | None:
    """The lowest and highest bid allowed today, or ``None`` for a campaign without a bid."""
    if c.bid_type == "none" or c.bid is None:
        return None
    q = Decimal(str(settings.bid.max_change_pct)) / 100
    lo, hi = _d(c.bid * (1 - q)), _d(c.bid * (1 + q))
    if c.bid_type == "roi":
        lo, hi = max(lo, rules.min_roi_goal), min(hi, rules.max_roi_goal)
    elif c.budget is not None:
        hi = min(hi, c.budget)
    lo = max(lo, _CENT)
    return lo, hi


# ---------------------------------------------------------------- hold
class HoldPolicy:
    """Change nothing: the baseline every other policy is compared with."""

    name = "hold"

    def decide(self, day, campaigns, history, settings) -> list[Change]:  # noqa: ANN001
        return []


# ---------------------------------------------------------------- rules
class RulesConfig(BaseModel):
    """Thresholds of the ops rule of thumb (qianchuan.md section 6)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    window_days: int = Field(3, ge=1, le=30, description="trailing days of reported spend and GMV judged")
    target_roi: float | None = Field(None, gt=0, description="ROI to beat; default objective.roi_floor")
    raise_above: float = Field(1.2, ge=1, description="scale up when trailing ROI >= target x this")
    cut_below: float = Field(1.0, gt=0, le=1, description="scale down when trailing ROI < target x this")
    pause_below: float = Field(0.5, ge=0, le=1, description="pause when trailing ROI < target x this")
    min_spend: float = Field(300, ge=0, description="CNY spent in the window before a campaign is judged")
    budget_step_pct: float = Field(20, gt=0, le=100, description="budget move; capped by budget.max_change_pct")


class RulesPolicy:
    """A typical ad-ops rule of thumb, judged on the trailing reported ROI.

    For each active campaign with at least ``min_spend`` in the last
    ``window_days`` reported days (learning and paused campaigns are left
    alone, and so are campaigns without enough data):

    - ROI >= target x ``raise_above``: budget +step; CPA bid +bid step, or ROI
      goal -bid step (both buy more delivery);
    - ROI < target x ``pause_below``: pause (a loser);
    - ROI < target x ``cut_below``: budget -step; CPA bid -bid step, or ROI
      goal +bid step;
    - otherwise hold.

    Steps are ``budget_step_pct`` (capped by ``budget.max_change_pct``) and
    ``bid.max_change_pct``. Raises are granted best ROI first while the sum of
    live budgets stays within the cap (cuts and pauses free room first); if
    the live budgets are over the cap (a launch came in), the untouched active
    campaigns with the weakest trailing ROI (no data counts as strong) are cut
    by up to a step until it holds. It
    reads immature recent days as they are, as people do: that is part of what
    it is measured for.
    """

    name = "rules"

    def __init__(self, context: PolicyContext, config: RulesConfig | None = None) -> None:
        self.rules = context.rules
        self.config = config or RulesConfig()

    def trailing_roi(self, day: dt.date, history: pd.DataFrame) -> dict[str, tuple[float, float]]:
        """campaign_id -> (spend, ROI) over the trailing window before ``day``."""
        import pandas as pd

        if history.empty:
            return {}
        start = pd.Timestamp(day - dt.timedelta(days=self.config.window_days))
        dates = pd.to_datetime(history["date"])
        window = history[(dates >= start) & (dates < pd.Timestamp(day))]
        sums = window.groupby("campaign_id", sort=True)[["spend", "gmv"]].sum()
        out = {}
        for cid, spend, gmv in zip(sums.index, sums["spend"], sums["gmv"]):
            out[str(cid)] = (float(spend), float(gmv) / float(spend) if spend > 0 else 0.0)
        return out

    def decide(self, day, campaigns, history, settings) -> list[Change]:  # noqa: ANN001
        cfg = self.config
        target = cfg.target_roi or settings.objective.roi_floor or 1.0
        step = Decimal(str(min(cfg.budget_step_pct, settings.budget.max_change_pct))) / 100
        q = Decimal(str(settings.bid.max_change_pct)) / 100
        roi_by_id = self.trailing_roi(day, history)
        cap = total_cap(campaigns, settings)
        live_total = sum((c.budget or Decimal(0) for c in campaigns if c.status != "paused"), Decimal(0))
        changes: list[Change] = []
        raises: list[tuple[float, CampaignState]] = []
        for c in campaigns:
            if c.status != "active" or c.excluded_reason or c.campaign_id not in roi_by_id:
                continue
            spend, roi = roi_by_id[c.campaign_id]
            if spend < cfg.min_spend:
                continue
            if roi < target * cfg.pause_below:
                changes.append(StatusChange(account_id=c.account_id, campaign_id=c.campaign_id, status="paused"))
                live_total -= c.budget or Decimal(0)
            elif roi < target * cfg.cut_below:
                cur = c.budget or Decimal(0)
                new = snap_budget(c, cur * (1 - step), settings, self.rules)
                if new != cur:
                    changes.append(BudgetChange(account_id=c.account_id, campaign_id=c.campaign_id, budget=new))
                    live_total += new - cur
                changes += self._bid_change(c, settings, up=False, q=q, new_budget=new)
            elif roi >= target * cfg.raise_above:
                raises.append((roi, c))
        for _roi, c in sorted(raises, key=lambda r: (-r[0], r[1].campaign_id)):
            cur = c.budget or Decimal(0)
            new = snap_budget(c, min(cur * (1 + step), cur + max(cap - live_total, Decimal(0))), settings, self.rules)
            if new > cur:
                changes.append(BudgetChange(account_id=c.account_id, campaign_id=c.campaign_id, budget=new))
                live_total += new - cur
            changes += self._bid_change(c, settings, up=True, q=q, new_budget=max(new, cur))
        if live_total > cap:  # e.g. after launches: trim the weakest untouched budgets until the cap holds
            touched = {ch.campaign_id for ch in changes}
            weakest = sorted((roi_by_id.get(c.campaign_id, (0.0, math.inf))[1], c.campaign_id, c) for c in campaigns
                             if c.status == "active" and not c.excluded_reason and c.campaign_id not in touched)
            for _roi, _cid, c in weakest:
                if live_total <= cap:
                    break
                cur = c.budget or Decimal(0)
                new = snap_budget(c, max(cur * (1 - step), cur - (live_total - cap)), settings, self.rules)
                if new < cur:
                    changes.append(BudgetChange(account_id=c.account_id, campaign_id=c.campaign_id, budget=new))
                    live_total -= cur - new
        return changes

    def _bid_change(self, c: CampaignState, settings: Settings, *, up: bool, q: Decimal, new_budget: Decimal) -> list[Change]:
        bounds = bid_bounds(c, settings, self.rules)
        if bounds is None or c.bid is None or q == 0:
            return []
        raise_bid = (c.bid_type == "cpa") == up  # more delivery: cpa raises its bid, roi lowers its goal
        target = c.bid * (1 + q) if raise_bid else c.bid * (1 - q)
        new = min(max(_d(target), bounds[0]), bounds[1])
        if c.bid_type == "cpa":
            new = min(new, new_budget)
        if new == c.bid:
            return []
        return [BidChange(account_id=c.account_id, campaign_id=c.campaign_id, bid=new)]


register_policy("hold", lambda ctx: HoldPolicy())
register_policy("rules", lambda ctx: RulesPolicy(ctx))


def changes_summary(changes: Sequence[Change]) -> dict[str, Any]:
    """Counts of a day's changes by kind (for logs and the per-day table)."""
    return {
        "budget": sum(1 for c in changes if c.kind == "budget"),
        "bid": sum(1 for c in changes if c.kind == "bid"),
        "status": sum(1 for c in changes if c.kind == "status"),
    }
