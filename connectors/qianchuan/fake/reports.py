"""The fake platform's report endpoints: daily rows of standard and 全域 plans.

A mixin of ``FakeQianchuan`` (it shares its settings, plans and daily results):
``report/ad/get`` answers the fields asked for per plan and day, ``report/uni_promotion``
(全域) reports ``stat_cost`` in 1/1000 fen; rows without data are omitted, 托管 (lab)
plans left out, and a date span beyond ``max_report_days`` is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from connectors.qianchuan.fake.data import ApiFault, FakeAnswer, FakePlan, FakeSettings

__all__ = ["FakeReports"]


class FakeReports:
    settings: FakeSettings
    plans: dict[int, FakePlan]
    stats: dict[tuple[int, dt.date], dict[str, Decimal | int]]
    _advertiser: Callable[[dict[str, Any]], int]  # FakeQianchuan's: the account a call names, checked
    _page: Callable[..., FakeAnswer]  # FakeQianchuan's: one page of a list answer

    def _span(self, params: dict[str, Any]) -> tuple[dt.date, dt.date]:
        try:
            start = dt.date.fromisoformat(str(params.get("start_date")))
            end = dt.date.fromisoformat(str(params.get("end_date")))
        except ValueError:
            raise ApiFault(40001, "start_date and end_date are required (YYYY-MM-DD)") from None
        if end < start or (end - start).days + 1 > self.settings.max_report_days:
            raise ApiFault(40001, f"the date span must be 1-{self.settings.max_report_days} days")
        return start, end

    def _report_rows(self, adv: int, kind: str, goal: str, start: dt.date, end: dt.date, ad_ids: set[int]):
        out = []
        day = start
        plans = [
            p
            for p in sorted(self.plans.values(), key=lambda p: p.ad_id)
            if p.advertiser_id == adv
            and p.kind == kind
            and not p.lab_ad
            and (goal == "ALL" or p.goal == goal)
            and (not ad_ids or p.ad_id in ad_ids)
        ]
        while day <= end:
            for p in plans:
                row = self.stats.get((p.ad_id, day))
                if row is not None:  # rows with no data are omitted
                    out.append((p, day, row))
            day += dt.timedelta(days=1)
        return out

    def _report_ad(self, params: dict[str, Any]) -> FakeAnswer:
        adv = self._advertiser(params)
        start, end = self._span(params)
        fields = params.get("fields")
        filtering = params.get("filtering")
        if not isinstance(fields, list) or not isinstance(filtering, dict) or not filtering.get("marketing_goal"):
            raise ApiFault(40001, "fields and filtering.marketing_goal are required")
        names = {
            "stat_cost": "spend",
            "pay_order_amount": "gmv",
            "pay_order_count": "orders",
            "all_order_pay_gmv_7days": "gmv_7d",
            "all_order_pay_count_7days": "orders_7d",
            "show_cnt": "shows",
            "click_cnt": "clicks",
        }
        rows = []
        for p, day, row in self._report_rows(
            adv, "standard", filtering["marketing_goal"], start, end, {int(i) for i in filtering.get("ad_ids") or []}
        ):
            item = {"advertiser_id": adv, "ad_id": p.ad_id, "stat_datetime": f"{day.isoformat()} 00:00:00"}
            for f in fields:
                if f in names:
                    value = row[names[f]]
                    item[f] = float(value) if isinstance(value, Decimal) else value
            rows.append(item)
        return self._page(rows, params, default_size=20)

    def _report_uni(self, params: dict[str, Any]) -> FakeAnswer:
        adv = self._advertiser(params)
        start, end = self._span(params)
        fields = params.get("fields")
        filtering = params.get("filtering") or {}
        goal = filtering.get("marketing_goal")
        if not isinstance(fields, list) or goal not in ("VIDEO_PROM_GOODS", "LIVE_PROM_GOODS"):
            raise ApiFault(40001, "fields and filtering.marketing_goal are required")
        rows = []
        for p, day, row in self._report_rows(adv, "uni", goal, start, end, set()):
            item = {"advertiser_id": adv, "ad_id": p.ad_id, "stat_datetime": f"{day.isoformat()} 00:00:00"}
            for f in fields:
                if f == "stat_cost":
                    item[f] = int(Decimal(row["spend"]) * 100000)  # 1/1000 fen
                elif f == "total_pay_order_gmv_for_roi2":
                    item[f] = float(row["gmv"])
                elif f == "total_pay_order_count_for_roi2":
                    item[f] = row["orders"]
            rows.append(item)
        return self._page(rows, params, default_size=20)
