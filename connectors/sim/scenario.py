"""Scenario presets: the simulated account's world, loaded from TOML and validated.

A preset (``config/scenarios/NAME.toml``) describes one account: its campaigns
with their ground-truth curves (see ``connectors.sim.market``), the weekday
pattern, noise, attribution lag, learning phase, how many days of history
exist before the simulation starts and how flat that history is, and
optionally the guardrails (``[settings]``, same keys as the config file) the
account runs under, and changes to them from a given day::

    [[settings_change]]          # from simulated day 7 (0 = the first) on:
    day = 7
    budget.total_daily = 108000  # any [settings] keys; tables merge key by key,
    objective.roi_floor = 3.6    # a list (e.g. channel) is replaced whole

``Scenario.settings_on(day)`` gives the guardrails in force on a day.

Campaigns are listed one by one (``[[campaign]]``) and/or drawn from a
``[generate]`` block with its own ``layout_seed``, so a preset is the same
account whatever seed a run uses; the run's seed only moves the daily noise.
Campaigns with ``start_day > 0`` appear on that day (new launches).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from connectors.errors import InputError, Problem
from connectors.sim.anomaly import AnomalySpec
from connectors.tomlfile import read_toml

__all__ = [
    "CampaignSpec",
    "GenerateSpec",
    "LearningSpec",
    "NoiseSpec",
    "Scenario",
    "SettingsChange",
    "list_scenarios",
    "load_scenario",
    "scenario_dir",
]


_Key = TypeVar("_Key", bound=str)
_BID_TYPE_WEIGHTS: dict[Literal["cpa", "roi", "none"], float] = {"cpa": 0.4, "roi": 0.4, "none": 0.2}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CampaignSpec(_Frozen):
    """One campaign's identity, opening settings and ground truth."""

    campaign_id: str = Field(min_length=1, pattern=r"^\S+$", description="platform id, a string")
    name: str = Field("", description="display name (Chinese welcome)")
    channel: str = Field("qianchuan.video", min_length=1)
    bid_type: Literal["cpa", "roi", "none"] = "none"
    budget: float = Field(ge=300, le=9_999_999.99, description="opening daily budget, CNY")
    bid: float | None = Field(None, gt=0, description="opening CPA bid (CNY) or ROI goal; none: absent")
    status: Literal["active", "paused"] = "active"
    start_day: int = Field(-10_000, description="day it appears (0 = first simulated day; <= -history = old)")
    demand: float = Field(gt=0, description="CNY/day it could spend uncapped at the reference bid")
    roi: float = Field(gt=0, le=100, description="GMV/spend at full delivery at the reference bid")
    ref_bid: float | None = Field(None, gt=0, description="bid the curve is anchored at; default: opening bid")
    elasticity: float = Field(1.5, ge=0, le=5, description="delivery elasticity to the bid")
    cost_elasticity: float = Field(0.5, ge=0, le=2, description="ROI elasticity to the bid")
    headroom: float = Field(1.5, gt=0, le=20, description="most extra delivery a higher bid can buy (x demand)")
    curvature: float = Field(0.7, gt=0, le=1, description="GMV ~ spend^curvature within a day")
    drift: float = Field(0.0, ge=-0.1, le=0.1, description="per-day log growth of demand")
    roi_drift: float = Field(0.0, ge=-0.1, le=0.1, description="per-day log growth of ROI")
    aov: float = Field(120.0, gt=0, description="average order value, CNY")
    cpm: float = Field(40.0, gt=0, description="CNY per 1000 impressions")
    ctr: float = Field(0.02, gt=0, lt=1, description="clicks per impression")

    @model_validator(mode="after")
    def _bid_matches_type(self) -> CampaignSpec:
        if self.bid_type == "none" and self.bid is not None:
            raise ValueError(f"campaign {self.campaign_id}: a 'none' campaign has no bid")
        if self.bid_type != "none" and self.bid is None:
            raise ValueError(f"campaign {self.campaign_id}: a {self.bid_type!r} campaign needs a bid")
        if self.bid_type == "cpa" and self.bid is not None and self.bid > self.budget:
            raise ValueError(f"campaign {self.campaign_id}: bid {self.bid} is above budget {self.budget}")
        return self


class GenerateSpec(_Frozen):
    """Draw ``count`` campaigns at random (with ``layout_seed``) from these ranges."""

    count: int = Field(ge=1, le=5000)
    layout_seed: int = Field(0, ge=0)
    id_start: int = Field(1_800_000_000_000_000, ge=0, description="first id; ids are 16-19 digit strings")
    channels: dict[str, float] = Field(
        default_factory=lambda: {"qianchuan.live": 0.4, "qianchuan.video": 0.45, "qianchuan.search": 0.15},
        description="channel -> weight",
    )
    bid_types: dict[Literal["cpa", "roi", "none"], float] = Field(
        default_factory=lambda: dict(_BID_TYPE_WEIGHTS), description="bid type -> weight"
    )
    demand: tuple[float, float] = Field((800.0, 12_000.0), description="log-uniform range, CNY/day")
    roi: tuple[float, float] = Field((1.2, 6.0), description="log-uniform range at full delivery")
    budget_to_demand: tuple[float, float] = Field((0.4, 1.6), description="opening budget / demand")
    curvature: tuple[float, float] = (0.45, 0.9)
    headroom: tuple[float, float] = (0.5, 2.5)
    elasticity: tuple[float, float] = (1.2, 2.5)
    cost_elasticity: tuple[float, float] = (0.2, 0.7)
    drift: tuple[float, float] = Field((0.0, 0.0), description="uniform range of per-day demand drift")
    roi_drift: tuple[float, float] = (0.0, 0.0)
    aov: tuple[float, float] = (40.0, 400.0)
    launches: int = Field(0, ge=0, description="how many of them appear during the run")
    launch_days: tuple[int, int] = Field((1, 25), description="range of their start_day")
    paused: int = Field(0, ge=0, description="how many start paused")


class NoiseSpec(_Frozen):
    demand_sd: float = Field(0.15, ge=0, le=2, description="log-sd of daily demand")
    gmv_sd: float = Field(0.2, ge=0, le=2, description="log-sd of daily GMV given spend")


class LearningSpec(_Frozen):
    days: int = Field(3, ge=0, le=30, description="days a new or re-bid campaign learns")
    factor: float = Field(0.7, gt=0, le=1, description="GMV multiplier while learning")
    bid_change_threshold: float = Field(0.2, ge=0, le=10, description="relative bid edit that restarts learning")


class SettingsChange(_Frozen):
    """From simulated day ``day`` on, these ``[settings]`` keys hold (merged over the earlier ones)."""

    day: int = Field(ge=0, description="first simulated day (0 = the first) the change holds")
    settings: dict[str, Any] = Field(default_factory=dict, description="keys to merge, as in [settings]")


def merge_settings(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = (
            merge_settings(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
        )
    return out


class Scenario(_Frozen):
    """A validated preset. ``campaigns`` holds the listed and the generated ones."""

    name: str = Field(min_length=1)
    description: str = ""
    account_id: str = Field("sim-account", min_length=1)
    account_name: str = "模拟账户"
    currency: str = "CNY"
    start_date: dt.date = dt.date(2026, 3, 2)
    history_days: int = Field(42, ge=0, le=400, description="days of data before the simulation starts")
    history_budget_jitter: float = Field(
        0.05, ge=0, le=1, description="relative day-to-day wobble of budgets and bids in the history (0 = flat)"
    )
    weekday: tuple[float, float, float, float, float, float, float] = (1.0, 0.97, 0.97, 1.0, 1.05, 1.08, 0.93)
    maturity: tuple[float, ...] = Field(
        (0.6, 0.8, 0.88, 0.93, 0.96, 0.98, 0.99, 1.0),
        min_length=1,
        description="share of final GMV/orders visible at age 0, 1, ... days; ends at 1",
    )
    noise: NoiseSpec = NoiseSpec()
    learning: LearningSpec = LearningSpec()
    settings: dict[str, Any] = Field(default_factory=dict, description="guardrails, same keys as the config file")
    settings_changes: tuple[SettingsChange, ...] = Field(
        (), description="[[settings_change]]: guardrails that change from a given simulated day"
    )
    campaigns: tuple[CampaignSpec, ...] = ()
    anomaly: tuple[AnomalySpec, ...] = Field(
        (), description="[[anomaly]] rows: injected misbehaviour for tests and benchmarks (connectors.sim.anomaly)"
    )

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        if not self.campaigns:
            raise ValueError("a scenario needs at least one campaign")
        ids = [c.campaign_id for c in self.campaigns]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"campaign id {dupes[0]} is listed twice")
        unknown = sorted({a.campaign_id for a in self.anomaly} - set(ids))
        if unknown:
            raise ValueError(f"[[anomaly]] names campaign {unknown[0]}, which the scenario does not have")
        m = self.maturity
        if any(b < a for a, b in zip(m, m[1:])) or m[-1] != 1.0 or m[0] <= 0:
            raise ValueError("maturity must be positive, non-decreasing and end at 1.0")
        if any(w <= 0 for w in self.weekday):
            raise ValueError("weekday multipliers must be positive")
        return self

    def settings_on(self, day: int) -> dict[str, Any]:
        """The ``[settings]`` in force on simulated day ``day`` (0 = the first): the preset's, with
        every ``[[settings_change]]`` whose ``day`` has come merged on top in day order."""
        out = dict(self.settings)
        for change in sorted(self.settings_changes, key=lambda c: c.day):
            if change.day <= day:
                out = merge_settings(out, change.settings)
        return out

    def settings_change_days(self) -> list[int]:
        """The simulated days on which the guardrails change, sorted."""
        return sorted({c.day for c in self.settings_changes})


def scenario_dir() -> Path:
    """The shipped presets: ``config/scenarios`` of the repository, which the
    package carries as ``connectors/sim/presets`` (a link in the checkout,
    copied into a built wheel)."""
    return Path(__file__).resolve().with_name("presets")


def list_scenarios() -> list[str]:
    """Names of the shipped presets, sorted."""
    return sorted(p.stem for p in scenario_dir().glob("*.toml"))


def _resolve(name_or_path: str | Path) -> Path:
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        return path
    candidate = scenario_dir() / f"{name_or_path}.toml"
    if not candidate.exists():
        known = ", ".join(list_scenarios()) or "none"
        raise InputError(Problem(str(name_or_path), f"no such scenario (presets: {known})"))
    return candidate


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Read a preset by name (``demo``) or path; ``InputError`` names the file and key."""
    path = _resolve(name_or_path)
    return scenario_from_dict(read_toml(path, what="scenario file"), source=str(path))


def scenario_from_dict(data: dict[str, Any], *, source: str = "scenario") -> Scenario:
    """Validate a preset's parsed TOML: ``[[campaign]]`` rows plus an optional ``[generate]``."""
    data = dict(data)
    listed = data.pop("campaign", [])
    generate = data.pop("generate", None)
    changes = data.pop("settings_change", [])
    if not isinstance(changes, list) or not all(isinstance(c, dict) for c in changes):
        raise InputError(Problem(source, "settings_change: expected [[settings_change]] tables"))
    data["settings_changes"] = [
        {"day": c.get("day"), "settings": {k: v for k, v in c.items() if k != "day"}} for c in changes
    ]
    data.setdefault("name", Path(source).stem)
    problems: list[Problem] = []
    campaigns = []
    for i, row in enumerate(listed):
        try:
            campaigns.append(CampaignSpec(**row))
        except ValidationError as exc:
            who = f"[[campaign]] #{i + 1}" + (
                f" ({row['campaign_id']})" if isinstance(row, dict) and "campaign_id" in row else ""
            )
            problems += [
                Problem(source, f"{who} {'.'.join(map(str, e['loc'])) or '(row)'}: {e['msg']}") for e in exc.errors()
            ]
    if problems:
        raise InputError(problems)
    try:
        if generate is not None:
            history = int(data.get("history_days", Scenario.model_fields["history_days"].default))
            campaigns += generate_campaigns(GenerateSpec(**generate), history_days=history)
        return Scenario(**data, campaigns=tuple(campaigns))
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"]) or "(top level)"
            problems.append(Problem(source, f"{key}: {err['msg']}"))
        raise InputError(problems) from None
    except TypeError as exc:
        raise InputError(Problem(source, str(exc))) from None


_WORDS_LIVE = ("直播间", "主播专场", "品牌直播", "达人直播", "夜场直播")
_WORDS_VIDEO = ("短视频", "种草视频", "商品卡", "爆款视频", "图文")
_WORDS_SEARCH = ("搜索", "关键词", "品牌词", "搜索直达")
_PRODUCTS = ("羽绒服", "面霜", "零食礼盒", "运动鞋", "茶叶", "保温杯", "连衣裙", "洗发水", "蓝牙耳机", "大米")
_GOALS = {"cpa": "控成本", "roi": "ROI", "none": "放量"}


def _pick(rng: Any, weights: Mapping[_Key, float]) -> _Key:
    keys = sorted(weights)
    w = [max(float(weights[k]), 0.0) for k in keys]
    total = sum(w)
    if total <= 0:
        raise ValueError("weights must not all be zero")
    return keys[int(rng.choice(len(keys), p=[x / total for x in w]))]


def generate_campaigns(spec: GenerateSpec, *, history_days: int) -> list[CampaignSpec]:
    """Draw ``spec.count`` campaigns; deterministic in ``spec.layout_seed``."""
    import numpy as np

    rng = np.random.default_rng(spec.layout_seed)

    def logu(lo_hi: tuple[float, float]) -> float:
        lo, hi = lo_hi
        return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))

    def uni(lo_hi: tuple[float, float]) -> float:
        return float(rng.uniform(*lo_hi))

    launch_idx = set(rng.choice(spec.count, size=min(spec.launches, spec.count), replace=False).tolist())
    rest = [i for i in range(spec.count) if i not in launch_idx]
    paused_idx = set(rng.choice(rest, size=min(spec.paused, len(rest)), replace=False).tolist()) if rest else set()
    out = []
    for i in range(spec.count):
        channel = _pick(rng, spec.channels)
        bid_type = _pick(rng, spec.bid_types)
        demand = logu(spec.demand)
        roi = logu(spec.roi)
        aov = round(logu(spec.aov), 2)
        budget = max(300.0, round(demand * uni(spec.budget_to_demand) / 100) * 100)
        bid: float | None
        if bid_type == "cpa":
            bid = round(aov / roi * rng.uniform(0.9, 1.1), 2)
            bid = min(bid, budget)
        elif bid_type == "roi":
            bid = round(roi * rng.uniform(0.85, 1.05), 2)
        else:
            bid = None
        words = {"qianchuan.live": _WORDS_LIVE, "qianchuan.search": _WORDS_SEARCH}.get(channel, _WORDS_VIDEO)
        name = f"{words[int(rng.integers(len(words)))]}-{_PRODUCTS[int(rng.integers(len(_PRODUCTS)))]}-{_GOALS[bid_type]}-{i + 1:03d}"
        start = (
            int(rng.integers(spec.launch_days[0], spec.launch_days[1] + 1)) if i in launch_idx else -history_days - 30
        )
        out.append(
            CampaignSpec(
                campaign_id=str(spec.id_start + i),
                name=name,
                channel=channel,
                bid_type=bid_type,
                budget=budget,
                bid=bid,
                status="paused" if i in paused_idx else "active",
                start_day=start,
                demand=round(demand, 2),
                roi=round(roi, 3),
                elasticity=round(uni(spec.elasticity), 3),
                cost_elasticity=round(uni(spec.cost_elasticity), 3),
                curvature=round(uni(spec.curvature), 3),
                headroom=round(uni(spec.headroom), 3),
                drift=round(uni(spec.drift), 4),
                roi_drift=round(uni(spec.roi_drift), 4),
                aov=aov,
                cpm=round(float(rng.uniform(20, 90)), 2),
                ctr=round(float(rng.uniform(0.005, 0.05)), 4),
            )
        )
    return out
