"""Write primitives against httpx.MockTransport: batch sizes, per-item answers, read-back."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import httpx

from connectors.qianchuan.transport import ApiClient
from connectors.qianchuan.writes import SPECS, send
from tests.qianchuan.test_transport import NOW, SETTINGS, envelope, no_sleep, tokens


def run_send(tmp_path, handler, kind, items, platform):
    async def read_back(ids):
        return {a: platform[a] for a in ids if a in platform}

    async def go():
        async with ApiClient(
            SETTINGS, tokens(tmp_path), transport=httpx.MockTransport(handler), clock=lambda: NOW, sleep=no_sleep
        ) as c:
            c.sleep = no_sleep
            return await send(c, SPECS[kind], "1730000000000001", items, read_back)

    return asyncio.run(go())


def test_budget_items_go_ten_per_call_and_errors_are_read_when_code_is_zero(tmp_path):
    bodies = []

    def handler(request):
        body = json.loads(request.content)
        bodies.append(body)
        ids = [d["ad_id"] for d in body["data"]]
        bad = [i for i in ids if i % 7 == 0]
        return envelope(
            data={
                "ad_ids": [i for i in ids if i not in bad],
                "errors": [{"ad_id": i, "error_message": "预算低于已消耗"} for i in bad],
            }
        )

    items = [(str(7300000000000000000 + i), Decimal("500.00")) for i in range(23)]
    out = run_send(tmp_path, handler, "budget", items, {})
    assert [len(b["data"]) for b in bodies] == [10, 10, 3]
    assert bodies[0]["advertiser_id"] == 1730000000000001 and bodies[0]["data"][0]["ad_id"] == 7300000000000000000
    assert bodies[0]["data"][0]["budget"] == 500.0
    failed = [o for o in out if not o.ok]
    assert {o.ad_id for o in failed} == {a for a, _ in items if int(a) % 7 == 0}
    assert all("预算" in o.answer and o.request_id == "rid-1" for o in failed)


def test_roi_goal_goes_one_per_call_and_an_int_flag_is_understood(tmp_path):
    calls = []

    def handler(request):
        body = json.loads(request.content)
        calls.append(body)
        (item,) = body["roi_goal_updates"]
        return envelope(
            data={
                "results": [
                    {
                        "ad_id": item["ad_id"],
                        "flag": 1 if item["roi_goal"] < 3 else 0,
                        "error_message": "" if item["roi_goal"] < 3 else "超出范围",
                    }
                ]
            }
        )

    out = run_send(tmp_path, handler, "roi_goal", [("11", Decimal("2.50")), ("12", Decimal("3.50"))], {})
    assert len(calls) == 2
    assert [o.ok for o in out] == [True, False] and out[1].answer == "超出范围"


def test_an_item_the_answer_does_not_mention_is_settled_by_reading_back(tmp_path):
    sent = []
    platform = {"21": "300.00", "22": "300.00"}

    def handler(request):
        body = json.loads(request.content)
        sent.append([d["ad_id"] for d in body["data"]])
        for d in body["data"]:
            if d["ad_id"] == 21:
                platform["21"] = f"{d['budget']:.2f}"  # applied, but left out of the answer
        return envelope(data={"ad_ids": [], "errors": []})

    out = run_send(tmp_path, handler, "budget", [("21", Decimal("600.00")), ("22", Decimal("700.00"))], platform)
    assert out[0].ok and "read-back" in out[0].answer
    assert not out[1].ok  # never applied: sent again each round, then reported
    assert all(21 not in ids for ids in sent[1:])  # the applied one was not sent again
    assert sum(22 in ids for ids in sent) == SETTINGS.max_retries + 1


def test_status_changes_are_sent_with_the_opt_status(tmp_path):
    bodies = []

    def handler(request):
        body = json.loads(request.content)
        bodies.append(body)
        return envelope(data={"ad_ids": body["ad_ids"], "errors": []})

    out = run_send(tmp_path, handler, "status", [("31", "DISABLE"), ("32", "DISABLE")], {})
    assert bodies == [{"advertiser_id": 1730000000000001, "ad_ids": [31, 32], "opt_status": "DISABLE"}]
    assert all(o.ok for o in out)
