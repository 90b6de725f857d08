"""The simulated platform's state as JSON-ready data: what ``SimulatedPlatform.save`` writes and ``load`` reads.

Everything a platform is (scenario, rules, seed, market family and its hidden
state, clock, settings in force, realised days) round-trips; ``_STATE_VERSION``
guards the format.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from connectors.rules import PlatformRules
from connectors.sim.families import State, build_market
from connectors.sim.families.curves import curve_params
from connectors.sim.scenario import Scenario

if TYPE_CHECKING:
    from connectors.sim.platform import SimulatedPlatform

__all__ = ["dump_state", "load_state"]

_STATE_VERSION = 1


def _state_lists(state: State) -> dict[str, list[Any]]:
    return {k: np.asarray(v).tolist() for k, v in sorted(state.items())}


def dump_state(platform: SimulatedPlatform) -> dict[str, Any]:
    """The whole state of ``platform`` as plain JSON-ready data."""
    return {
        "version": _STATE_VERSION,
        "seed": platform.seed,
        "market": platform.market_name,
        "market_state": _state_lists(platform._mstate),
        "rules": platform.rules.model_dump(mode="json"),
        "scenario": platform.scenario.model_dump(mode="json"),
        "t": platform._t,
        "requests": platform._requests,
        "elapsed": platform._elapsed,
        "budget": platform._budget.tolist(),
        "bid": [None if math.isnan(b) else b for b in platform._bid.tolist()],
        "bid_open": [None if math.isnan(b) else b for b in platform._bid_open.tolist()],
        "budget_open": platform._budget_open.tolist(),
        "paused": platform._paused.tolist(),
        "learning_until": platform._learning_until.tolist(),
        "changes_today": platform._changes_today.tolist(),
        "spend_today": platform._spend_today.tolist(),
        "records": {str(t): {k: list(v) for k, v in rec.items()} for t, rec in sorted(platform._records.items())},
    }


def load_state(cls: type[SimulatedPlatform], state: dict[str, Any]) -> SimulatedPlatform:
    """A platform of class ``cls`` from ``dump_state``'s data (the data is not kept or changed)."""
    if state.get("version") != _STATE_VERSION:
        raise ValueError(f"unsupported simulated-platform state version {state.get('version')!r}")
    platform = cls.__new__(cls)
    platform.scenario = Scenario.model_validate(state["scenario"])
    platform.seed = int(state["seed"])
    platform.rules = PlatformRules.model_validate(state["rules"])
    platform.params = curve_params(platform.scenario)
    platform.market_name = state.get("market", "curves")
    platform.market = build_market(platform.market_name, platform.scenario, platform.seed)
    saved = state.get("market_state")
    platform._mstate = (
        platform.market.initial_state() if saved is None else {k: np.array(v, dtype=float) for k, v in saved.items()}
    )
    cs = platform.scenario.campaigns
    platform._ids = [c.campaign_id for c in cs]
    platform._index = {cid: i for i, cid in enumerate(platform._ids)}
    platform._start = np.array([c.start_day for c in cs], dtype=np.int64)

    def floats(key: str) -> np.ndarray:
        return np.array([math.nan if v is None else v for v in state[key]], dtype=float)

    platform._budget, platform._bid, platform._bid_open = floats("budget"), floats("bid"), floats("bid_open")
    platform._spend_today = floats("spend_today")
    platform._budget_open = floats("budget_open") if "budget_open" in state else platform._budget.copy()
    platform._paused = np.array(state["paused"], dtype=bool)
    platform._learning_until = np.array(state["learning_until"], dtype=np.int64)
    platform._changes_today = np.array(state["changes_today"], dtype=np.int64)
    platform._elapsed = float(state["elapsed"])
    platform._records = {int(t): {k: list(v) for k, v in rec.items()} for t, rec in state["records"].items()}
    platform._requests = int(state["requests"])
    platform._t = int(state["t"])
    platform.journal = None
    return platform
