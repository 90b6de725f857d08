"""The client against httpx.MockTransport: envelope, error mapping, retries, refresh."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from decimal import Decimal

import httpx
import pytest
from pydantic import SecretStr

from connectors.errors import (
    AuthError,
    BadRequestError,
    FatalError,
    PermissionDeniedError,
    RateLimitedError,
    TokenExpiredError,
    TransientError,
)
from connectors.qianchuan.settings import QianchuanSettings
from connectors.qianchuan.tokens import TokenSet, TokenStore, new_key
from connectors.qianchuan.transport import ApiClient, TokenBucket, error_for

NOW = dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC)
SETTINGS = QianchuanSettings(
    base_url="http://qianchuan.test",
    app_id="42",
    app_secret="s3cret",
    app_qps=10_000,
    account_qps=10_000,
    burst=100,
    max_retries=3,
    backoff_base_s=0.0,
    backoff_max_s=0.0,
)


def envelope(code=0, data=None, message="OK", request_id="rid-1"):
    return httpx.Response(200, json={"code": code, "message": message, "request_id": request_id, "data": data or {}})


def tokens(tmp_path, access="at-1", refresh="rt-1", left_s=80_000) -> TokenStore:
    store = TokenStore(tmp_path / "t.enc", key=new_key())
    store.save(
        TokenSet(
            app_id="42",
            access_token=SecretStr(access),
            access_expires_at=NOW + dt.timedelta(seconds=left_s),
            refresh_token=SecretStr(refresh),
            refresh_expires_at=NOW + dt.timedelta(days=30),
            issued_at=NOW - dt.timedelta(seconds=10),
        )
    )
    return store


async def no_sleep(_s: float) -> None:
    return None


def run(handler, store, coro_fn, settings=SETTINGS):
    async def go():
        async with ApiClient(
            settings, store, transport=httpx.MockTransport(handler), clock=lambda: NOW, sleep=no_sleep
        ) as c:
            return await coro_fn(c), c

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("code", "endpoint", "kind"),
    [
        (40100, "/open_api/v1.0/qianchuan/ad/get/", RateLimitedError),
        (40110, "/open_api/v1.0/qianchuan/ad/get/", RateLimitedError),
        (40110, "/open_api/oauth2/access_token/", AuthError),
        (50000, "/open_api/v1.0/qianchuan/ad/get/", TransientError),
        (40102, "/open_api/v1.0/qianchuan/ad/get/", TokenExpiredError),
        (40105, "/open_api/v1.0/qianchuan/ad/get/", TokenExpiredError),
        (40103, "/open_api/oauth2/refresh_token/", AuthError),
        (40107, "/open_api/oauth2/refresh_token/", AuthError),
        (40002, "/open_api/v1.0/qianchuan/ad/get/", PermissionDeniedError),
        (40001, "/open_api/v1.0/qianchuan/ad/get/", BadRequestError),
        (40003, "/open_api/v1.0/qianchuan/ad/get/", BadRequestError),
        (40300, "/open_api/v1.0/qianchuan/ad/get/", FatalError),
    ],
)
def test_each_error_code_maps_to_the_reaction_the_spec_asks_for(code, endpoint, kind):
    err = error_for(code, "msg", request_id="r-9", endpoint=endpoint)
    assert type(err) is kind
    assert err.code == code and err.request_id == "r-9"
    assert "r-9" in str(err) and str(code) in str(err)


def test_http_200_with_nonzero_code_is_an_error_carrying_code_message_and_request_id(tmp_path):
    def handler(request):
        return envelope(40001, message="filtering.marketing_goal is required", request_id="rid-bad")

    with pytest.raises(BadRequestError) as info:
        run(handler, tokens(tmp_path), lambda c: c.get("/open_api/v1.0/qianchuan/ad/get/", {"advertiser_id": 1}))
    assert info.value.request_id == "rid-bad"
    assert "marketing_goal" in str(info.value)


def test_fatal_errors_are_not_retried(tmp_path):
    calls = []

    def handler(request):
        calls.append(1)
        return envelope(40002, message="no permission")

    with pytest.raises(PermissionDeniedError):
        run(handler, tokens(tmp_path), lambda c: c.get("/open_api/v1.0/qianchuan/ad/get/", {}))
    assert len(calls) == 1


@pytest.mark.parametrize("failure", ["50000", "http502", "40100", "timeout", "40110"])
def test_retriable_failures_are_retried_until_success(tmp_path, failure):
    calls = []

    def handler(request):
        calls.append(1)
        if len(calls) < 3:
            if failure == "http502":
                return httpx.Response(502, text="bad gateway")
            if failure == "timeout":
                raise httpx.ReadTimeout("slow", request=request)
            return envelope(int(failure), message="try later")
        return envelope(data={"list": [1]})

    resp, client = run(handler, tokens(tmp_path), lambda c: c.get("/open_api/v1.0/qianchuan/ad/get/", {}))
    assert resp.data == {"list": [1]} and len(calls) == 3 and client.retries == 2


def test_retries_stop_after_max_retries(tmp_path):
    calls = []

    def handler(request):
        calls.append(1)
        return envelope(50000, message="system error")

    with pytest.raises(TransientError):
        run(handler, tokens(tmp_path), lambda c: c.get("/open_api/v1.0/qianchuan/ad/get/", {}))
    assert len(calls) == SETTINGS.max_retries + 1


def test_a_write_is_not_resent_after_an_ambiguous_failure_but_is_after_a_rate_limit(tmp_path):
    answers = [envelope(40100), envelope(50000)]
    calls = []

    def handler(request):
        calls.append(request.url.path)
        return answers[len(calls) - 1]

    with pytest.raises(TransientError):
        run(handler, tokens(tmp_path), lambda c: c.post("/open_api/v1.0/qianchuan/ad/budget/update/", {"x": 1}))
    assert len(calls) == 2  # the rate-limited try was repeated, the 50000 was not


def test_expired_access_token_is_refreshed_once_and_the_rotated_tokens_are_saved(tmp_path):
    store = tokens(tmp_path)
    seen = []

    def handler(request):
        if request.url.path == "/open_api/oauth2/refresh_token/":
            body = json.loads(request.content)
            assert body["grant_type"] == "refresh_token" and body["refresh_token"] == "rt-1" and body["app_id"] == 42
            return envelope(
                data={
                    "access_token": "at-2",
                    "expires_in": 86399,
                    "refresh_token": "rt-2",
                    "refresh_token_expires_in": 2591999,
                }
            )
        seen.append(request.headers["Access-Token"])
        if request.headers["Access-Token"] == "at-1":
            return envelope(40102, message="access token expired")
        return envelope(data={"ok": True})

    resp, client = run(handler, store, lambda c: c.get("/open_api/v1.0/qianchuan/ad/get/", {}))
    assert resp.data == {"ok": True} and seen == ["at-1", "at-2"] and client.refreshes == 1
    saved = store.load()
    assert saved.refresh_token.get_secret_value() == "rt-2" and saved.access_token.get_secret_value() == "at-2"


def test_a_token_still_rejected_after_one_refresh_is_fatal(tmp_path):
    refreshes = []

    def handler(request):
        if request.url.path == "/open_api/oauth2/refresh_token/":
            refreshes.append(1)
            n = len(refreshes)
            return envelope(
                data={
                    "access_token": f"at-{n + 1}",
                    "expires_in": 86399,
                    "refresh_token": f"rt-{n + 1}",
                    "refresh_token_expires_in": 2591999,
                }
            )
        return envelope(40105, message="access token invalid")

    with pytest.raises(TokenExpiredError):
        run(handler, tokens(tmp_path), lambda c: c.get("/open_api/v1.0/qianchuan/ad/get/", {}))
    assert len(refreshes) == 1


def test_token_close_to_expiry_is_refreshed_before_the_call(tmp_path):
    store = tokens(tmp_path, left_s=60)
    order = []

    def handler(request):
        order.append(request.url.path)
        if request.url.path.endswith("refresh_token/"):
            return envelope(
                data={
                    "access_token": "at-2",
                    "expires_in": 86399,
                    "refresh_token": "rt-2",
                    "refresh_token_expires_in": 2591999,
                }
            )
        assert request.headers["Access-Token"] == "at-2"
        return envelope()

    run(handler, store, lambda c: c.get("/open_api/v1.0/qianchuan/ad/get/", {}))
    assert order == ["/open_api/oauth2/refresh_token/", "/open_api/v1.0/qianchuan/ad/get/"]


def test_long_ids_and_money_come_through_exactly(tmp_path):
    def handler(request):
        assert json.loads(request.url.params["filtering"]) == {"ids": [7300000000070000123]}
        return httpx.Response(
            200,
            content=b'{"code":0,"message":"OK","request_id":"r","data":{"list":[{"ad_id":7300000000070000123,"budget":1234567.89}]}}',
        )

    resp, _ = run(handler, tokens(tmp_path), lambda c: c.get("/x/", {"filtering": {"ids": [7300000000070000123]}}))
    item = resp.data["list"][0]
    assert str(item["ad_id"]) == "7300000000070000123" and item["budget"] == Decimal("1234567.89")


def test_an_answer_that_is_not_an_envelope_is_retried_as_transient(tmp_path):
    calls = []

    def handler(request):
        calls.append(1)
        return httpx.Response(200, text="<html>gateway</html>") if len(calls) == 1 else envelope()

    run(handler, tokens(tmp_path), lambda c: c.get("/x/", {}))
    assert len(calls) == 2


def test_token_bucket_spaces_requests_at_the_configured_rate():
    now = [0.0]
    slept = []

    async def fake_sleep(s):
        slept.append(s)
        now[0] += s

    bucket = TokenBucket(rate=10, burst=1, clock=lambda: now[0])

    async def go():
        for _ in range(11):
            await bucket.acquire(fake_sleep)

    asyncio.run(go())
    assert now[0] == pytest.approx(1.0, abs=1e-6)  # 11 requests: the first free, then one per 100 ms


def test_without_tokens_the_error_says_how_to_authorize(tmp_path):
    store = TokenStore(tmp_path / "none.enc", key=new_key())
    with pytest.raises(AuthError, match="spendopt connect qianchuan"):
        run(lambda r: envelope(), store, lambda c: c.get("/x/", {}))


def test_two_processes_sharing_the_token_file_never_spend_the_same_refresh_token(tmp_path):
    store = tokens(tmp_path)  # both "processes" start from at-1 / rt-1
    live_refresh = {"rt-1"}
    refresh_calls = []

    def handler(request):
        if request.url.path.endswith("refresh_token/"):
            token = json.loads(request.content)["refresh_token"]
            refresh_calls.append(token)
            if token not in live_refresh:
                return envelope(40107, message="refresh token invalid")
            live_refresh.discard(token)
            live_refresh.add("rt-2")
            return envelope(
                data={
                    "access_token": "at-2",
                    "expires_in": 86399,
                    "refresh_token": "rt-2",
                    "refresh_token_expires_in": 2591999,
                }
            )
        if request.headers["Access-Token"] != "at-2":
            return envelope(40102, message="access token expired")
        return envelope(data={"ok": True})

    async def two():
        a = ApiClient(
            SETTINGS,
            TokenStore(store.path, key=store._key),
            transport=httpx.MockTransport(handler),
            clock=lambda: NOW,
            sleep=no_sleep,
        )
        b = ApiClient(
            SETTINGS,
            TokenStore(store.path, key=store._key),
            transport=httpx.MockTransport(handler),
            clock=lambda: NOW,
            sleep=no_sleep,
        )
        async with a, b:
            await a.access_token(), await b.access_token()  # both hold at-1 in memory
            first = await a.get("/x/", {})
            second = await b.get("/x/", {})  # b meets 40102, finds a's newer tokens on disk
            return first, second, b

    first, second, b = asyncio.run(two())
    assert first.data == second.data == {"ok": True}
    assert refresh_calls == ["rt-1"] and b.refreshes == 0
    assert store.load().refresh_token.get_secret_value() == "rt-2"
