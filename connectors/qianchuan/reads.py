"""Reads: accounts, plans, daily reports and per-plan status, as platform records.

Every function takes an open ``ApiClient`` and returns plain, validated
records (``Plan``, ``ReportRow``); the mapping onto spendopt's
``CampaignState`` / ``DailyStat`` happens in ``connector.py``.

- (which advertisers: ``connectors.qianchuan.discover``)
- ``list_plans``: ``qianchuan/ad/get`` once per marketing goal with
  ``marketing_scene=ALL`` (the default ``FEED`` hides search plans), plus
  ``qianchuan/uni_promotion/list`` for 全域推广 plans.
- ``report_rows``: ``qianchuan/report/ad/get`` (``marketing_goal=ALL``, daily)
  and ``qianchuan/report/uni_promotion/get`` (``stat_cost`` in 1/1000 fen,
  converted to CNY here), in spans of at most ``max_report_span_days``.
  Rows with no data are omitted by the platform; a failed call raises, so the
  caller never mistakes a failure for a quiet day; an unreadable row is
  skipped, logged and listed in ``Report.skipped`` (unknown, not zero).
- ``plan_status``: learning status and cost-guarantee status, 50 plans a call.

Money is ``Decimal`` in CNY with 2 places; ids are ``str``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal

from connectors.errors import SkippableError
from connectors.qianchuan.pages import all_pages, gather_all
from connectors.qianchuan.settings import GMV_FIELDS, QianchuanSettings
from connectors.qianchuan.transport import ApiClient

__all__ = [
    "Plan",
    "PlanStatus",
    "Report",
    "ReportRow",
    "date_spans",
    "list_plans",
    "money",
    "plan_status",
    "report_rows",
]

log = logging.getLogger("spendopt.qianchuan")

P = "/open_api/v1.0/qianchuan/"
CENT = Decimal("0.01")
MILLI_FEN_PER_CNY = Decimal(100000)


def money(value: Any, *, divisor: Decimal = Decimal(1), what: str = "amount") -> Decimal:
    """A platform amount as CNY with 2 places; missing = 0, junk = ``SkippableError``."""
    if value is None or value == "":
        return Decimal("0.00")
    try:
        amount = Decimal(str(value)) / divisor
    except InvalidOperation:
        raise SkippableError(f"{what} {value!r} is not a number") from None
    if not amount.is_finite() or amount < 0:
        raise SkippableError(f"{what} {value!r} is not a finite, non-negative number")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _count(value: Any, what: str) -> int:
    if value is None or value == "":
        return 0
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise SkippableError(f"{what} {value!r} is not a number") from None
    if number < 0 or number != number.to_integral_value():
        raise SkippableError(f"{what} {value!r} is not a whole non-negative number")
    return int(number)


@dataclass(frozen=True)
class Plan:
    """One plan as the platform lists it (standard ``ad/get`` or 全域 ``uni_promotion/list``)."""

    advertiser_id: str
    ad_id: str
    name: str
    kind: Literal["standard", "uni"]
    marketing_goal: str
    marketing_scene: str
    status: str
    opt_status: str
    budget_mode: str
    budget: Decimal | None
    smart_bid_type: str
    deep_external_action: str
    cpa_bid: Decimal | None
    roi_goal: Decimal | None
    lab_ad_type: str
    create_date: dt.date | None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class ReportRow:
    """One plan-day of a report, in CNY."""

    advertiser_id: str
    ad_id: str
    date: dt.date
    spend: Decimal
    gmv: Decimal
    orders: int
    impressions: int | None
    clicks: int | None
    kind: Literal["standard", "uni"]


@dataclass(frozen=True)
class Report:
    """A report's rows, and the rows it had to skip as unreadable ``(ad_id, date or None)``:
    those are unknown, not quiet days, so nobody may fill them with zeros."""

    rows: list[ReportRow]
    skipped: list[tuple[str, dt.date | None]] = field(default_factory=list)


@dataclass(frozen=True)
class PlanStatus:
    ad_id: str
    learning: str | None
    compensate: str | None
    compensate_reason: str | None


def date_spans(start: dt.date, end: dt.date, max_days: int) -> list[tuple[dt.date, dt.date]]:
    """``[start, end]`` cut into spans of at most ``max_days`` days."""
    spans = []
    cursor = start
    while cursor <= end:
        stop = min(end, cursor + dt.timedelta(days=max_days - 1))
        spans.append((cursor, stop))
        cursor = stop + dt.timedelta(days=1)
    return spans


# --- plans -------------------------------------------------------------------


def _decimal_or_none(value: Any) -> Decimal | None:
    if value is None or value == "" or value == 0:
        return None
    return money(value)


def _date_or_none(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _standard_plan(advertiser_id: str, item: dict[str, Any]) -> Plan:
    ds = item.get("delivery_setting") or {}
    roi = ds.get("roi_goal")
    return Plan(
        advertiser_id=advertiser_id,
        ad_id=str(item["ad_id"]),
        name=str(item.get("name") or ""),
        kind="standard",
        marketing_goal=str(item.get("marketing_goal") or ""),
        marketing_scene=str(item.get("marketing_scene") or "FEED"),
        status=str(item.get("status") or ""),
        opt_status=str(item.get("opt_status") or ""),
        budget_mode=str(ds.get("budget_mode") or "BUDGET_MODE_DAY"),
        budget=_decimal_or_none(ds.get("budget")),
        smart_bid_type=str(ds.get("smart_bid_type") or ""),
        deep_external_action=str(ds.get("deep_external_action") or ""),
        cpa_bid=_decimal_or_none(ds.get("cpa_bid")),
        roi_goal=_decimal_or_none(roi),
        lab_ad_type=str(item.get("lab_ad_type") or "NOT_LAB_AD"),
        create_date=_date_or_none(item.get("ad_create_time")),
        raw=item,
    )


def _uni_plan(advertiser_id: str, goal: str, item: dict[str, Any]) -> Plan:
    info = item.get("ad_info") or item
    return Plan(
        advertiser_id=advertiser_id,
        ad_id=str(info["id"]),
        name=str(info.get("name") or ""),
        kind="uni",
        marketing_goal=goal,
        marketing_scene="ALL",
        status=str(info.get("status") or ""),
        opt_status=str(info.get("opt_status") or ""),
        budget_mode=str(info.get("budget_mode") or "BUDGET_MODE_DAY"),
        budget=_decimal_or_none(info.get("budget")),
        smart_bid_type=str(info.get("smart_bid_type") or ""),
        deep_external_action=str(info.get("deep_external_action") or ""),
        cpa_bid=None,
        roi_goal=_decimal_or_none(info.get("roi2_goal")),
        lab_ad_type="NOT_LAB_AD",
        create_date=_date_or_none(info.get("create_time")),
        raw=item,
    )


async def list_plans(
    client: ApiClient,
    advertiser_id: str,
    today: dt.date,
    *,
    ids: list[str] | None = None,
    goals: tuple[str, ...] | None = None,
) -> list[Plan]:
    """Every plan of the advertiser: both goals, all scenes, and 全域 plans.

    ``ids`` narrows the standard listing to those plans (at most 100 per call)."""
    s = client.settings
    goals = goals or s.marketing_goals
    path = P + "ad/get/"

    async def standard(goal: str, id_chunk: list[str] | None) -> list[Plan]:
        filtering: dict[str, Any] = {"marketing_goal": goal, "marketing_scene": "ALL"}
        if id_chunk:
            filtering["ids"] = [int(i) if i.isdigit() else i for i in id_chunk]

        async def fetch(page: int):
            r = await client.get(
                path,
                {"advertiser_id": advertiser_id, "filtering": filtering, "page": page, "page_size": s.page_size},
                account=advertiser_id,
            )
            return r.data, r.request_id

        got = await all_pages(fetch, endpoint=path, max_pages=s.max_pages)
        return [_standard_plan(advertiser_id, row) for page in got for row in page.rows]

    async def uni(goal: str) -> list[Plan]:
        upath = P + "uni_promotion/list/"
        day = today.isoformat()

        async def fetch(page: int):
            r = await client.get(
                upath,
                {
                    "advertiser_id": advertiser_id,
                    "start_time": f"{day} 00:00:00",
                    "end_time": f"{day} 23:59:59",
                    "marketing_goal": goal,
                    "fields": ["stat_cost"],
                    "page": page,
                    "page_size": s.uni_page_size,
                },
                account=advertiser_id,
            )
            return r.data, r.request_id

        got = await all_pages(fetch, endpoint=upath, rows_key="ad_list", max_pages=s.max_pages)
        return [_uni_plan(advertiser_id, goal, row) for page in got for row in page.rows]

    jobs = []
    chunks: list[list[str] | None] = [ids[i : i + 100] for i in range(0, len(ids), 100)] if ids else [None]
    for goal in goals:
        for chunk in chunks:
            jobs.append(standard(goal, chunk))
        if s.include_uni and ids is None:
            jobs.append(uni(goal))
    results = await gather_all(jobs)
    plans: dict[str, Plan] = {}
    for batch in results:
        for plan in batch:
            plans.setdefault(plan.ad_id, plan)
    return list(plans.values())


# --- reports -----------------------------------------------------------------

STANDARD_FIELDS = ("stat_cost", "show_cnt", "click_cnt")


async def report_rows(client: ApiClient, advertiser_id: str, start: dt.date, end: dt.date) -> Report:
    """Daily plan rows for ``[start, end]``: standard and 全域, in CNY. A row
    with a bad value is skipped and logged with its request_id (skippable)."""
    s = client.settings
    gmv_field, orders_field = GMV_FIELDS.get(s.gmv_basis, GMV_FIELDS["direct_pay"])
    jobs = []
    for lo, hi in date_spans(start, end, s.max_report_span_days):
        jobs.append(_standard_report(client, advertiser_id, lo, hi, gmv_field, orders_field))
        if s.include_uni:
            for goal in s.marketing_goals:
                jobs.append(_uni_report(client, advertiser_id, lo, hi, goal))
    out = Report([])
    for part in await gather_all(jobs):
        out.rows.extend(part.rows)
        out.skipped.extend(part.skipped)
    return out


def _convert(page, make, out: Report) -> None:
    for row in page.rows:
        try:
            out.rows.append(make(row))
        except (SkippableError, KeyError) as exc:
            ad_id = str(row.get("ad_id")) if isinstance(row, dict) else "?"
            try:
                day: dt.date | None = _row_date(row)
            except SkippableError:
                day = None
            log.warning("skipping report row of plan %s on %s: %s (request_id %s)", ad_id, day, exc, page.request_id)
            out.skipped.append((ad_id, day))


async def _report_pages(client: ApiClient, path: str, params: dict[str, Any], advertiser_id: str):
    s = client.settings

    async def fetch(page: int):
        r = await client.get(path, {**params, "page": page, "page_size": s.page_size}, account=advertiser_id)
        return r.data, r.request_id

    return await all_pages(fetch, endpoint=path, max_pages=s.max_pages)


def _row_date(row: dict[str, Any]) -> dt.date:
    value = row.get("stat_datetime") or row.get("stat_time_day") or row.get("date")
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise SkippableError(f"report row has no valid stat_datetime ({value!r})") from None


async def _standard_report(client, advertiser_id, lo, hi, gmv_field, orders_field) -> Report:
    path = P + "report/ad/get/"
    params = {
        "advertiser_id": advertiser_id,
        "start_date": lo.isoformat(),
        "end_date": hi.isoformat(),
        "fields": [*STANDARD_FIELDS, gmv_field, orders_field],
        "filtering": {"marketing_goal": "ALL", "marketing_scene": "ALL"},
        "time_granularity": "TIME_GRANULARITY_DAILY",
    }

    def make(row: dict[str, Any]) -> ReportRow:
        return ReportRow(
            advertiser_id=advertiser_id,
            ad_id=str(row["ad_id"]),
            date=_row_date(row),
            spend=money(row.get("stat_cost"), what="stat_cost"),
            gmv=money(row.get(gmv_field), what=gmv_field),
            orders=_count(row.get(orders_field), orders_field),
            impressions=_count(row.get("show_cnt"), "show_cnt") if "show_cnt" in row else None,
            clicks=_count(row.get("click_cnt"), "click_cnt") if "click_cnt" in row else None,
            kind="standard",
        )

    out = Report([])
    for page in await _report_pages(client, path, params, advertiser_id):
        _convert(page, make, out)
    return out


async def _uni_report(client, advertiser_id, lo, hi, goal) -> Report:
    s: QianchuanSettings = client.settings
    path = P + "report/uni_promotion/get/"
    params = {
        "advertiser_id": advertiser_id,
        "start_date": lo.isoformat(),
        "end_date": hi.isoformat(),
        "fields": ["stat_cost", s.uni_gmv_field, s.uni_orders_field],
        "filtering": {"marketing_goal": goal},
        "time_granularity": "TIME_GRANULARITY_DAILY",
    }

    def amount(row: dict[str, Any], name: str) -> Decimal:
        divisor = MILLI_FEN_PER_CNY if name in s.uni_milli_fen_fields else Decimal(1)
        return money(row.get(name), divisor=divisor, what=name)

    def make(row: dict[str, Any]) -> ReportRow:
        return ReportRow(
            advertiser_id=advertiser_id,
            ad_id=str(row["ad_id"]),
            date=_row_date(row),
            spend=amount(row, "stat_cost"),
            gmv=amount(row, s.uni_gmv_field),
            orders=_count(row.get(s.uni_orders_field), s.uni_orders_field),
            impressions=None,
            clicks=None,
            kind="uni",
        )

    out = Report([])
    for page in await _report_pages(client, path, params, advertiser_id):
        _convert(page, make, out)
    return out


# --- per-plan status ---------------------------------------------------------


async def plan_status(client: ApiClient, advertiser_id: str, ad_ids: list[str]) -> dict[str, PlanStatus]:
    """Learning and cost-guarantee status of standard plans, ``status_batch`` ids a call."""
    s = client.settings
    n = s.status_batch
    chunks = [ad_ids[i : i + n] for i in range(0, len(ad_ids), n)]
    learning: dict[str, str] = {}
    compensate: dict[str, tuple[str | None, str | None]] = {}

    async def learn(chunk: list[str]) -> None:
        r = await client.get(
            s.learning_status_path,
            {"advertiser_id": advertiser_id, "ad_ids": [int(i) for i in chunk]},
            account=advertiser_id,
        )
        for item in r.data.get("list") or []:
            learning[str(item.get("ad_id"))] = str(item.get("status") or "DEFAULT")

    async def comp(chunk: list[str]) -> None:
        r = await client.get(
            P + "ad/compensate_status/get/",
            {"advertiser_id": advertiser_id, "ad_ids": [int(i) for i in chunk]},
            account=advertiser_id,
        )
        for item in r.data.get("list") or []:
            if str(item.get("status") or "SUCCESS") != "SUCCESS":
                continue
            compensate[str(item.get("ad_id"))] = (item.get("compensate_status"), item.get("reason"))

    await gather_all([f(c) for c in chunks for f in (learn, comp)])
    return {ad_id: PlanStatus(ad_id, learning.get(ad_id), *(compensate.get(ad_id) or (None, None))) for ad_id in ad_ids}
