"""The async HTTP client for the Qianchuan Open API.

One ``ApiClient`` per connector. It owns:

- the envelope: ``{"code", "message", "request_id", "data"}``; HTTP 200 with
  ``code != 0`` is an error; the body is parsed with ``Decimal`` for fractions
  and exact ``int`` for 16-19 digit ids (nothing passes through a float);
- the error mapping onto ``connectors.errors`` (``error_for``);
- rate limits: a ``Limiter`` asked before every HTTP call, for the whole app
  and per advertiser: ``LocalLimiter`` (token buckets in this process) by
  default, or one passed in that a fleet of processes shares (the workers'
  PostgreSQL bucket, ``optimizer.store.ratelimit``);
- retries with full-jitter exponential back-off, for ``RetriableError`` only;
- tokens: refresh ahead of expiry, and once more on 40102 / 40105; every new
  token set is saved (``TokenStore.save``) before it is used.

``transport`` is the test seam (``httpx.MockTransport`` or the fake server);
``clock`` and ``sleep`` are injectable. Secrets never reach a log line or an
exception: URLs are logged without query strings and ``redact_httpx_logs``
scrubs httpx's own request log.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from connectors.clock import utc_now
from connectors.errors import (
    AuthError,
    BadRequestError,
    ConnectorError,
    FatalError,
    PermissionDeniedError,
    RateLimitedError,
    RetriableError,
    TokenExpiredError,
    TransientError,
)
from connectors.qianchuan.settings import QianchuanSettings
from connectors.qianchuan.tokens import TokenSet, TokenStore

if TYPE_CHECKING:
    import httpx

__all__ = ["ApiClient", "ApiResponse", "Limiter", "LocalLimiter", "TokenBucket", "error_for", "redact_httpx_logs"]

log = logging.getLogger("spendopt.qianchuan")

OAUTH_PREFIX = "/open_api/oauth2/"
REFRESH_PATH = "/open_api/oauth2/refresh_token/"
ACCESS_TOKEN_PATH = "/open_api/oauth2/access_token/"
_SECRET_QUERY = re.compile(r"((?:access_token|refresh_token|secret|auth_code)=)[^&\s\"']+", re.I)


class _RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(
                _SECRET_QUERY.sub(r"\1***", str(a)) if not isinstance(a, (int, float)) else a for a in args
            )
        if isinstance(record.msg, str):
            record.msg = _SECRET_QUERY.sub(r"\1***", record.msg)
        return True


_FILTER = _RedactFilter()


def redact_httpx_logs() -> None:
    """Scrub token-bearing query strings from httpx's request log (idempotent)."""
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


def error_for(code: int, message: str, *, request_id: str | None, endpoint: str) -> ConnectorError:
    """The error a Qianchuan ``code`` means, grouped by what the caller should do."""
    oauth = endpoint.startswith(OAUTH_PREFIX)
    kw: dict[str, Any] = {"code": code, "request_id": request_id, "endpoint": endpoint}
    if code == 40100:
        return RateLimitedError(message or "requests too frequent", **kw)
    if code == 40110:
        if oauth:
            return AuthError(message or "auth_code expired: authorize again", **kw)
        return RateLimitedError(message or "developer rate limit", **kw)
    if code == 50000:
        return TransientError(message or "platform system error", **kw)
    if code in (40102, 40105):
        return TokenExpiredError(message or "access token expired or invalid", **kw)
    if code in (40103, 40107):
        return AuthError(
            (message or "refresh token expired or invalid") + "; run `spendopt connect qianchuan` again", **kw
        )
    if 40101 <= code <= 40199:
        return AuthError(message or "authorization problem", **kw)
    if code == 40002:
        return PermissionDeniedError(message or "no permission", **kw)
    if code in (40001, 40003):
        return BadRequestError(message or "bad parameter", **kw)
    return FatalError(message or "platform error", **kw)


class TokenBucket:
    """``rate`` requests per second, at most ``burst`` back to back."""

    def __init__(self, rate: float, burst: int = 1, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._stamp = clock()
        self._lock: asyncio.Lock | None = None

    async def acquire(self, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            while True:
                now = self._clock()
                self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self._tokens >= 1 - 1e-9:  # tolerance: float error must not spin the loop
                    self._tokens = max(0.0, self._tokens - 1)
                    return
                await sleep(max((1 - self._tokens) / self.rate, 1e-4))


class Limiter(Protocol):
    """Grants the right to send one HTTP call now (it may sleep first).

    ``account`` is the advertiser the call is about (``None``: app-wide only).
    An implementation takes the advertiser's share first and the app's last,
    so a slot of the app's quota is not held while an account's wait runs.
    """

    async def acquire(self, account: str | None, sleep: Callable[[float], Awaitable[None]]) -> None: ...


class LocalLimiter:
    """The app's and each advertiser's QPS as token buckets in this process only."""

    def __init__(self, app_qps: float, account_qps: float, burst: int = 1) -> None:
        self.account_qps, self.burst = account_qps, burst
        self._app = TokenBucket(app_qps, burst)
        self._accounts: dict[str, TokenBucket] = {}

    async def acquire(self, account: str | None, sleep: Callable[[float], Awaitable[None]]) -> None:
        if account is not None:
            bucket = self._accounts.get(account)
            if bucket is None:
                bucket = self._accounts[account] = TokenBucket(self.account_qps, self.burst)
            await bucket.acquire(sleep)
        await self._app.acquire(sleep)


@dataclass(frozen=True)
class ApiResponse:
    """A successful answer: its ``data`` and the platform's ``request_id``."""

    data: dict[str, Any]
    request_id: str | None
    endpoint: str


def _utcnow() -> dt.datetime:
    return utc_now()


class ApiClient:
    """Calls the API with rate limits, retries and token refresh. Use as ``async with``."""

    def __init__(
        self,
        settings: QianchuanSettings,
        tokens: TokenStore | None = None,
        *,
        transport: Any = None,
        clock: Callable[[], dt.datetime] = _utcnow,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
        limiter: Limiter | None = None,
    ) -> None:
        self.settings = settings
        self.tokens = tokens
        self._transport = transport
        self._clock = clock
        self._sleep = sleep
        self.sleep = sleep
        self._rng = rng or random.Random()
        self._http: httpx.AsyncClient | None = None
        self.limiter: Limiter = limiter or LocalLimiter(settings.app_qps, settings.account_qps, settings.burst)
        self._current: TokenSet | None = None
        self._refresh_lock: asyncio.Lock | None = None
        self._inflight: asyncio.Semaphore | None = None
        self.calls = 0
        self.retries = 0
        self.refreshes = 0
        redact_httpx_logs()

    async def __aenter__(self) -> ApiClient:
        import httpx

        self._http = httpx.AsyncClient(
            base_url=self.settings.base_url,
            transport=self._transport,
            timeout=self.settings.timeout_s,
            limits=httpx.Limits(
                max_connections=self.settings.concurrency, max_keepalive_connections=self.settings.concurrency
            ),
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        closer = getattr(self.limiter, "aclose", None)
        if closer is not None:  # a shared limiter's connection lives in this client's event loop
            await closer()

    # --- tokens -------------------------------------------------------------

    def _token_set(self) -> TokenSet:
        if self._current is None:
            if self.tokens is None:
                raise AuthError("no token store configured")
            self._current = self.tokens.load()
            if self._current is None:
                raise AuthError("Qianchuan is not authorized yet: run `spendopt connect qianchuan`")
        return self._current

    async def access_token(self) -> str:
        """A valid access token, refreshed first when it is about to expire."""
        tokens = self._token_set()
        if tokens.access_left(self._clock()) < self.settings.refresh_margin_s:
            await self.refresh(tokens)
        return self._token_set().access_token.get_secret_value()

    async def refresh(self, seen: TokenSet | None = None) -> TokenSet:
        """Refresh the tokens unless another task already did since ``seen``."""
        if self._refresh_lock is None:
            self._refresh_lock = asyncio.Lock()
        async with self._refresh_lock:
            current = self._token_set()
            if seen is not None and current.issued_at != seen.issued_at:
                return current
            if self.tokens is None:
                raise AuthError("no token store configured")
            with self.tokens.locked():
                on_disk = self.tokens.load()
                if on_disk is not None and on_disk.issued_at > current.issued_at:
                    self._current = on_disk  # another process refreshed first: its tokens are the valid ones
                    return on_disk
                if current.refresh_expires_at <= self._clock():
                    raise AuthError("the refresh token has expired; run `spendopt connect qianchuan` again")
                body = {
                    "app_id": _app_id(self.settings.app_id),
                    "secret": self.settings.secret(),
                    "grant_type": "refresh_token",
                    "refresh_token": current.refresh_token.get_secret_value(),
                }
                resp = await self.call("POST", REFRESH_PATH, body=body, auth=False)
                fresh = TokenSet.from_response(current.app_id, resp.data, self._clock(), current.advertiser_ids)
                self.tokens.save(fresh)  # persisted before first use: the old refresh token is dead now
            self._current = fresh
            self.refreshes += 1
            log.info("qianchuan tokens refreshed (request_id %s)", resp.request_id)
            return fresh

    def adopt(self, tokens: TokenSet) -> None:
        """Use ``tokens`` (just exchanged and saved) from now on."""
        self._current = tokens

    # --- calls --------------------------------------------------------------

    async def get(
        self, path: str, params: dict[str, Any], *, account: str | None = None, token_param: str | None = None
    ) -> ApiResponse:
        return await self.call("GET", path, params=params, account=account, token_param=token_param)

    async def post(
        self, path: str, body: dict[str, Any], *, account: str | None = None, idempotent: bool = False
    ) -> ApiResponse:
        return await self.call("POST", path, body=body, account=account, idempotent=idempotent)

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        account: str | None = None,
        auth: bool = True,
        idempotent: bool = True,
        token_param: str | None = None,
    ) -> ApiResponse:
        """One API call with retries. A non-idempotent call (a write) is retried
        only when the platform surely did not act on it (rate limit, expired
        token); other retriable errors are raised for the caller to read back.

        The access token goes in the ``Access-Token`` header, and also in the
        query parameter ``token_param`` when the endpoint wants it there
        (``oauth2/advertiser/get``); every try carries the token valid at that
        moment, so the try after a refresh sends the new one."""
        attempt = 0
        refreshed = False
        while True:
            used: TokenSet | None = None
            try:
                headers = {}
                if auth:
                    token = await self.access_token()
                    used = self._current
                    headers["Access-Token"] = token
                    if token_param:
                        params = {**(params or {}), token_param: token}
                return await self._once(method, path, params, body, headers, account)
            except TokenExpiredError:
                if not auth or refreshed or self.tokens is None:
                    raise
                refreshed = True
                await self.refresh(used)
            except RetriableError as exc:
                if not idempotent and not isinstance(exc, RateLimitedError):
                    raise
                if attempt >= self.settings.max_retries:
                    raise
                attempt += 1
                self.retries += 1
                cap = min(self.settings.backoff_max_s, self.settings.backoff_base_s * 2 ** (attempt - 1))
                delay = self._rng.uniform(0, cap)
                log.info("retrying %s after %s (attempt %d, %.2fs)", path, type(exc).__name__, attempt, delay)
                await self._sleep(delay)

    async def _once(self, method, path, params, body, headers, account) -> ApiResponse:
        import httpx

        if self._http is None:
            raise RuntimeError("ApiClient is not open: use `async with ApiClient(...)`")
        if self._inflight is None:
            self._inflight = asyncio.Semaphore(self.settings.concurrency)
        query = {k: _query_value(v) for k, v in (params or {}).items() if v is not None}
        content = None
        if method != "GET":
            content = json.dumps(body or {}, default=_json_default, ensure_ascii=False).encode()
            headers = {**headers, "Content-Type": "application/json"}
        async with self._inflight:  # a place in flight first, then the slot: the call leaves in its slot
            await self.limiter.acquire(account, self._sleep)
            self.calls += 1
            try:
                if content is None:
                    response = await self._http.get(path, params=query, headers=headers)
                else:
                    response = await self._http.request(method, path, content=content, headers=headers)
            except httpx.TimeoutException:
                raise TransientError("request timed out", endpoint=path) from None
            except httpx.TransportError as exc:
                raise TransientError(f"connection failed ({type(exc).__name__})", endpoint=path) from None
        return _envelope(response, path)


def _envelope(response, path: str) -> ApiResponse:
    status = response.status_code
    request_id = response.headers.get("X-Tt-Logid")
    try:
        payload = json.loads(response.content, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        payload = None
    if isinstance(payload, dict):
        request_id = str(payload.get("request_id") or request_id or "") or None
    if status == 429:
        raise RateLimitedError(f"HTTP {status}", request_id=request_id, endpoint=path)
    if status >= 500:
        raise TransientError(f"HTTP {status}", request_id=request_id, endpoint=path)
    if status != 200:
        raise FatalError(f"HTTP {status}", request_id=request_id, endpoint=path)
    if not isinstance(payload, dict) or "code" not in payload:
        raise TransientError("answer is not a Qianchuan envelope", request_id=request_id, endpoint=path)
    code = int(payload["code"])
    if code != 0:
        log.warning("qianchuan %s answered code %s (request_id %s)", path, code, request_id)
        raise error_for(code, str(payload.get("message") or ""), request_id=request_id, endpoint=path)
    data = payload.get("data")
    log.debug("qianchuan %s ok (request_id %s)", path, request_id)
    return ApiResponse(data=data if isinstance(data, dict) else {}, request_id=request_id, endpoint=path)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)  # money has 2 decimals and < 1e10: float repr is exact
    raise TypeError(f"cannot send {type(value).__name__}")


def _query_value(value: Any) -> str:
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, default=_json_default, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _app_id(app_id: str) -> int | str:
    return int(app_id) if app_id.isdigit() else app_id
