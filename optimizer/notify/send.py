"""Sending notices to every configured bot within its rate limits.

``Notifier.send(notices)`` packs the notices into digests per bot (as few
messages as the bot's size limit allows), then posts them one by one. Before
each post a sliding-window limiter per bot waits until the post keeps every
window of the bot's ``limits`` (Feishu 5 per second and 100 per minute,
DingTalk and WeCom 20 per minute); an answer that says "too many" waits a
whole window and sends the same digest again; a 5xx or a network error is
retried with doubling back-off up to ``max_retries`` times. Nothing is dropped:
a notice is either in a digest the service accepted or in the report's
``undelivered`` for the caller to keep and send next time.

The clock, the sleep and the HTTP transport are injected (tests run on a fake
clock against receivers on 127.0.0.1). ``[notify] enabled = false`` sends
nothing at all and says so in the report.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from optimizer.notify.bots import Bot, BotError, BotRateLimited, BotRejected, BotUnavailable
from optimizer.notify.digest import Notice, pack

__all__ = ["BotReport", "DeliveryReport", "Notifier", "RateLimiter"]


class RateLimiter:
    """Sliding windows: at most ``count`` sends in any ``seconds`` for each ``(count, seconds)``."""

    def __init__(self, limits: Sequence[tuple[int, float]]) -> None:
        self.limits = tuple(limits)
        self._sent: deque[float] = deque()
        self._span = max(seconds for _, seconds in self.limits)

    def wait(self, now: float) -> float:
        """Seconds to wait from ``now`` before the next send keeps every window."""
        while self._sent and self._sent[0] <= now - self._span:
            self._sent.popleft()
        delay = 0.0
        sent = list(self._sent)
        for count, seconds in self.limits:
            inside = [t for t in sent if t > now - seconds]
            if len(inside) >= count:
                delay = max(delay, inside[-count] + seconds - now)
        return max(delay, 0.0)

    def record(self, at: float) -> None:
        self._sent.append(at)


@dataclass
class BotReport:
    """What one bot got."""

    bot: str
    messages: int = 0
    delivered: list[str] = field(default_factory=list)  # notice keys, in order
    undelivered: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class DeliveryReport:
    enabled: bool
    bots: list[BotReport] = field(default_factory=list)

    @property
    def undelivered(self) -> list[str]:
        """Keys some configured bot did not take (send them again later)."""
        seen: dict[str, None] = {}
        for b in self.bots:
            seen.update(dict.fromkeys(b.undelivered))
        return list(seen)

    @property
    def ok(self) -> bool:
        return all(b.error is None for b in self.bots)


class Notifier:
    """Posts digests of notices to ``bots``; see the module docstring."""

    def __init__(
        self,
        bots: Sequence[Bot],
        *,
        language: str = "zh-CN",
        enabled: bool = True,
        timeout_s: float = 10.0,
        max_retries: int = 3,
        backoff_s: float = 2.0,
        max_wait_s: float = 900.0,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.bots = list(bots)
        self.language = language
        self.enabled = enabled
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.max_wait_s = max_wait_s
        self.clock = clock
        self.sleep = sleep
        self._limiters = {id(b): RateLimiter(b.limits) for b in self.bots}
        self._client = httpx.Client(timeout=timeout_s, transport=transport, follow_redirects=False)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Notifier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, notices: Sequence[Notice]) -> DeliveryReport:
        """Deliver ``notices`` to every bot; the report lists what each took and what it did not."""
        report = DeliveryReport(enabled=self.enabled)
        if not self.enabled or not notices:
            return report
        for bot in self.bots:
            report.bots.append(self._send_bot(bot, list(notices)))
        return report

    def _send_bot(self, bot: Bot, notices: list[Notice]) -> BotReport:
        out = BotReport(bot.name)
        digests = pack(notices, lambda group: bot.fits(group, self.language), self.language)
        started = self.clock()
        for n, digest in enumerate(digests):
            try:
                self._post(bot, digest, deadline=started + self.max_wait_s)
            except BotError as exc:
                out.error = str(exc)
                out.undelivered = [x.key for d in digests[n:] for x in d]
                return out
            out.messages += 1
            out.delivered += [x.key for x in digest]
        return out

    def _post(self, bot: Bot, digest: list[Notice], *, deadline: float) -> None:
        limiter = self._limiters[id(bot)]
        failures = 0
        while True:
            delay = limiter.wait(self.clock())
            if delay > 0:
                if self.clock() + delay > deadline:
                    raise BotRateLimited(bot.name, "rate limit would delay the message past the wait allowed")
                self.sleep(delay)
            now = self.clock()
            url, headers, body = bot.request(digest, self.language, now)
            limiter.record(now)
            try:
                bot.check(*self._exchange(bot, url, headers, body))
                return
            except BotRateLimited:
                window = max(seconds for _, seconds in bot.limits)
                if self.clock() + window > deadline:
                    raise
                self.sleep(window)
            except BotUnavailable:
                failures += 1
                if failures > self.max_retries:
                    raise
                self.sleep(self.backoff_s * 2 ** (failures - 1))
            except BotRejected:
                raise

    def _exchange(self, bot: Bot, url: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        """POST and read the answer; network errors become ``BotUnavailable`` without the URL."""
        try:
            response = self._client.post(url, headers=headers, content=body)
        except httpx.TimeoutException:
            raise BotUnavailable(bot.name, "timed out") from None
        except httpx.HTTPError as exc:
            raise BotUnavailable(bot.name, f"connection failed ({type(exc).__name__})") from None
        try:
            payload = response.json()
        except ValueError:
            payload = None
        return response.status_code, payload
