"""``QianchuanConnector``: the ``connectors.base.Connector`` over the Open API.

The Protocol is synchronous; the connector runs the async client on a private
event loop in a daemon thread (``close()`` stops it), so rate limits, the
token state and HTTP connections live across calls.

Mapping a plan onto ``CampaignState``:

- ``channel``: 全域 plans -> ``qianchuan.uni_live`` / ``qianchuan.uni_video``;
  standard search plans (``marketing_scene=SEARCH``) -> ``qianchuan.search``;
  other standard plans -> ``qianchuan.live`` / ``qianchuan.video`` by goal;
- ``bid_type``: ``none`` for 放量 (``SMART_BID_CONSERVATIVE``); ``roi`` when a
  ROI goal is set or ``deep_external_action`` ends in ``PAY_ROI`` (``bid`` =
  ``roi_goal`` / ``roi2_goal``); ``cpa`` when ``cpa_bid`` is set; else ``none``;
- ``status``: delivering (or only stopped by a spent budget) -> ``active``,
  and ``learning`` when the learning-status endpoint says ``LEARNING``; every
  other state -> ``paused``;
- ``excluded_reason``: 托管 (``LAB_AD``) plans, total-budget plans.

Writes check the platform rules (``connectors.rules``) on fresh plan state
(``ad/get`` by id, today's spend from the report) before anything is sent, as
the simulated platform does: a change that breaks a rule, or targets an
excluded or unknown plan, gets ``ok=False`` with the reason while the others
are sent; ``strict=True`` raises the first one and sends nothing. Each change
gets one ``WriteResult``: the change asked for, the value read back from the
platform after the call (``platform_value``), the call's ``request_id`` and
the platform's per-item error. Budget edits are counted per plan and Beijing
day in memory (the API does not report the count).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Coroutine, Iterator, Sequence
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

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
from connectors.clock import utc_now
from connectors.errors import BadRequestError, PlatformRuleError
from connectors.qianchuan import reads, writes
from connectors.qianchuan.discover import LeftOut, discover_advertisers
from connectors.qianchuan.reads import Plan
from connectors.qianchuan.settings import QianchuanSettings
from connectors.qianchuan.tokens import TokenStore
from connectors.qianchuan.transport import ApiClient, Limiter
from connectors.rules import PlatformRules, check_bid_update, check_budget_update

__all__ = ["PlanDetail", "QianchuanConnector", "campaign_state", "channel_of"]

T = TypeVar("T")

ACTIVE = {
    "DELIVERY_OK",
    "OFFLINE_BUDGET",
    "PRE_OFFLINE_BUDGET",
    "CAMPAIGN_OFFLINE_BUDGET",
    "CAMPAIGN_PRE_OFFLINE_BUDGET",
    "ADVERTISER_OFFLINE_BUDGET",
    "ADVERTISER_PRE_OFFLINE_BUDGET",
}


def channel_of(plan: Plan) -> str:
    live = plan.marketing_goal == "LIVE_PROM_GOODS"
    if plan.kind == "uni":
        return "qianchuan.uni_live" if live else "qianchuan.uni_video"
    if plan.marketing_scene == "SEARCH":
        return "qianchuan.search"
    return "qianchuan.live" if live else "qianchuan.video"


def _bid(plan: Plan) -> tuple[str, Decimal | None]:
    if plan.smart_bid_type == "SMART_BID_CONSERVATIVE":
        return "none", None
    if plan.roi_goal is not None or plan.deep_external_action.endswith("PAY_ROI"):
        return "roi", plan.roi_goal
    if plan.cpa_bid is not None:
        return "cpa", plan.cpa_bid
    return "none", None


def _excluded(plan: Plan) -> str | None:
    if plan.lab_ad_type == "LAB_AD":
        return "auto-managed (托管) plan: the platform sets its budget and bid, and reports leave it out"
    if plan.budget_mode == "BUDGET_MODE_TOTAL":
        return "lifetime budget (BUDGET_MODE_TOTAL), not a daily budget"
    if plan.status == "DELETE" or plan.opt_status == "DELETE":
        return "deleted plan"
    return None


def campaign_state(
    plan: Plan, *, learning: str | None = None, spend_today: Decimal = Decimal(0), changes_today: int = 0
) -> CampaignState:
    bid_type, bid = _bid(plan)
    status = "active" if plan.status in ACTIVE else "paused"
    if status == "active" and learning == "LEARNING":
        status = "learning"
    return CampaignState(
        account_id=plan.advertiser_id,
        campaign_id=plan.ad_id,
        name=plan.name,
        channel=channel_of(plan),
        bid_type=bid_type,
        budget=plan.budget if plan.budget_mode != "BUDGET_MODE_INFINITE" else None,
        bid=bid,
        status=status,
        spend_today=spend_today,
        budget_changes_today=changes_today,
        excluded_reason=_excluded(plan),
    )


class PlanDetail(BaseModel):
    """A plan with the guardrail facts ``CampaignState`` has no field for."""

    model_config = ConfigDict(frozen=True)

    state: CampaignState
    kind: str = Field(description="standard (标准推广) or uni (全域推广)")
    marketing_goal: str
    marketing_scene: str
    platform_status: str = Field(description="the platform's delivery status, e.g. DELIVERY_OK")
    learning_status: str | None = Field(None, description="LEARNING, LEARNED, LEARN_FAILED or DEFAULT")
    compensate_status: str | None = Field(
        None, description="cost guarantee: IN_EFFECT, INVALID, CONFIRMING, PAID, ENDED, DEFAULT"
    )
    compensate_reason: str | None = None


class QianchuanConnector:
    """Reads and writes Qianchuan accounts through the Open API."""

    name = "qianchuan"

    def __init__(
        self,
        settings: QianchuanSettings,
        tokens: TokenStore | None = None,
        *,
        rules: PlatformRules = PlatformRules(),
        transport: Any = None,
        clock: Callable[[], dt.datetime] = utc_now,
        timezone: str = "Asia/Shanghai",
        limiter: Limiter | None = None,
    ) -> None:
        self.settings = settings
        self.rules = rules
        self._limiter = limiter  # None: this process's own buckets; a fleet passes a shared one
        self._tz = ZoneInfo(timezone)
        self._clock = clock
        self._tokens = tokens if tokens is not None else TokenStore(settings.resolved_token_file())
        self._transport = transport
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._client: ApiClient | None = None
        self._plans: dict[tuple[str, str], Plan] = {}
        self._changes_today: dict[tuple[str, str, dt.date], int] = defaultdict(int)
        self._listing: dict[str, tuple[float, list[Plan]]] = {}
        self.left_out: list[LeftOut] = []  # after list_accounts: the authorized accounts not read themselves, and why
        self.listing_ttl_s = 60.0  # daily_stats reuses a plan listing this fresh (names, create dates)

    @property
    def gmv_basis(self) -> str:
        """Which GMV field the reports deliver as ``gmv`` (``[qianchuan] gmv_basis``)."""
        return self.settings.gmv_basis

    @property
    def restates_days(self) -> int:
        """How many recent days a pull re-reads: Qianchuan restates late conversions (``lookback_days``)."""
        return self.settings.lookback_days

    # --- event loop ---------------------------------------------------------

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._loop.run_forever, name="qianchuan-loop", daemon=True)
            self._thread.start()
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    async def _api(self) -> ApiClient:
        if self._client is None:
            client = ApiClient(
                self.settings, self._tokens, transport=self._transport, clock=self._clock, limiter=self._limiter
            )
            self._client = await client.__aenter__()
        return self._client

    @property
    def client(self) -> ApiClient | None:
        return self._client

    def close(self) -> None:
        if self._loop is None:
            return
        if self._client is not None:
            self._run(self._client.aclose())
            self._client = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._loop.close()
        self._loop = None

    def __enter__(self) -> QianchuanConnector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def today(self) -> dt.date:
        return self._clock().astimezone(self._tz).date()

    # --- reads --------------------------------------------------------------

    def list_accounts(self) -> list[AccountInfo]:
        async def go():
            return await discover_advertisers(await self._api())

        found = self._run(go())
        self.left_out = found.left_out
        return [AccountInfo(account_id=a.advertiser_id, name=a.name) for a in found.advertisers]

    def plan_details(self, account_id: str) -> list[PlanDetail]:
        """Every plan with learning and cost-guarantee status and today's spend."""
        today = self.today()

        async def go():
            api = await self._api()
            plans, rows = await reads.gather_all(
                [reads.list_plans(api, account_id, today), reads.report_rows(api, account_id, today, today)]
            )
            standard = [p.ad_id for p in plans if p.kind == "standard" and p.lab_ad_type != "LAB_AD"]
            status = await reads.plan_status(api, account_id, standard) if self.settings.read_status_details else {}
            return plans, rows, status

        plans, report, status = self._run(go())
        self._listing[account_id] = (time.monotonic(), plans)
        spend = {r.ad_id: r.spend for r in report.rows if r.date == today}
        out = []
        for plan in plans:
            self._plans[(account_id, plan.ad_id)] = plan
            st = status.get(plan.ad_id)
            state = campaign_state(
                plan,
                learning=st.learning if st else None,
                spend_today=spend.get(plan.ad_id, Decimal("0.00")),
                changes_today=self._changes_today[(account_id, plan.ad_id, today)],
            )
            out.append(
                PlanDetail(
                    state=state,
                    kind=plan.kind,
                    marketing_goal=plan.marketing_goal,
                    marketing_scene=plan.marketing_scene,
                    platform_status=plan.status,
                    learning_status=st.learning if st else None,
                    compensate_status=st.compensate if st else None,
                    compensate_reason=st.compensate_reason if st else None,
                )
            )
        return out

    def list_campaigns(self, account_id: str) -> list[CampaignState]:
        return [d.state for d in self.plan_details(account_id)]

    def daily_stats(self, account_id: str, start: dt.date, end: dt.date) -> Iterator[DailyStat]:
        """Rows for every plan-day in ``[start, end]``: the platform's rows, and
        zero rows for listed plans the report leaves out (no activity). Nothing
        is yielded unless every report call of the range succeeded."""
        today = self.today()

        cached = self._listing.get(account_id)
        fresh = cached is not None and time.monotonic() - cached[0] < self.listing_ttl_s

        async def go():
            api = await self._api()
            if fresh:
                return cached[1], await reads.report_rows(api, account_id, start, end)
            return await reads.gather_all(
                [reads.list_plans(api, account_id, today), reads.report_rows(api, account_id, start, end)]
            )

        plans, report = self._run(go())
        rows = report.rows
        unknown = {(ad_id, day) for ad_id, day in report.skipped}
        by_id = {p.ad_id: p for p in plans}
        for plan in plans:
            self._plans[(account_id, plan.ad_id)] = plan
        seen: set[tuple[str, dt.date]] = set()
        for row in sorted(rows, key=lambda r: (r.ad_id, r.date)):
            plan = by_id.get(row.ad_id)
            seen.add((row.ad_id, row.date))
            yield DailyStat(
                account_id=account_id,
                campaign_id=row.ad_id,
                date=row.date,
                spend=row.spend,
                gmv=row.gmv,
                orders=row.orders,
                campaign_name=plan.name if plan else None,
                channel=channel_of(plan) if plan else None,  # e.g. a deleted plan: not listed any more
                impressions=row.impressions,
                clicks=row.clicks,
                currency="CNY",
            )
        last = min(end, today)
        for plan in sorted(plans, key=lambda p: p.ad_id):
            if plan.lab_ad_type == "LAB_AD" or (plan.ad_id, None) in unknown:
                continue  # reports leave 托管 plans out, and an unreadable row is unknown: not quiet days
            day = max(start, plan.create_date or start)
            while day <= last:
                if (plan.ad_id, day) not in seen and (plan.ad_id, day) not in unknown:
                    yield DailyStat(
                        account_id=account_id,
                        campaign_id=plan.ad_id,
                        date=day,
                        spend=Decimal("0.00"),
                        gmv=Decimal("0.00"),
                        orders=0,
                        campaign_name=plan.name,
                        channel=channel_of(plan),
                        impressions=0 if plan.kind == "standard" else None,
                        clicks=0 if plan.kind == "standard" else None,
                        currency="CNY",
                    )
                day += dt.timedelta(days=1)

    # --- writes -------------------------------------------------------------

    def update_budgets(self, changes: Sequence[BudgetChange], *, strict: bool = False) -> list[WriteResult]:
        return self._write(list(changes), strict)

    def update_bids(self, changes: Sequence[BidChange], *, strict: bool = False) -> list[WriteResult]:
        return self._write(list(changes), strict)

    def update_status(self, changes: Sequence[StatusChange], *, strict: bool = False) -> list[WriteResult]:
        return self._write(list(changes), strict)

    def _write(self, changes: list[Change], strict: bool) -> list[WriteResult]:
        """Like the simulated platform: a change that breaks a rule gets
        ``ok=False`` and the rule's message while the others are sent; with
        ``strict`` the first broken rule raises and nothing is sent."""
        results: dict[int, WriteResult] = {}
        by_account: dict[str, list[int]] = defaultdict(list)
        for i, change in enumerate(changes):
            by_account[change.account_id].append(i)
        for account_id, idx in by_account.items():
            for i, result in zip(
                idx, self._run(self._write_account(account_id, [changes[i] for i in idx], strict)), strict=True
            ):
                results[i] = result
        return [results[i] for i in range(len(changes))]

    async def _read_plans(self, account_id: str, ids: list[str]) -> dict[str, Plan]:
        api = await self._api()
        plans = {p.ad_id: p for p in await reads.list_plans(api, account_id, self.today(), ids=ids)}
        missing = [i for i in ids if i not in plans]
        if missing and self.settings.include_uni:
            for p in await reads.list_plans(api, account_id, self.today()):
                if p.ad_id in missing:
                    plans[p.ad_id] = p
        for p in plans.values():
            self._plans[(account_id, p.ad_id)] = p
        return plans

    def _check(self, change: Change, plan: Plan, spend: dict[str, Decimal], today: dt.date) -> None:
        bid_type, bid = _bid(plan)
        if isinstance(change, BudgetChange):
            check_budget_update(
                plan.ad_id,
                plan.budget,
                change.budget,
                spend_today=spend.get(plan.ad_id, Decimal(0)),
                changes_today=self._changes_today[(plan.advertiser_id, plan.ad_id, today)],
                bid=bid,
                bid_type=bid_type,
                rules=self.rules,
            )
        elif isinstance(change, BidChange):
            check_bid_update(plan.ad_id, bid_type, change.bid, budget=plan.budget, rules=self.rules)

    async def _write_account(self, account_id: str, changes: list[Change], strict: bool) -> list[WriteResult]:
        self._listing.pop(account_id, None)
        api = await self._api()
        today = self.today()
        ids = sorted({c.campaign_id for c in changes})
        plans = await self._read_plans(account_id, ids)
        spend: dict[str, Decimal] = {}
        if any(isinstance(c, BudgetChange) for c in changes):
            today_report = await reads.report_rows(api, account_id, today, today)
            spend = {r.ad_id: r.spend for r in today_report.rows if r.date == today}

        # 1. check every change before sending any
        groups: dict[str, list[tuple[int, str, Decimal | str]]] = defaultdict(list)
        early: dict[int, WriteResult] = {}
        for i, change in enumerate(changes):
            plan = plans.get(change.campaign_id)
            try:
                if plan is None:
                    raise BadRequestError(f"plan {change.campaign_id} not found in account {account_id}", code=40001)
                reason = _excluded(plan)
                if reason:
                    raise PlatformRuleError("excluded", reason, campaign_id=plan.ad_id)
                self._check(change, plan, spend, today)
            except (PlatformRuleError, BadRequestError) as exc:
                if strict:
                    raise
                early[i] = WriteResult(change=change, ok=False, error=str(exc))
                continue
            bid_type, _bid_value = _bid(plan)
            uni = plan.kind == "uni"
            if isinstance(change, BudgetChange):
                groups["uni_budget" if uni else "budget"].append((i, plan.ad_id, change.budget))
            elif isinstance(change, BidChange):
                kind = "uni_roi2_goal" if uni else ("roi_goal" if bid_type == "roi" else "bid")
                groups[kind].append((i, plan.ad_id, change.bid))
            else:
                groups["uni_status" if uni else "status"].append(
                    (i, plan.ad_id, "ENABLE" if change.status == "active" else "DISABLE")
                )

        # 2. send, group by group; ambiguous failures are resolved by reading back
        async def read_back(kind: str, ad_ids: list[str]) -> dict[str, str | None]:
            now = await self._read_plans(account_id, ad_ids)
            return {a: _value_of(kind, now[a]) for a in ad_ids if a in now}

        outcomes: dict[int, writes.ItemOutcome] = {}
        for kind, items in groups.items():
            spec = writes.SPECS[kind]
            if kind.endswith("status"):
                by_value: dict[str, list] = defaultdict(list)
                for item in items:
                    by_value[str(item[2])].append(item)
                batches = list(by_value.values())
            else:
                batches = [items]
            for batch in batches:
                got = await writes.send(
                    api, spec, account_id, [(a, v) for _, a, v in batch], functools.partial(read_back, kind)
                )
                for (i, _, _), outcome in zip(batch, got, strict=True):
                    outcomes[i] = outcome
                    if outcome.ok and kind.endswith("budget"):
                        self._changes_today[(account_id, outcome.ad_id, today)] += 1

        # 3. read back what the platform holds now
        sent_ids = sorted({changes[i].campaign_id for i in outcomes})
        final = await self._read_plans(account_id, sent_ids) if sent_ids else {}
        results = []
        for i, change in enumerate(changes):
            if i in early:
                results.append(early[i])
                continue
            outcome = outcomes[i]
            kind = next(k for k, items in groups.items() if any(j == i for j, _, _ in items))
            plan = final.get(change.campaign_id)
            now_value = _value_of(kind, plan) if plan else None
            ok = outcome.ok and now_value == outcome.requested
            error = (
                None
                if ok
                else (outcome.answer if not outcome.ok else f"platform accepted it but reads back {now_value}")
            )
            if kind.endswith("status") and now_value is not None:
                now_value = "active" if now_value == "ENABLE" else "paused"
            results.append(
                WriteResult(change=change, ok=ok, platform_value=now_value, request_id=outcome.request_id, error=error)
            )
        return results


def _value_of(kind: str, plan: Plan) -> str | None:
    if kind.endswith("budget"):
        return writes.value_text(plan.budget) if plan.budget is not None else None
    if kind in ("roi_goal", "uni_roi2_goal"):
        return writes.value_text(plan.roi_goal) if plan.roi_goal is not None else None
    if kind == "bid":
        return writes.value_text(plan.cpa_bid) if plan.cpa_bid is not None else None
    return plan.opt_status or None
