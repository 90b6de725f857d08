"""Write primitives: budget, bid, ROI goal and status, with per-item results.

Each primitive sends at most the platform's batch size per call (budget 10,
bid 10, ROI goal 1, 全域 ROI2 goal 10, status 10) and answers one
``ItemOutcome`` per plan: what was requested, what the platform said about it
(``ad_ids`` / ``errors[]`` / ``results[].flag``, read even when ``code == 0``)
and the call's ``request_id``.

A write is never sent twice. A rate-limit or expired-token answer means the
platform did nothing, so the client retries those itself; any other retriable
failure (50000, HTTP 5xx, time-out) is ambiguous: the platform may have acted.
``send`` then reads the plans back and re-sends only the items whose value is
not yet the requested one, for at most ``max_retries`` rounds.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from connectors.errors import ConnectorError, RetriableError
from connectors.qianchuan.transport import ApiClient

__all__ = ["SPECS", "ItemOutcome", "WriteSpec", "send", "value_text"]

P = "/open_api/v1.0/qianchuan/"


def value_text(value: Decimal | str) -> str:
    """The canonical text of a written value: money/ratios with 2 places, enums as is."""
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    return str(value)


@dataclass(frozen=True)
class ItemOutcome:
    """The fate of one requested item."""

    ad_id: str
    requested: str
    ok: bool
    answer: str = ""
    request_id: str | None = None
    attempts: int = 1


@dataclass(frozen=True)
class WriteSpec:
    """One write endpoint: its path, batch size and body shape."""

    name: str
    path: str
    batch: int
    body: Callable[[str, list[tuple[str, Any]]], dict[str, Any]]


def _ad(ad_id: str) -> int | str:
    return int(ad_id) if ad_id.isdigit() else ad_id


def _budget_body(adv: str, items):
    return {"advertiser_id": _ad(adv), "data": [{"ad_id": _ad(a), "budget": v} for a, v in items]}


def _bid_body(adv: str, items):
    return {"advertiser_id": _ad(adv), "data": [{"ad_id": _ad(a), "bid": v} for a, v in items]}


def _roi_body(adv: str, items):
    return {"advertiser_id": _ad(adv), "roi_goal_updates": [{"ad_id": _ad(a), "roi_goal": v} for a, v in items]}


def _uni_budget_body(adv: str, items):
    return {"advertiser_id": _ad(adv), "update_budget_infos": [{"ad_id": _ad(a), "budget": v} for a, v in items]}


def _uni_roi_body(adv: str, items):
    return {"advertiser_id": _ad(adv), "update_roi2_infos": [{"ad_id": _ad(a), "roi2_goal": v} for a, v in items]}


def _status_body(adv: str, items):
    (status,) = {v for _, v in items}
    return {"advertiser_id": _ad(adv), "ad_ids": [_ad(a) for a, _ in items], "opt_status": status}


SPECS: dict[str, WriteSpec] = {
    "budget": WriteSpec("budget", P + "ad/budget/update/", 10, _budget_body),
    "bid": WriteSpec("bid", P + "ad/bid/update/", 10, _bid_body),
    "roi_goal": WriteSpec("roi_goal", P + "roi/goal/update/", 1, _roi_body),
    "status": WriteSpec("status", P + "ad/status/update/", 10, _status_body),
    "uni_budget": WriteSpec("uni_budget", P + "uni_promotion/ad/budget/update/", 10, _uni_budget_body),
    "uni_roi2_goal": WriteSpec("uni_roi2_goal", P + "uni_promotion/ad/roi2_goal/update/", 10, _uni_roi_body),
    "uni_status": WriteSpec("uni_status", P + "uni_promotion/ad/status/update/", 10, _status_body),
}


def _per_item(data: dict[str, Any]) -> tuple[set[str], dict[str, str]]:
    """(ids the platform says it changed, {id: error}) from any of the answer shapes."""
    done = {str(i) for i in data.get("ad_ids") or []}
    failed: dict[str, str] = {}
    for err in data.get("errors") or []:
        ad_id = str(err.get("ad_id") or err.get("object_id"))
        failed[ad_id] = str(err.get("error_message") or err.get("error_code") or "rejected")
    for res in data.get("results") or []:
        ad_id = str(res.get("ad_id"))
        flag = res.get("flag")
        if flag is True or flag == 1:
            done.add(ad_id)
        else:
            failed[ad_id] = str(res.get("error_message") or "rejected")
    return done - set(failed), failed


ReadBack = Callable[[list[str]], Awaitable[dict[str, str | None]]]
"""``read_back(ad_ids) -> {ad_id: value_text}`` as the platform has them now."""


async def send(
    client: ApiClient,
    spec: WriteSpec,
    advertiser_id: str,
    items: Sequence[tuple[str, Decimal | str]],
    read_back: ReadBack,
    *,
    rng: random.Random | None = None,
) -> list[ItemOutcome]:
    """Send ``items`` (``(ad_id, value)``) in batches; resolve ambiguous failures by reading back."""
    rng = rng or random.Random()
    wanted = {ad_id: value_text(v) for ad_id, v in items}
    values = dict(items)
    outcomes: dict[str, ItemOutcome] = {}
    attempts: dict[str, int] = {a: 0 for a in wanted}
    pending = list(wanted)
    rounds = client.settings.max_retries + 1
    for round_no in range(rounds):
        unknown: list[tuple[str, str, str | None]] = []
        for start in range(0, len(pending), spec.batch):
            chunk = pending[start : start + spec.batch]
            for a in chunk:
                attempts[a] += 1
            body = spec.body(advertiser_id, [(a, values[a]) for a in chunk])
            try:
                resp = await client.post(spec.path, body, account=advertiser_id, idempotent=False)
            except RetriableError as exc:
                unknown.extend((a, str(exc), exc.request_id) for a in chunk)
                continue
            except ConnectorError as exc:
                for a in chunk:
                    outcomes[a] = ItemOutcome(a, wanted[a], False, str(exc), exc.request_id, attempts[a])
                continue
            done, failed = _per_item(resp.data)
            for a in chunk:
                if a in failed:
                    outcomes[a] = ItemOutcome(a, wanted[a], False, failed[a], resp.request_id, attempts[a])
                elif a in done:
                    outcomes[a] = ItemOutcome(a, wanted[a], True, "ok", resp.request_id, attempts[a])
                else:
                    unknown.append((a, "not mentioned in the answer", resp.request_id))
        if not unknown:
            break
        now = await read_back([a for a, _, _ in unknown])
        pending = []
        for a, why, rid in unknown:
            if now.get(a) == wanted[a]:
                outcomes[a] = ItemOutcome(a, wanted[a], True, f"confirmed by read-back after: {why}", rid, attempts[a])
            elif round_no == rounds - 1:
                outcomes[a] = ItemOutcome(
                    a, wanted[a], False, f"not applied after {attempts[a]} attempts: {why}", rid, attempts[a]
                )
            else:
                pending.append(a)
        if not pending:
            break
        cap = min(client.settings.backoff_max_s, client.settings.backoff_base_s * 2**round_no)
        await client.sleep(rng.uniform(0, cap))
    return [outcomes[a] for a in wanted]
