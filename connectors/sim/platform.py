"""``SimulatedPlatform``: a Qianchuan-like ad account behind the ``Connector`` interface.

It keeps each campaign's settings (budget, bid, status), a clock (``today``,
moved by ``advance_day``) and every realised day, and it answers like the real
platform would:

- ``list_campaigns`` shows the campaigns that exist today (launches appear on
  their ``start_day``) with today's spend and budget-edit count;
- ``daily_stats`` reports past days *as seen today*: the last week's GMV and
  orders are still maturing (``Scenario.maturity``) and grow when re-pulled;
  days with no spend are omitted, as Qianchuan's report omits empty rows;
- ``update_budgets`` / ``update_bids`` / ``update_status`` enforce the delivery
  rules of ``connectors.rules`` (qianchuan.md 4.1).

Write behaviour (the Qianchuan connector mirrors it): every change gets one
``WriteResult``; a change that breaks a rule gets ``ok=False`` and
``error=str(PlatformRuleError)`` while the valid ones in the batch are applied,
never a partial raise. With ``strict=True`` the batch is all-or-nothing: the
first invalid change raises its ``PlatformRuleError`` and nothing is applied.
The platform accepts batches of any length (the real connector splits them
into calls of at most 10 plans).

Decisions happen at the start of a day, when ``spend_today`` is 0; ``elapse``
moves the clock within the day so rules that depend on today's spend can be
exercised. The day's outcome is realised by ``advance_day`` with the settings in
force at its end. State round-trips through ``save`` / ``load`` (JSON).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from connectors.base import (
    AccountInfo,
    BidChange,
    BudgetChange,
    CampaignState,
    Change,
    DailyStat,
    StatusChange,
    WriteResult,
)
from connectors.errors import BadRequestError, PlatformRuleError
from connectors.rules import PlatformRules, check_bid_update, check_budget_update
from connectors.sim.anomaly import effects
from connectors.sim.market import BID_KIND, MarketParams, day_noise, expected_outcome, realised_outcome
from connectors.sim.scenario import Scenario, load_scenario

__all__ = ["SimulatedPlatform"]

_STATE_VERSION = 1
_RECORD_FIELDS = ("spend", "gmv", "orders", "impressions", "clicks", "budget", "bid", "status")


def _money(x: float) -> Decimal:
    return Decimal(f"{x:.2f}")


def _params(scenario: Scenario) -> MarketParams:
    cs = scenario.campaigns

    def arr(get: Callable[[Any], float]) -> np.ndarray:
        return np.array([get(c) for c in cs], dtype=float)

    return MarketParams(
        kind=np.array([BID_KIND[c.bid_type] for c in cs], dtype=np.int64),
        demand=arr(lambda c: c.demand),
        roi=arr(lambda c: c.roi),
        ref_bid=arr(lambda c: c.ref_bid or c.bid or math.nan),
        elasticity=arr(lambda c: c.elasticity),
        cost_elasticity=arr(lambda c: c.cost_elasticity),
        headroom=arr(lambda c: c.headroom),
        curvature=arr(lambda c: c.curvature),
        drift=arr(lambda c: c.drift),
        roi_drift=arr(lambda c: c.roi_drift),
        aov=arr(lambda c: c.aov),
        cpm=arr(lambda c: c.cpm),
        ctr=arr(lambda c: c.ctr),
        weekday=np.array(scenario.weekday, dtype=float),
        start_date=scenario.start_date,
    )


class SimulatedPlatform:
    """A simulated Qianchuan account; see the module docstring for its behaviour."""

    name = "sim"

    def __init__(self, scenario: Scenario, *, seed: int = 0, rules: PlatformRules | None = None) -> None:
        self.scenario = scenario
        self.seed = int(seed)
        self.rules = rules or PlatformRules()
        self.params = _params(scenario)
        cs = scenario.campaigns
        self._ids = [c.campaign_id for c in cs]
        self._index = {cid: i for i, cid in enumerate(self._ids)}
        self._start = np.array([c.start_day for c in cs], dtype=np.int64)
        self._budget = np.array([c.budget for c in cs], dtype=float)
        self._bid = np.array([c.bid if c.bid is not None else math.nan for c in cs], dtype=float)
        self._paused = np.array([c.status == "paused" for c in cs], dtype=bool)
        self._learning_until = self._start + scenario.learning.days
        self._bid_open = self._bid.copy()
        self._changes_today = np.zeros(len(cs), dtype=np.int64)
        self._spend_today = np.zeros(len(cs), dtype=float)
        self._elapsed = 0.0
        self._records: dict[int, dict[str, list[Any]]] = {}
        self._requests = 0
        self._t = -scenario.history_days
        self._build_history()

    # ------------------------------------------------------------------ setup
    @classmethod
    def from_scenario(
        cls, name_or_path: str | Path | Scenario, *, seed: int = 0, rules: PlatformRules | None = None
    ) -> SimulatedPlatform:
        """A platform at the scenario's first simulated day, its history already realised."""
        scenario = name_or_path if isinstance(name_or_path, Scenario) else load_scenario(name_or_path)
        return cls(scenario, seed=seed, rules=rules)

    def _build_history(self) -> None:
        """Realise the days before ``t = 0`` with the opening settings, wobbled by the jitter."""
        jitter = self.scenario.history_budget_jitter
        base_budget, base_bid = self._budget.copy(), self._bid.copy()
        while self._t < 0:
            if jitter > 0:
                rng = np.random.default_rng([self.seed & 0xFFFFFFFF, 7, self._t + 1_000_000])
                z = rng.standard_normal((2, len(self._ids)))
                budget = np.round(base_budget * np.exp(jitter * np.clip(z[0], -2.5, 2.5)) / 100) * 100
                self._budget = np.clip(budget, float(self.rules.min_budget), None)
                step = min(jitter / 2, self.scenario.learning.bid_change_threshold / 3)
                self._bid = np.round(base_bid * np.exp(step * np.clip(z[1], -2.5, 2.5)), 2)
                self._bid = np.where(self.params.kind == 1, np.minimum(self._bid, self._budget), self._bid)
            self.advance_day()
        self._budget, self._bid, self._bid_open = base_budget, base_bid, base_bid.copy()

    # ------------------------------------------------------------------ clock
    @property
    def today(self) -> dt.date:
        """The platform's current (not yet realised) day."""
        return self.params.day_of(self._t)

    @property
    def day_index(self) -> int:
        """Days since the scenario's start (negative during the history)."""
        return self._t

    def _listed(self, t: int | None = None) -> np.ndarray:
        return self._start <= (self._t if t is None else t)

    def _learning_factor(self, t: int) -> np.ndarray:
        return np.where(t < self._learning_until, self.scenario.learning.factor, 1.0)

    def _today_outcome(self, *, injected: bool = True) -> dict[str, np.ndarray]:
        budget = np.where(self._paused | ~self._listed(), 0.0, self._budget)
        noise = day_noise(self.seed, self._t, len(self._ids))
        sd = self.scenario.noise
        fx = effects(self.scenario.anomaly, self._index, self._t) if injected and self.scenario.anomaly else None
        params = self.params
        if fx is not None:  # test-only: the scenario's [[anomaly]] rows (connectors.sim.anomaly)
            params = replace(params, demand=params.demand * np.maximum(fx.demand, 1e-6), roi=params.roi * fx.roi)
        out = realised_outcome(
            params, self._t, budget, self._bid, self._learning_factor(self._t), noise, sd.demand_sd, sd.gmv_sd
        )
        if fx is not None and np.any(fx.conversion != 1):
            out["gmv"] = np.round(out["gmv"] * fx.conversion, 2)
            out["orders"] = np.round(out["gmv"] / params.aov).astype(np.int64)
        return out

    def elapse(self, fraction: float) -> None:
        """Move the clock to ``fraction`` (0-1) of today: spend so far becomes ``spend_today``."""
        if not 0 <= fraction <= 1 or fraction < self._elapsed:
            raise ValueError(f"fraction {fraction} must be in [{self._elapsed}, 1]")
        self._elapsed = fraction
        spend = self._today_outcome()["spend"]
        so_far = spend * fraction
        fx = effects(self.scenario.anomaly, self._index, self._t) if self.scenario.anomaly else None
        if fx is not None and fx.any:  # an injected anomaly changes the pace from its onset
            normal = self._today_outcome(injected=False)["spend"]
            so_far = np.where(fx.onset < 1, np.minimum(spend, normal * fx.clock(fraction)), so_far)
        self._spend_today = np.maximum(self._spend_today, np.round(so_far, 2))

    def advance_day(self) -> None:
        """Realise today's outcome with the settings in force and move to the next day."""
        out = self._today_outcome()
        out["spend"] = np.maximum(out["spend"], self._spend_today)
        listed = self._listed()
        status = np.where(self._paused, "paused", np.where(self._t < self._learning_until, "learning", "active"))
        record: dict[str, list[Any]] = {
            key: out[key].tolist() for key in ("spend", "gmv", "orders", "impressions", "clicks")
        }
        record["budget"] = self._budget.tolist()
        record["bid"] = [None if math.isnan(b) else b for b in self._bid.tolist()]
        record["status"] = [s if ok else None for s, ok in zip(status.tolist(), listed.tolist())]
        self._records[self._t] = record
        self._t += 1
        self._changes_today[:] = 0
        self._spend_today[:] = 0.0
        self._elapsed = 0.0
        self._bid_open = self._bid.copy()

    # ------------------------------------------------------------------ reads
    def list_accounts(self) -> list[AccountInfo]:
        s = self.scenario
        return [AccountInfo(account_id=s.account_id, name=s.account_name, currency=s.currency)]

    def _check_account(self, account_id: str) -> None:
        if account_id != self.scenario.account_id:
            raise BadRequestError(f"unknown account {account_id!r}", code=40001, endpoint="sim")

    def campaign_ids(self) -> list[str]:
        """Ids of the campaigns that exist today, in a fixed order."""
        return [cid for cid, ok in zip(self._ids, self._listed().tolist()) if ok]

    def list_campaigns(self, account_id: str) -> list[CampaignState]:
        self._check_account(account_id)
        out = []
        for i in np.flatnonzero(self._listed()):
            c = self.scenario.campaigns[i]
            status = "paused" if self._paused[i] else ("learning" if self._t < self._learning_until[i] else "active")
            out.append(
                CampaignState(
                    account_id=self.scenario.account_id,
                    campaign_id=c.campaign_id,
                    name=c.name,
                    channel=c.channel,
                    bid_type=c.bid_type,
                    budget=_money(self._budget[i]),
                    bid=None if math.isnan(self._bid[i]) else _money(self._bid[i]),
                    status=status,
                    spend_today=_money(self._spend_today[i]),
                    budget_changes_today=int(self._changes_today[i]),
                )
            )
        return out

    def daily_stats(self, account_id: str, start: dt.date, end: dt.date) -> Iterator[DailyStat]:
        """Rows for realised days in ``[start, end]`` as reported today (recent days immature)."""
        self._check_account(account_id)
        maturity = self.scenario.maturity
        day = start
        while day <= end:
            t = (day - self.scenario.start_date).days
            rec = self._records.get(t) if t < self._t else None
            day += dt.timedelta(days=1)
            if rec is None:
                continue
            share = maturity[min(self._t - 1 - t, len(maturity) - 1)]
            yield from self._rows(t, rec, share)

    def _rows(self, t: int, rec: dict[str, list[Any]], share: float) -> Iterator[DailyStat]:
        date = self.params.day_of(t)
        for i, c in enumerate(self.scenario.campaigns):
            spend = rec["spend"][i]
            if rec["status"][i] is None or spend <= 0:
                continue
            bid = rec["bid"][i]
            yield DailyStat(
                account_id=self.scenario.account_id,
                campaign_id=c.campaign_id,
                date=date,
                spend=_money(spend),
                gmv=_money(round(rec["gmv"][i] * share, 2)),
                orders=math.floor(rec["orders"][i] * share + 1e-9),
                campaign_name=c.name,
                channel=c.channel,
                impressions=rec["impressions"][i],
                clicks=rec["clicks"][i],
                budget=_money(rec["budget"][i]),
                bid_type=c.bid_type,
                bid=None if bid is None else _money(bid),
                status=rec["status"][i],
                currency=self.scenario.currency,
            )

    def final_outcome(self, date: dt.date) -> dict[str, np.ndarray]:
        """Ground truth of a realised day: final (fully attributed) values for every scenario campaign.

        Arrays are ``(n_all,)`` in scenario order: spend, gmv, orders, and the budget,
        bid and status in force; ``listed`` says which campaigns existed.
        """
        t = (date - self.scenario.start_date).days
        if t not in self._records or t >= self._t:
            raise KeyError(f"{date} is not a realised day")
        rec = self._records[t]
        out = {k: np.array(rec[k], dtype=float) for k in ("spend", "gmv", "orders", "budget")}
        out["bid"] = np.array([math.nan if b is None else b for b in rec["bid"]], dtype=float)
        out["status"] = np.array(["" if s is None else s for s in rec["status"]], dtype=object)
        out["listed"] = np.array([s is not None for s in rec["status"]])
        return out

    # ------------------------------------------------------------------ truth
    def expected(
        self, budget: np.ndarray, bid: np.ndarray, *, day: dt.date | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Noise-free spend and GMV ``(n, k)`` for today's campaigns (``campaign_ids()`` order).

        ``budget`` (``inf`` no cap, ``0`` paused) and ``bid`` are ``(n, k)``. The
        learning factor applies to campaigns learning on ``day`` and to candidate
        bids that move more than the threshold from the day's opening bid.
        """
        t = self._t if day is None else (day - self.scenario.start_date).days
        if t < self._t:
            raise ValueError("the truth is asked for today or a later day")
        idx = np.flatnonzero(self._listed())
        p = self.params
        sub = MarketParams(
            **{
                f: getattr(p, f)[idx]
                for f in (
                    "kind",
                    "demand",
                    "roi",
                    "ref_bid",
                    "elasticity",
                    "cost_elasticity",
                    "headroom",
                    "curvature",
                    "drift",
                    "roi_drift",
                    "aov",
                    "cpm",
                    "ctr",
                )
            },
            weekday=p.weekday,
            start_date=p.start_date,
        )
        opening = self._bid_open[idx][:, None] if t == self._t else self._bid[idx][:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            moved = np.abs(bid / opening - 1.0) > self.scenario.learning.bid_change_threshold + 1e-9
        moved = moved & (sub.kind[:, None] != 0)
        learning = np.where((t < self._learning_until[idx])[:, None] | moved, self.scenario.learning.factor, 1.0)
        return expected_outcome(sub, t, budget, bid, learning)

    # ------------------------------------------------------------------ writes
    def _find(self, change: Change) -> int:
        self._check_account(change.account_id)
        i = self._index.get(change.campaign_id)
        if i is None or self._start[i] > self._t:
            raise BadRequestError(f"unknown campaign {change.campaign_id!r}", code=40001, endpoint="sim")
        return i

    def _apply_budget(self, change: BudgetChange) -> str:
        i = self._find(change)
        c = self.scenario.campaigns[i]
        bid = None if math.isnan(self._bid[i]) else _money(self._bid[i])
        check_budget_update(
            c.campaign_id,
            _money(self._budget[i]),
            change.budget,
            spend_today=_money(self._spend_today[i]),
            changes_today=int(self._changes_today[i]),
            bid=bid,
            bid_type=c.bid_type,
            rules=self.rules,
        )
        self._budget[i] = float(change.budget)
        self._changes_today[i] += 1
        return f"{change.budget:.2f}"

    def _apply_bid(self, change: BidChange) -> str:
        i = self._find(change)
        c = self.scenario.campaigns[i]
        check_bid_update(c.campaign_id, c.bid_type, change.bid, budget=_money(self._budget[i]), rules=self.rules)
        new = float(change.bid)
        if abs(new / self._bid_open[i] - 1.0) > self.scenario.learning.bid_change_threshold + 1e-9:
            self._learning_until[i] = max(self._learning_until[i], self._t + self.scenario.learning.days)
        self._bid[i] = new
        return f"{change.bid:.2f}"

    def _apply_status(self, change: StatusChange) -> str:
        i = self._find(change)
        self._paused[i] = change.status == "paused"
        return change.status

    def _write(self, changes: Sequence[Change], apply: Callable[[Any], str], strict: bool) -> list[WriteResult]:
        snapshot = (
            self._budget.copy(),
            self._bid.copy(),
            self._paused.copy(),
            self._learning_until.copy(),
            self._changes_today.copy(),
        )
        results = []
        for change in changes:
            self._requests += 1
            request_id = f"sim-{self._t}-{self._requests}"
            try:
                value = apply(change)
            except (PlatformRuleError, BadRequestError) as exc:
                if strict:
                    (self._budget, self._bid, self._paused, self._learning_until, self._changes_today) = snapshot
                    raise
                results.append(WriteResult(change=change, ok=False, request_id=request_id, error=str(exc)))
            else:
                results.append(WriteResult(change=change, ok=True, platform_value=value, request_id=request_id))
        return results

    def update_budgets(self, changes: Sequence[BudgetChange], *, strict: bool = False) -> list[WriteResult]:
        return self._write(changes, self._apply_budget, strict)

    def update_bids(self, changes: Sequence[BidChange], *, strict: bool = False) -> list[WriteResult]:
        return self._write(changes, self._apply_bid, strict)

    def update_status(self, changes: Sequence[StatusChange], *, strict: bool = False) -> list[WriteResult]:
        return self._write(changes, self._apply_status, strict)

    # ------------------------------------------------------------------ state
    def save(self, path: str | Path) -> None:
        """Write the whole state (scenario, settings, clock, realised days) as JSON, atomically."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(self.dump_state(), ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: str | Path) -> SimulatedPlatform:
        """Restore a platform written by ``save``."""
        return cls.load_state(json.loads(Path(path).read_text(encoding="utf-8")))

    def dump_state(self) -> dict[str, Any]:
        """The whole state as plain JSON-ready data (what ``save`` writes)."""
        return {
            "version": _STATE_VERSION,
            "seed": self.seed,
            "rules": self.rules.model_dump(mode="json"),
            "scenario": self.scenario.model_dump(mode="json"),
            "t": self._t,
            "requests": self._requests,
            "elapsed": self._elapsed,
            "budget": self._budget.tolist(),
            "bid": [None if math.isnan(b) else b for b in self._bid.tolist()],
            "bid_open": [None if math.isnan(b) else b for b in self._bid_open.tolist()],
            "paused": self._paused.tolist(),
            "learning_until": self._learning_until.tolist(),
            "changes_today": self._changes_today.tolist(),
            "spend_today": self._spend_today.tolist(),
            "records": {str(t): {k: list(v) for k, v in rec.items()} for t, rec in sorted(self._records.items())},
        }

    @classmethod
    def load_state(cls, state: dict[str, Any]) -> SimulatedPlatform:
        """A platform from ``dump_state``'s data (the data is not kept or changed)."""
        if state.get("version") != _STATE_VERSION:
            raise ValueError(f"unsupported simulated-platform state version {state.get('version')!r}")
        self = cls.__new__(cls)
        self.scenario = Scenario.model_validate(state["scenario"])
        self.seed = int(state["seed"])
        self.rules = PlatformRules.model_validate(state["rules"])
        self.params = _params(self.scenario)
        cs = self.scenario.campaigns
        self._ids = [c.campaign_id for c in cs]
        self._index = {cid: i for i, cid in enumerate(self._ids)}
        self._start = np.array([c.start_day for c in cs], dtype=np.int64)

        def floats(key: str) -> np.ndarray:
            return np.array([math.nan if v is None else v for v in state[key]], dtype=float)

        self._budget, self._bid, self._bid_open = floats("budget"), floats("bid"), floats("bid_open")
        self._spend_today = floats("spend_today")
        self._paused = np.array(state["paused"], dtype=bool)
        self._learning_until = np.array(state["learning_until"], dtype=np.int64)
        self._changes_today = np.array(state["changes_today"], dtype=np.int64)
        self._elapsed = float(state["elapsed"])
        self._records = {int(t): {k: list(v) for k, v in rec.items()} for t, rec in state["records"].items()}
        self._requests = int(state["requests"])
        self._t = int(state["t"])
        return self
