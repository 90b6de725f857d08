"""The fake Qianchuan platform's data: its settings, plans and daily results.

``build_world(settings, today)`` makes one shop and one agent account, their
Qianchuan advertisers (16-digit ids), standard plans of both marketing goals
and scenes (some 托管, some under review, some paused) and 全域 plans (19-digit
ids, Chinese names), and ``history_days`` of daily results up to ``today``,
all from ``settings.seed``. Days without activity have no row, as in the real
report. ``fake_world.FakeQianchuan`` serves it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ApiFault",
    "FakeAnswer",
    "FakePlan",
    "FakeSettings",
    "World",
    "build_world",
    "cny",
    "day_row",
    "parse_params",
]

CENT = Decimal("0.01")


class FakeSettings(BaseModel):
    """The fake platform's world and behaviour."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = Field(7, description="same seed, same world")
    accounts: int = Field(3, ge=1, le=200, description="Qianchuan advertisers (half under a shop, half under an agent)")
    plans_per_account: int = Field(200, ge=0, le=20_000, description="standard plans per advertiser")
    uni_plans_per_account: int = Field(4, ge=0, le=1000, description="全域推广 plans per advertiser")
    lab_ad_share: float = Field(0.03, ge=0, le=1, description="share of standard plans that are 托管")
    history_days: int = Field(60, ge=1, le=400, description="days of results before today")
    today: dt.date | None = Field(None, description="the platform's today (Asia/Shanghai); absent = now")
    app_id: str = Field("1800000000000001")
    app_secret: str = Field("fake-app-secret", description="the secret the fake app expects")
    access_ttl_s: float = Field(86_399, gt=0, description="access-token lifetime (s)")
    refresh_ttl_s: float = Field(2_591_999, gt=0, description="refresh-token lifetime (s)")
    expire_access_after_calls: int | None = Field(None, ge=1, description="an access token dies after this many calls")
    qps_limit: float | None = Field(None, gt=0, description="app-wide QPS above which calls answer 40100")
    latency_s: float = Field(0.0, ge=0, description="added to every answer (s)")
    write_latency_s: float = Field(
        0.0, ge=0, description="added to every POST answer (the writes), after the platform acted on it (s)"
    )
    fault_rate: float = Field(0.0, ge=0, le=1, description="share of business calls failing retriably before acting")
    fault_kinds: tuple[str, ...] = Field(
        ("50000", "http503", "40100", "40110", "drop"),
        description="faults to draw from; 'slow' answers (after acting) only after slow_s, to trip the client's timeout",
    )
    slow_s: float = Field(2.0, ge=0, description="delay of a 'slow' fault (s)")
    fault_after_apply_rate: float = Field(0.0, ge=0, le=1, description="share of writes that act, then answer 50000")
    max_page_size: int = Field(1000, ge=1)
    max_report_days: int = Field(30, ge=1)


@dataclass
class FakePlan:
    advertiser_id: int
    ad_id: int
    name: str
    kind: str  # standard | uni
    goal: str
    scene: str
    status: str
    opt_status: str
    budget: Decimal
    budget_mode: str
    smart_bid_type: str
    deep_external_action: str
    cpa_bid: Decimal | None
    roi_goal: Decimal | None
    lab_ad: bool
    created: dt.date
    budget_changes: Counter = field(default_factory=Counter)


@dataclass(frozen=True)
class FakeAnswer:
    """What the HTTP layer sends: a status, a JSON body (or a redirect/HTML), or a dropped connection."""

    status: int
    body: dict[str, Any] | None = None
    html: str | None = None
    location: str | None = None
    drop: bool = False
    delay_s: float = 0.0


def cny(x: float) -> Decimal:
    return Decimal(str(x)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class World:
    shop_id: int
    agent_id: int
    advertisers: dict[int, dict[str, Any]]
    plans: dict[int, FakePlan]
    stats: dict[tuple[int, dt.date], dict[str, Decimal | int]]


def build_world(s: FakeSettings, today: dt.date) -> World:
    """Accounts, plans and daily rows for ``s``: the same seed gives the same world."""
    rng = random.Random(s.seed)
    shop_id = 1_710_000_000_000_000 + s.seed
    agent_id = 1_720_000_000_000_000 + s.seed
    advertisers: dict[int, dict[str, Any]] = {}
    plans: dict[int, FakePlan] = {}
    n_shop = math.ceil(s.accounts / 2)
    for a in range(s.accounts):
        adv = 1_730_000_000_000_000 + s.seed * 1000 + a
        parent = shop_id if a < n_shop else agent_id
        advertisers[adv] = {"parent": parent, "name": f"千川账户{a + 1:02d}"}
        for k in range(s.plans_per_account + s.uni_plans_per_account):
            uni = k >= s.plans_per_account
            ad_id = 7_300_000_000_000_000_000 + s.seed * 10_000_000 + a * 100_000 + k
            live = rng.random() < 0.5
            goal = "LIVE_PROM_GOODS" if live else "VIDEO_PROM_GOODS"
            scene = "ALL" if uni else ("SEARCH" if rng.random() < 0.15 else "FEED")
            r = rng.random()
            bid_kind = "roi" if uni else ("none" if r < 0.2 else "roi" if r < 0.6 else "cpa")
            budget = cny(rng.randrange(3, 60) * 100 + (rng.choice([0, 0, 0, 0.5, 88.8])))
            status_draw = rng.random()
            status, opt = ("DELIVERY_OK", "ENABLE")
            if status_draw < 0.08:
                status, opt = ("DISABLE", "DISABLE")
            elif status_draw < 0.12:
                status, opt = ("OFFLINE_BUDGET", "ENABLE")
            elif status_draw < 0.14:
                status, opt = ("AUDIT", "ENABLE")
            created = today - dt.timedelta(days=rng.randrange(0, s.history_days + 30))
            label = ("全域推直播" if live else "全域推商品") if uni else ("直播带货" if live else "短视频带货")
            plans[ad_id] = FakePlan(
                advertiser_id=adv,
                ad_id=ad_id,
                name=f"{label}·{'搜索' if scene == 'SEARCH' else '计划'}{k + 1:04d}",
                kind="uni" if uni else "standard",
                goal=goal,
                scene=scene,
                status=status,
                opt_status=opt,
                budget=budget,
                budget_mode="BUDGET_MODE_DAY",
                smart_bid_type="SMART_BID_CONSERVATIVE" if bid_kind == "none" else "SMART_BID_CUSTOM",
                deep_external_action="AD_CONVERT_TYPE_LIVE_PAY_ROI" if bid_kind == "roi" else "",
                cpa_bid=cny(rng.uniform(20, 150)) if bid_kind == "cpa" else None,
                roi_goal=cny(rng.uniform(1.5, 4.0)) if bid_kind == "roi" else None,
                lab_ad=(not uni) and rng.random() < s.lab_ad_share,
                created=created,
            )
    stats: dict[tuple[int, dt.date], dict[str, Decimal | int]] = {}
    for plan in plans.values():
        day = max(plan.created, today - dt.timedelta(days=s.history_days))
        while day <= today:
            row = day_row(s.seed, plan, day, today)
            if row is not None:
                stats[(plan.ad_id, day)] = row
            day += dt.timedelta(days=1)
    return World(shop_id, agent_id, advertisers, plans, stats)


def day_row(seed: int, plan: FakePlan, day: dt.date, today: dt.date) -> dict[str, Decimal | int] | None:
    """One plan-day of results, or ``None`` for a day without activity (the report omits it)."""
    rng = random.Random(f"{seed}:{plan.ad_id}:{day.isoformat()}")
    if plan.opt_status != "ENABLE" or plan.status == "AUDIT" or rng.random() < 0.15:
        return None
    share = rng.uniform(0.15, 1.0) * (0.5 if day == today else 1.0)
    spend = cny(float(plan.budget) * share)
    roi = rng.uniform(0.8, 4.5)
    gmv = cny(float(spend) * roi)
    price = rng.uniform(40, 260)
    orders = int(float(gmv) // price)
    shows = int(float(spend) * rng.uniform(20, 60))
    return {
        "spend": spend,
        "gmv": gmv,
        "orders": orders,
        "gmv_7d": cny(float(gmv) * rng.uniform(1.0, 1.3)),
        "orders_7d": orders + rng.randrange(0, 3),
        "shows": shows,
        "clicks": int(shows * rng.uniform(0.01, 0.05)),
    }


class ApiFault(Exception):
    """An endpoint refuses a request with a Qianchuan error code."""

    def __init__(self, code: int, message: str) -> None:
        self.code = code
        self.message = message


def parse_params(query: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in query.items():
        if value[:1] in "[{":
            try:
                out[key] = json.loads(value)
                continue
            except ValueError:
                raise ApiFault(40001, f"{key} is not valid JSON") from None
        out[key] = value
    return out
