"""One rate limit for a fleet of workers: the platform's QPS kept in PostgreSQL.

The Qianchuan app has one QPS quota, and each advertiser one of its own, for
every process that calls the API with the app's credentials. ``FleetLimiter``
(a ``connectors.qianchuan.transport.Limiter``) holds them in the table
``rate_slot`` so that N workers on M machines share them:

    rate_slot(name, tat)    name = "app" or "account:<advertiser id>";
                            tat  = the theoretical arrival time of the next call

A call asks for a slot with one atomic statement (GCRA, the generic cell rate
algorithm; ``T = 1 / qps``, ``slack = (burst - 1) * T``)::

    start   = max(tat, now - slack)        -- the earliest time this call may go
    tat     = start + T                    -- the row keeps the next call's time
    wait    = start - now                  -- returned: the caller sleeps that long

``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` runs it under the row's lock,
so two workers never get the same slot, and ``now`` is the database's clock
(``clock_timestamp()``), so the machines' clocks do not matter. Slots are handed
out in order, T apart: over any second at most ``qps + burst - 1`` calls start,
never more, however many workers ask. The caller sleeps on its side (no lock
is held while it waits), and a slot not used (a worker died while waiting) is
simply a call that did not happen: the quota is never exceeded, at worst a
fraction of it is lost.

The advertiser's slot is taken first and the app's last, so a call waiting for
a busy advertiser does not hold a slot of the app's quota meanwhile.

What the platform counts is when calls *arrive*, not when their slots were
handed out: a worker busy on the CPU (a fit in another thread) may wake late
from its wait and send next to the following slot's call. So a call more than
``late_s`` past its slot gives the slot up and takes a new one (the late slot is
a call that did not happen), and slots are ``T = (1 + late_s) / qps`` apart: any
second of arrivals then comes from at most ``1 + late_s`` seconds of slots, which
hold at most ``qps`` of them. The price is the headroom, ``late_s`` of the
quota (5 % by default).

PostgreSQL only (the fleet needs one shared database); a single process on
SQLite keeps ``LocalLimiter``. The connection is opened on the first call, in
the event loop that calls (the connector's), and is used by one call at a time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["FleetLimiter", "libpq_url"]

_SLOT = """
INSERT INTO rate_slot AS r (name, tat)
VALUES (%(name)s, clock_timestamp() + make_interval(secs => %(t)s))
ON CONFLICT (name) DO UPDATE
   SET tat = GREATEST(r.tat, clock_timestamp() - make_interval(secs => %(slack)s)) + make_interval(secs => %(t)s)
RETURNING EXTRACT(EPOCH FROM (r.tat - clock_timestamp()))::float8 - %(t)s AS wait
"""


def libpq_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL (``postgresql+psycopg://...``) as a libpq URL psycopg can open."""
    from sqlalchemy.engine import make_url

    from optimizer.store.engine import normalize_url

    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"a fleet needs PostgreSQL, not {parsed.get_backend_name()}")
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


class FleetLimiter:
    """The app's and each advertiser's QPS, shared through ``rate_slot`` by every worker."""

    def __init__(
        self, database_url: str, *, app_qps: float, account_qps: float, burst: int = 1, late_s: float = 0.05
    ) -> None:
        if app_qps <= 0 or account_qps <= 0 or burst < 1 or not 0 <= late_s < 1:
            raise ValueError("app_qps and account_qps must be > 0, burst >= 1 and 0 <= late_s < 1")
        self._conninfo = libpq_url(database_url)
        self.app_qps, self.account_qps, self.burst, self.late_s = app_qps, account_qps, burst, late_s
        self._conn: Any = None
        self._lock: asyncio.Lock | None = None
        self.waited_s = 0.0  # total time this process slept for slots (for benchmarks)
        self.given_up = 0  # slots given up because the call would have left too late

    async def _slot(self, name: str, qps: float) -> float:
        import psycopg

        if self._lock is None:
            self._lock = asyncio.Lock()
        t = (1.0 + self.late_s) / qps
        async with self._lock:
            if self._conn is None or self._conn.closed:
                self._conn = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
            try:
                cur = await self._conn.execute(_SLOT, {"name": name, "t": t, "slack": (self.burst - 1) * t})
            except psycopg.OperationalError:
                await self._conn.close()  # a dropped connection: open a new one, once
                self._conn = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
                cur = await self._conn.execute(_SLOT, {"name": name, "t": t, "slack": (self.burst - 1) * t})
            row = await cur.fetchone()
        return max(0.0, float(row[0]))

    async def acquire(self, account: str | None, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        if account is not None:
            await self._take(f"account:{account}", self.account_qps, sleep)
        await self._take("app", self.app_qps, sleep)

    async def _take(self, name: str, qps: float, sleep: Callable[[float], Awaitable[None]]) -> None:
        """A slot of ``name`` this call can still use: one it reaches at most ``late_s`` after its time."""
        while True:
            asked = time.monotonic()  # the slot's time is no earlier than asked + wait (the query took some)
            seconds = await self._slot(name, qps)
            if seconds > 0:
                self.waited_s += seconds
                await sleep(seconds)
            if time.monotonic() - (asked + seconds) <= self.late_s:
                return
            self.given_up += 1

    async def aclose(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
