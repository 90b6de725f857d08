"""The fleet's shared rate limit (``optimizer.store.ratelimit.FleetLimiter``) on a real PostgreSQL.

Two limiters stand for two worker processes (each its own connection), many calls
each: the calls they let go never exceed the app's QPS in any one-second window,
whoever asks; a call that wakes too late from its wait gives its slot up and takes
a new one rather than going out next to the following call.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from optimizer.store import open_store
from optimizer.store.ratelimit import FleetLimiter

pytestmark = pytest.mark.timeout(60)


def _busiest(times: list[float], window: float = 1.0) -> int:
    times = sorted(times)
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - window:
            j += 1
        best = max(best, i - j + 1)
    return best


def test_two_workers_share_one_app_quota(postgres_url):
    open_store(postgres_url).dispose()  # the schema (rate_slot)
    qps = 40.0

    async def run() -> tuple[list[float], list[FleetLimiter]]:
        limiters = [FleetLimiter(postgres_url, app_qps=qps, account_qps=1000, burst=1) for _ in range(2)]
        sent: list[float] = []
        stop = time.monotonic() + 2.5

        async def caller(limiter: FleetLimiter, account: str) -> None:
            while time.monotonic() < stop:
                await limiter.acquire(account)
                sent.append(time.monotonic())

        try:
            await asyncio.gather(*(caller(lim, f"a{n % 3}") for lim in limiters for n in range(6)))
        finally:
            for lim in limiters:
                await lim.aclose()
        return sent, limiters

    sent, _limiters = asyncio.run(run())
    assert _busiest(sent) <= qps, _busiest(sent)
    assert len(sent) >= 0.5 * qps * 2.5, len(sent)  # the quota is shared, not starved (a loose floor: 2 cores)


def test_a_call_that_wakes_too_late_takes_a_new_slot(postgres_url):
    open_store(postgres_url).dispose()
    overslept = []

    async def late_once(seconds: float) -> None:  # the process was busy: woke 0.3 s after its slot, once
        extra = 0.3 if not overslept else 0.0
        overslept.append(extra)
        await asyncio.sleep(seconds + extra)

    async def run() -> FleetLimiter:
        limiter = FleetLimiter(postgres_url, app_qps=20, account_qps=20, burst=1, late_s=0.05)
        try:
            await limiter.acquire(None)  # the app's slot is now taken: the next one waits about 50 ms
            await limiter.acquire(None, late_once)
        finally:
            await limiter.aclose()
        return limiter

    limiter = asyncio.run(run())
    assert overslept[0] == 0.3 and limiter.given_up == 1  # the late slot was given up, a fresh one used
