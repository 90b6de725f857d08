"""The fake Qianchuan platform's state and its endpoint logic (no HTTP here).

``FakeQianchuan`` holds the deterministic world of ``fake_data.build_world``
(accounts, standard and 全域 plans, daily results) and changes it as writes
arrive. ``handle(method, path,
query, body, headers)`` answers like the real API: the envelope, pagination
(``page_info``), rows without data omitted, 托管 plans left out of reports,
全域 ``stat_cost`` in 1/1000 fen, partial success on batch writes, the budget
and bid rules (``connectors.rules``), auth-code exchange, token expiry and
rotation, a QPS limit answered with 40100, and injected faults.

``fake_server.py`` puts it behind a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
import threading
import time
from collections import Counter
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from connectors.errors import PlatformRuleError
from connectors.qianchuan.fake.auth import FakeOAuth
from connectors.qianchuan.fake.data import (
    CENT,
    ApiFault,
    FakeAnswer,
    FakePlan,
    FakeSettings,
    build_world,
    cny,
    parse_params,
)
from connectors.qianchuan.fake.reports import FakeReports
from connectors.rules import PlatformRules, check_bid_update, check_budget_update

__all__ = ["FakeAnswer", "FakePlan", "FakeQianchuan", "FakeSettings"]

P = "/open_api/v1.0/qianchuan/"


class _Bucket:
    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate)
        self.tokens = self.capacity
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class FakeQianchuan(FakeOAuth, FakeReports):
    """State and endpoint logic of the fake platform. Thread-safe."""

    def __init__(self, settings: FakeSettings = FakeSettings(), rules: PlatformRules = PlatformRules()) -> None:
        self.settings = settings
        self.rules = rules
        self.today = settings.today or dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
        self._lock = threading.RLock()
        self._rng = random.Random(settings.seed * 7919 + 1)
        self._bucket = _Bucket(settings.qps_limit) if settings.qps_limit else None
        self.calls: Counter = Counter()  # path -> answered calls (faults included)
        self.faults: Counter = Counter()  # fault kind -> count
        self.rate_limited = 0
        self.applied: list[tuple[str, str, str]] = []  # (ad_id, field, value) per write the platform acted on
        self.received: list[tuple[str, str, str]] = []  # every write item that reached the platform's logic
        self.issued: list[str] = []  # every access and refresh token handed out (for leak tests)
        self.auth_codes: dict[str, float] = {}
        self.access: dict[str, dict[str, Any]] = {}
        self.refresh: dict[str, float] = {}
        self.clock_offset_s = 0.0
        self.first_call_at: float | None = None  # monotonic time of the first and latest call (benchmarks)
        self.last_call_at: float | None = None
        world = build_world(settings, self.today)
        self.shop_id, self.agent_id = world.shop_id, world.agent_id
        self.advertisers, self.plans, self.stats = world.advertisers, world.plans, world.stats
        self._by_advertiser = self._index(self.plans)
        self.call_times: list[float] = []  # monotonic time of every call (benchmarks: the QPS the server saw)

    # --- test controls ----------------------------------------------------

    def restate(self, days: int, factor: float) -> None:
        """Late conversions: grow GMV and orders of the last ``days`` days."""
        with self._lock:
            start = self.today - dt.timedelta(days=days - 1)
            for (_ad, day), row in self.stats.items():
                if day >= start:
                    row["gmv"] = cny(float(row["gmv"]) * factor)
                    row["gmv_7d"] = cny(float(row["gmv_7d"]) * factor)
                    row["orders"] = int(row["orders"]) + 1

    def reset(self) -> None:
        """A fresh day: plans and results as built from the settings, the write logs and fault counts
        emptied; the tokens handed out stay valid (benchmarks run many days on one authorization)."""
        with self._lock:
            world = build_world(self.settings, self.today)
            self.plans, self.stats = world.plans, world.stats
            self._by_advertiser = self._index(self.plans)  # the reads and writes go to the fresh plans
            self.applied.clear()
            self.received.clear()
            self.faults.clear()
            self.calls.clear()
            self.call_times.clear()

    @staticmethod
    def _index(plans: dict[Any, FakePlan]) -> dict[int, list[FakePlan]]:
        """Each advertiser's plans by ad_id (fast at 200 x 50)."""
        by_advertiser: dict[int, list[FakePlan]] = {}
        for plan in sorted(plans.values(), key=lambda p: p.ad_id):
            by_advertiser.setdefault(plan.advertiser_id, []).append(plan)
        return by_advertiser

    def busiest_window(self, seconds: float = 1.0) -> int:
        """The most calls the platform received within any ``seconds`` (a sliding window, (t - seconds, t])."""
        with self._lock:
            times = sorted(self.call_times)
        best, j = 0, 0
        for i, t in enumerate(times):
            while times[j] <= t - seconds:
                j += 1
            best = max(best, i - j + 1)
        return best

    # --- dispatch ---------------------------------------------------------

    def handle(
        self, method: str, path: str, query: dict[str, str], body: dict[str, Any] | None, headers: dict[str, str]
    ) -> FakeAnswer:
        with self._lock:
            self.calls[path] += 1
            stamp = time.monotonic()
            self.first_call_at = self.first_call_at or stamp
            self.last_call_at = stamp
            self.call_times.append(stamp)
            if self._bucket is not None and not self._bucket.take():
                self.rate_limited += 1
                return self._err(40100, "Too many requests. 请求过于频繁")
            if path.endswith("/oauth.html"):
                return self._auth_page(query)
            if path.startswith("/open_api/oauth2/") and path != "/open_api/oauth2/advertiser/get/":
                return self._oauth(path, body or {})
            token = (
                query.get("access_token") if path == "/open_api/oauth2/advertiser/get/" else headers.get("access-token")
            )
            problem = self._check_token(token)
            if problem:
                return problem
            fault = self._fault(path)
            slow = fault is not None and fault.status == -1
            if fault and not slow:
                return fault
            handler = self._routes().get((method, path))
            if handler is None:
                return FakeAnswer(
                    404, {"code": 40001, "message": f"unknown endpoint {path}", "request_id": self._rid()}
                )
            try:
                params = parse_params(query) if method == "GET" else (body or {})
                answer = handler(params)
            except ApiFault as exc:
                return self._err(exc.code, exc.message)
            if (
                method == "POST"
                and self.settings.fault_after_apply_rate
                and self._rng.random() < self.settings.fault_after_apply_rate
            ):
                self.faults["after_apply"] += 1
                return self._err(50000, "system error, please retry")
            if slow:
                return dataclasses.replace(answer, delay_s=self.settings.slow_s)
            return answer

    def _routes(self):
        return {
            ("GET", "/open_api/oauth2/advertiser/get/"): self._oauth_accounts,
            ("GET", P + "shop/advertiser/list/"): self._shop_advertisers,
            ("GET", "/open_api/2/agent/advertiser/select/"): self._agent_advertisers,
            ("GET", P + "ad/get/"): self._ad_get,
            ("GET", P + "uni_promotion/list/"): self._uni_list,
            ("GET", P + "report/ad/get/"): self._report_ad,
            ("GET", P + "report/uni_promotion/get/"): self._report_uni,
            ("GET", P + "ad/learing_status/get/"): self._learning,
            ("GET", P + "ad/compensate_status/get/"): self._compensate,
            ("POST", P + "ad/budget/update/"): lambda b: self._write(b, "data", "budget", "budget", "standard"),
            ("POST", P + "ad/bid/update/"): lambda b: self._write(b, "data", "bid", "bid", "standard"),
            ("POST", P + "roi/goal/update/"): lambda b: self._write(
                b, "roi_goal_updates", "roi_goal", "roi_goal", "standard"
            ),
            ("POST", P + "ad/status/update/"): lambda b: self._status(b, "standard"),
            ("POST", P + "uni_promotion/ad/budget/update/"): lambda b: self._write(
                b, "update_budget_infos", "budget", "budget", "uni"
            ),
            ("POST", P + "uni_promotion/ad/roi2_goal/update/"): lambda b: self._write(
                b, "update_roi2_infos", "roi2_goal", "roi_goal", "uni"
            ),
            ("POST", P + "uni_promotion/ad/status/update/"): lambda b: self._status(b, "uni"),
        }

    def _fault(self, path: str) -> FakeAnswer | None:
        s = self.settings
        if not s.fault_rate or self._rng.random() >= s.fault_rate:
            return None
        kind = self._rng.choice(s.fault_kinds)
        self.faults[kind] += 1
        if kind == "http503":
            return FakeAnswer(503, html="<html>503 Service Unavailable</html>")
        if kind == "drop":
            return FakeAnswer(0, drop=True)
        if kind == "slow":
            return FakeAnswer(-1)  # marker: act, then answer late
        if kind == "40100":
            return self._err(40100, "Too many requests")
        if kind == "40110":
            return self._err(40110, "developer rate limit")
        return self._err(50000, "system error, please retry")

    # --- reads ------------------------------------------------------------

    def _advertiser(self, params: dict[str, Any]) -> int:
        try:
            adv = int(params.get("advertiser_id", ""))
        except (TypeError, ValueError):
            raise ApiFault(40001, "advertiser_id is required") from None
        if adv not in self.advertisers:
            raise ApiFault(40002, f"Account {adv} doesn't exist or the role is wrong")
        return adv

    def _page(self, items: list[Any], params: dict[str, Any], key: str = "list", default_size: int = 10) -> FakeAnswer:
        page = int(params.get("page") or 1)
        size = int(params.get("page_size") or default_size)
        if page < 1 or not 1 <= size <= self.settings.max_page_size:
            raise ApiFault(40001, f"page_size must be within 1-{self.settings.max_page_size}")
        total_page = math.ceil(len(items) / size) if items else 0
        chunk = items[(page - 1) * size : page * size]
        return self._ok(
            {
                key: chunk,
                "page_info": {"page": page, "page_size": size, "total_number": len(items), "total_page": total_page},
            }
        )

    def _oauth_accounts(self, params: dict[str, Any]) -> FakeAnswer:
        if str(params.get("app_id")) != self.settings.app_id or params.get("secret") != self.settings.app_secret:
            raise ApiFault(40101, "invalid app_id or secret")
        return self._ok(
            {
                "list": [
                    {
                        "account_id": self.shop_id,
                        "account_name": "测试小店",
                        "account_type": "PLATFORM_ROLE_SHOP_ACCOUNT",
                        "is_valid": True,
                    },
                    {
                        "account_id": self.agent_id,
                        "account_name": "测试代理商",
                        "account_type": "PLATFORM_ROLE_QIANCHUAN_AGENT",
                        "is_valid": True,
                    },
                ]
            }
        )

    def _children(self, parent: int) -> list[int]:
        return [adv for adv, info in sorted(self.advertisers.items()) if info["parent"] == parent]

    def _shop_advertisers(self, params: dict[str, Any]) -> FakeAnswer:
        if int(params.get("shop_id") or 0) != self.shop_id:
            raise ApiFault(40002, "no permission for this shop")
        return self._page(self._children(self.shop_id), params)

    def _agent_advertisers(self, params: dict[str, Any]) -> FakeAnswer:
        if int(params.get("advertiser_id") or 0) != self.agent_id:
            raise ApiFault(40002, "no permission for this agent")
        return self._page(self._children(self.agent_id), params, default_size=100)

    def _plan_json(self, p: FakePlan) -> dict[str, Any]:
        return {
            "ad_id": p.ad_id,
            "campaign_id": p.ad_id // 1000,
            "name": p.name,
            "marketing_goal": p.goal,
            "marketing_scene": p.scene,
            "campaign_scene": "DAILY_SALE",
            "status": p.status,
            "opt_status": p.opt_status,
            "lab_ad_type": "LAB_AD" if p.lab_ad else "NOT_LAB_AD",
            "ad_create_time": f"{p.created.isoformat()} 10:00:00",
            "delivery_setting": {
                "smart_bid_type": p.smart_bid_type,
                "external_action": "AD_CONVERT_TYPE_LIVE_SUCCESSORDER_PAY"
                if p.goal == "LIVE_PROM_GOODS"
                else "AD_CONVERT_TYPE_SHOPPING",
                "deep_external_action": p.deep_external_action,
                "deep_bid_type": "MIN" if p.roi_goal is not None else "",
                "budget_mode": p.budget_mode,
                "budget": float(p.budget),
                "cpa_bid": float(p.cpa_bid) if p.cpa_bid is not None else 0,
                "roi_goal": float(p.roi_goal) if p.roi_goal is not None else 0,
            },
        }

    def _ad_get(self, params: dict[str, Any]) -> FakeAnswer:
        adv = self._advertiser(params)
        filtering = params.get("filtering")
        if not isinstance(filtering, dict) or filtering.get("marketing_goal") not in (
            "VIDEO_PROM_GOODS",
            "LIVE_PROM_GOODS",
        ):
            raise ApiFault(40001, "filtering.marketing_goal is required: VIDEO_PROM_GOODS or LIVE_PROM_GOODS")
        scene = filtering.get("marketing_scene") or "FEED"
        ids = {int(i) for i in filtering.get("ids") or []}
        if len(ids) > 100:
            raise ApiFault(40001, "filtering.ids takes at most 100 ids")
        plans = [
            self._plan_json(p)
            for p in self._by_advertiser.get(adv, [])
            if p.kind == "standard"
            and p.goal == filtering["marketing_goal"]
            and (scene == "ALL" or p.scene == scene)
            and (not ids or p.ad_id in ids)
        ]
        return self._page(plans, params)

    def _uni_list(self, params: dict[str, Any]) -> FakeAnswer:
        adv = self._advertiser(params)
        goal = params.get("marketing_goal")
        if (
            goal not in ("VIDEO_PROM_GOODS", "LIVE_PROM_GOODS")
            or not params.get("start_time")
            or not params.get("fields")
        ):
            raise ApiFault(40001, "marketing_goal, start_time, end_time and fields are required")
        if int(params.get("page_size") or 10) not in (10, 20, 50, 100, 200):
            raise ApiFault(40001, "page_size must be one of 10, 20, 50, 100, 200")
        items = []
        for p in self._by_advertiser.get(adv, []):
            if p.kind != "uni" or p.goal != goal:
                continue
            row = self.stats.get((p.ad_id, self.today)) or {}
            items.append(
                {
                    "ad_info": {
                        "id": p.ad_id,
                        "name": p.name,
                        "status": p.status,
                        "opt_status": p.opt_status,
                        "budget": float(p.budget),
                        "budget_mode": p.budget_mode,
                        "roi2_goal": float(p.roi_goal) if p.roi_goal is not None else 0,
                        "smart_bid_type": p.smart_bid_type,
                        "deep_external_action": p.deep_external_action,
                        "create_time": f"{p.created.isoformat()} 10:00:00",
                    },
                    "stats_info": {"stat_cost": int(Decimal(row.get("spend", 0)) * 100000)},
                }
            )
        return self._page(items, params, key="ad_list")

    def _ids(self, params: dict[str, Any], adv: int, limit: int) -> list[FakePlan]:
        ids = params.get("ad_ids")
        if not isinstance(ids, list) or not ids or len(ids) > limit:
            raise ApiFault(40001, f"ad_ids takes 1-{limit} ids")
        return [self.plans[int(i)] for i in ids if int(i) in self.plans and self.plans[int(i)].advertiser_id == adv]

    def _learning(self, params: dict[str, Any]) -> FakeAnswer:
        adv = self._advertiser(params)
        out = []
        for p in self._ids(params, adv, 50):
            age = (self.today - p.created).days
            status = "LEARNING" if age < 3 else ("LEARN_FAILED" if p.ad_id % 17 == 0 else "LEARNED")
            out.append({"ad_id": p.ad_id, "status": status})
        return self._ok({"list": out})

    def _compensate(self, params: dict[str, Any]) -> FakeAnswer:
        adv = self._advertiser(params)
        out = []
        for p in self._ids(params, adv, 50):
            age = (self.today - p.created).days
            status = (
                "IN_EFFECT"
                if age < 3 and p.smart_bid_type == "SMART_BID_CUSTOM"
                else ("ENDED" if age < 30 else "DEFAULT")
            )
            out.append({"ad_id": p.ad_id, "status": "SUCCESS", "compensate_status": status, "reason": "", "url": ""})
        return self._ok({"list": out})

    # --- writes -----------------------------------------------------------

    def _write(self, body: dict[str, Any], list_key: str, value_key: str, attr: str, kind: str) -> FakeAnswer:
        adv = self._advertiser(body)
        items = body.get(list_key)
        limit = 1 if list_key == "roi_goal_updates" else 10
        if not isinstance(items, list) or not items or len(items) > limit:
            raise ApiFault(40001, f"{list_key} takes 1-{limit} items")
        done: list[int] = []
        errors: list[dict[str, Any]] = []
        results: list[dict[str, Any]] = []
        for item in items:
            ad_id = int(item.get("ad_id"))
            value = Decimal(str(item.get(value_key)))
            error = self._apply(adv, ad_id, attr, value, kind)
            if list_key == "roi_goal_updates":
                results.append({"ad_id": ad_id, "flag": error is None, "error_message": error or ""})
            elif error is None:
                done.append(ad_id)
            else:
                errors.append({"ad_id": ad_id, "error_message": error})
        return self._ok({"results": results} if list_key == "roi_goal_updates" else {"ad_ids": done, "errors": errors})

    def _apply(self, adv: int, ad_id: int, attr: str, value: Decimal, kind: str) -> str | None:
        self.received.append((str(ad_id), attr, str(value.quantize(CENT))))
        p = self.plans.get(ad_id)
        if p is None or p.advertiser_id != adv or p.kind != kind:
            return "计划不存在 (plan not found)"
        if p.status == "AUDIT":
            return "计划审核中，不可修改 (plan under review)"
        if p.lab_ad:
            return "托管计划不支持修改 (auto-managed plan)"
        try:
            if attr == "budget":
                spend = self.stats.get((ad_id, self.today), {}).get("spend", Decimal(0))
                bid = p.cpa_bid if p.roi_goal is None else None
                check_budget_update(
                    str(ad_id),
                    p.budget,
                    value,
                    spend_today=Decimal(spend),
                    changes_today=p.budget_changes[self.today],
                    bid=bid,
                    bid_type="cpa" if bid is not None else "none",
                    rules=self.rules,
                )
                p.budget = value
                p.budget_changes[self.today] += 1
            elif attr == "bid":
                if p.cpa_bid is None:
                    return "该计划不是控成本出价 (not a cost-cap plan)"
                check_bid_update(str(ad_id), "cpa", value, budget=p.budget, rules=self.rules)
                p.cpa_bid = value
            else:
                if p.roi_goal is None:
                    return "该计划不是支付ROI出价 (not a ROI plan)"
                check_bid_update(str(ad_id), "roi", value, budget=p.budget, rules=self.rules)
                p.roi_goal = value
        except PlatformRuleError as exc:
            return str(exc)
        self.applied.append((str(ad_id), attr, str(value.quantize(CENT))))
        return None

    def _status(self, body: dict[str, Any], kind: str) -> FakeAnswer:
        adv = self._advertiser(body)
        ids = body.get("ad_ids")
        status = body.get("opt_status")
        if not isinstance(ids, list) or not ids or len(ids) > 10 or status not in ("ENABLE", "DISABLE", "DELETE"):
            raise ApiFault(40001, "ad_ids (1-10) and opt_status ENABLE/DISABLE/DELETE are required")
        done, errors = [], []
        for raw in ids:
            self.received.append((str(raw), "status", str(status)))
            p = self.plans.get(int(raw))
            if p is None or p.advertiser_id != adv or p.kind != kind:
                errors.append({"ad_id": int(raw), "error_message": "计划不存在 (plan not found)"})
            elif p.opt_status == "DELETE":
                errors.append({"ad_id": p.ad_id, "error_message": "已删除的计划不能修改状态 (deleted)"})
            else:
                p.opt_status = status
                p.status = {"ENABLE": "DELIVERY_OK", "DISABLE": "DISABLE", "DELETE": "DELETE"}[status]
                self.applied.append((str(p.ad_id), "status", status))
                done.append(p.ad_id)
        return self._ok({"ad_ids": done, "errors": errors})
