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
  rules of ``connectors.rules`` (docs/qianchuan.md 4.1).

Write behaviour (the Qianchuan connector mirrors it): every change gets one
``WriteResult``; a change that breaks a rule gets ``ok=False`` and
``error=str(PlatformRuleError)`` while the valid ones in the batch are applied,
never a partial raise. With ``strict=True`` the batch is all-or-nothing: the
first invalid change raises its ``PlatformRuleError`` and nothing is applied.
The platform accepts batches of any length (the real connector splits them
into calls of at most 10 plans).

What a day delivers comes from a *market family* (``connectors.sim.families``):
``market="curves"`` (the default, ``connectors.sim.market``), ``"pacing"`` or
``"cohort"``. The family also decides which edits restart learning and how a
day's GMV matures; rules, writes, reports, ids and state are the platform's and
the same for every family. ``expected`` answers the family's noise-free truth.

Decisions happen at the start of a day, when ``spend_today`` is 0; ``elapse``
moves the clock within the day so rules that depend on today's spend can be
exercised. The day's outcome is realised by ``advance_day`` with the settings in
force at its end. State round-trips through ``save`` / ``load`` (JSON), the
family's name and hidden state included.

Durability: when ``journal`` is set, every write call hands it the accepted
changes (``{"op", "t", "campaign_id", "value", "request"}``) before it answers;
``replay`` redoes such entries (and ``{"op": "advance"}``) on a loaded state.
``connectors.sim.account`` keeps that journal on disk.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Iterator, Sequence
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
from connectors.sim.anomaly import effects, injected
from connectors.sim.families import Market, State, build_market
from connectors.sim.families.curves import curve_params
from connectors.sim.market import MarketParams
from connectors.sim.scenario import Scenario, load_scenario

__all__ = ["SimulatedPlatform"]

_RECORD_FIELDS = ("spend", "gmv", "orders", "impressions", "clicks", "budget", "bid", "status")


def _money(x: float) -> Decimal:
    return Decimal(f"{x:.2f}")


def _params(scenario: Scenario) -> MarketParams:
    return curve_params(scenario)


class SimulatedPlatform:
    """A simulated Qianchuan account; see the module docstring for its behaviour."""

    name = "sim"

    @property
    def restates_days(self) -> int:
        """How many recent days a pull re-reads: the days whose GMV is still maturing (at least 1)."""
        return max(1, sum(1 for share in self.scenario.maturity if share < 1))

    def __init__(
        self, scenario: Scenario, *, seed: int = 0, rules: PlatformRules | None = None, market: str = "curves"
    ) -> None:
        self.scenario = scenario
        self.seed = int(seed)
        self.rules = rules or PlatformRules()
        self.params = _params(scenario)
        self.market_name = market
        self.market: Market = build_market(market, scenario, self.seed)
        self._mstate = self.market.initial_state()
        cs = scenario.campaigns
        self._ids = [c.campaign_id for c in cs]
        self._index = {cid: i for i, cid in enumerate(self._ids)}
        self._start = np.array([c.start_day for c in cs], dtype=np.int64)
        self._budget = np.array([c.budget for c in cs], dtype=float)
        self._bid = np.array([c.bid if c.bid is not None else math.nan for c in cs], dtype=float)
        self._paused = np.array([c.status == "paused" for c in cs], dtype=bool)
        self._learning_until = self._start + self.market.learning_days()
        self._bid_open = self._bid.copy()
        self._budget_open = self._budget.copy()
        self._changes_today = np.zeros(len(cs), dtype=np.int64)
        self._spend_today = np.zeros(len(cs), dtype=float)
        self._elapsed = 0.0
        self._records: dict[int, dict[str, list[Any]]] = {}
        self._requests = 0
        self._t = -scenario.history_days
        self.journal: Callable[[list[dict[str, Any]]], None] | None = None
        self._build_history()

    # ------------------------------------------------------------------ setup
    @classmethod
    def from_scenario(
        cls,
        name_or_path: str | Path | Scenario,
        *,
        seed: int = 0,
        rules: PlatformRules | None = None,
        market: str = "curves",
    ) -> SimulatedPlatform:
        """A platform at the scenario's first simulated day, its history already realised."""
        scenario = name_or_path if isinstance(name_or_path, Scenario) else load_scenario(name_or_path)
        return cls(scenario, seed=seed, rules=rules, market=market)

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
        self._budget_open = base_budget.copy()

    @property
    def market_state(self) -> State:
        """A copy of the market family's hidden state today (empty for ``curves``)."""
        return {k: np.array(v, copy=True) for k, v in self._mstate.items()}

    def learning_mask(self, t: int | None = None) -> np.ndarray:
        """``(n,)`` bool in scenario order: which campaigns learn on day ``t`` (default today)."""
        return (self._t if t is None else t) < self._learning_until

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

    def _today_outcome(self, *, inject: bool = True) -> dict[str, np.ndarray]:
        budget = np.where(self._paused | ~self._listed(), 0.0, self._budget)
        learning = self._t < self._learning_until
        out = self.market.realised(self._t, budget, self._bid, learning, self._mstate, self.seed)
        if inject and self.scenario.anomaly:  # test-only: the scenario's [[anomaly]] rows
            out = injected(out, effects(self.scenario.anomaly, self._index, self._t), budget)
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
            normal = self._today_outcome(inject=False)["spend"]
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
        self._mstate = self.market.next_state(self._t, self._mstate, out)
        self._t += 1
        self._changes_today[:] = 0
        self._spend_today[:] = 0.0
        self._elapsed = 0.0
        self._bid_open = self._bid.copy()
        self._budget_open = self._budget.copy()

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
        day = start
        while day <= end:
            t = (day - self.scenario.start_date).days
            rec = self._records.get(t) if t < self._t else None
            day += dt.timedelta(days=1)
            if rec is None:
                continue
            yield from self._rows(t, rec, self.market.maturity(self._t - 1 - t))

    def _rows(self, t: int, rec: dict[str, list[Any]], shares: float | np.ndarray) -> Iterator[DailyStat]:
        date = self.params.day_of(t)
        for i, c in enumerate(self.scenario.campaigns):
            spend = rec["spend"][i]
            if rec["status"][i] is None or spend <= 0:
                continue
            share = shares if isinstance(shares, float) else float(shares[i])
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

        ``budget`` (``inf`` no cap, ``0`` paused) and ``bid`` are ``(n, k)``. A
        candidate learns if its campaign learns on ``day`` or if the family says
        the edit from the day's opening budget and bid would restart learning;
        the family's hidden state is today's.
        """
        t = self._t if day is None else (day - self.scenario.start_date).days
        if t < self._t:
            raise ValueError("the truth is asked for today or a later day")
        idx = np.flatnonzero(self._listed())
        today = t == self._t
        open_bid = (self._bid_open if today else self._bid)[idx][:, None]
        open_budget = (self._budget_open if today else self._budget)[idx][:, None]
        moved = self.market.resets(idx, open_budget, open_bid, budget, bid)
        learning = (t < self._learning_until[idx])[:, None] | moved
        return self.market.expected(idx, t, budget, bid, learning, self._mstate)

    def _restart_learning(self, i: int, budget: float, bid: float) -> None:
        row = np.array([i])
        if self.market.resets(
            row,
            np.array([[self._budget_open[i]]]),
            np.array([[self._bid_open[i]]]),
            np.array([[budget]]),
            np.array([[bid]]),
        )[0, 0]:
            days = int(self.market.learning_days()[i])
            self._learning_until[i] = max(self._learning_until[i], self._t + days)

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
        return self._set("budget", i, f"{change.budget:.2f}")

    def _apply_bid(self, change: BidChange) -> str:
        i = self._find(change)
        c = self.scenario.campaigns[i]
        check_bid_update(c.campaign_id, c.bid_type, change.bid, budget=_money(self._budget[i]), rules=self.rules)
        return self._set("bid", i, f"{change.bid:.2f}")

    def _apply_status(self, change: StatusChange) -> str:
        return self._set("status", self._find(change), change.status)

    def _set(self, field: str, i: int, value: str) -> str:
        """Make one accepted change (also what ``replay`` does with a journal entry)."""
        if field == "budget":
            self._budget[i] = float(value)
            self._changes_today[i] += 1
            self._restart_learning(i, self._budget[i], self._bid[i])
        elif field == "bid":
            new = float(value)
            self._restart_learning(i, self._budget[i], new)
            self._bid[i] = new
        else:
            self._paused[i] = value == "paused"
        return value

    def replay(self, entry: dict[str, Any]) -> None:
        """Redo one journal entry (``journal`` receives them): an accepted write or a day's end."""
        if entry["op"] == "advance":
            for _ in range(int(entry.get("days", 1))):
                self.advance_day()
            return
        if int(entry["t"]) != self._t:
            raise ValueError(f"journal entry for day {entry['t']} replayed on day {self._t}")
        self._set(entry["op"], self._index[entry["campaign_id"]], entry["value"])
        self._requests = max(self._requests, int(entry.get("request", 0)))

    def _write(self, changes: Sequence[Change], apply: Callable[[Any], str], strict: bool) -> list[WriteResult]:
        snapshot = (
            self._budget.copy(),
            self._bid.copy(),
            self._paused.copy(),
            self._learning_until.copy(),
            self._changes_today.copy(),
        )
        results = []
        accepted: list[dict[str, Any]] = []
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
                entry = {"op": change.kind, "t": self._t, "campaign_id": change.campaign_id, "value": value}
                accepted.append({**entry, "request": self._requests})
        if accepted and self.journal is not None:
            self.journal(accepted)  # durable before the call answers, like a real platform
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
        """The whole state as plain JSON-ready data (what ``save`` writes; ``connectors.sim.snapshot``)."""
        from connectors.sim.snapshot import dump_state

        return dump_state(self)

    @classmethod
    def load_state(cls, state: dict[str, Any]) -> SimulatedPlatform:
        """A platform from ``dump_state``'s data (the data is not kept or changed)."""
        from connectors.sim.snapshot import load_state

        return load_state(cls, state)
