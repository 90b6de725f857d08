"""The run key: one owner per (account, effective date, job kind), held with a lease.

``claim_run(engine, account_id, day, kind, run_id=...)`` takes the key before a
run pulls anything and returns a ``Lease``; when another live run holds it, or a
run already finished that day, it raises ``RunHeld`` naming that run (the
second process says so and exits 0). Rows of ``run_lease``::

    running   held by ``run_id`` until ``expires_at``; the live run renews it
              (``Lease.keep_alive`` renews in a thread every ttl/3)
    done      the day's work is finished: nobody runs it again
    open      the run ended with an error or with changes still pending (or it
              is a kind that may run again, like a review import): the next
              run takes it over (and reconciles first)

A ``running`` row whose lease expired, or whose holder is a process on this
host that no longer exists (a crash, a SIGKILL), is taken over: the new lease
records ``taken_from`` and the run must settle the old run's pending changes
before it decides anything. A live run's lease is never taken over, so its
pending changes are never touched while its call is in flight.

Taking the key is one short transaction that excludes every other taker:
SQLite: ``BEGIN IMMEDIATE`` (the database's write lock); PostgreSQL:
``pg_advisory_xact_lock`` on a hash of the key. Inside it the row is read and
inserted or updated; the lock ends with the transaction.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import sqlalchemy as sa

from connectors.clock import utc_now
from connectors.errors import SpendoptError
from optimizer.store.tables import RunLease

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

__all__ = [
    "DEFAULT_TTL_S",
    "Lease",
    "LeaseLost",
    "RunHeld",
    "claim_run",
    "holder_name",
    "live_run_ids",
    "read_leases",
]

DEFAULT_TTL_S = 120.0
"""A lease not renewed for this long is expired (a live run renews every ttl/3)."""

_TABLE = RunLease.__table__


def holder_name() -> str:
    """``host:pid`` of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


class RunHeld(SpendoptError):
    """Another run owns this account-day (live, or it finished the day)."""

    def __init__(self, account_id: str, day: dt.date, kind: str, run_id: str, holder: str, state: str) -> None:
        self.account_id, self.day, self.kind = account_id, day, kind
        self.run_id, self.holder, self.state = run_id, holder, state
        if state == "done":
            what = f"run {run_id} already did the {kind} job of account {account_id} for {day}"
        else:
            what = f"run {run_id} ({holder}) is doing the {kind} job of account {account_id} for {day}"
        super().__init__(what + "; nothing to do")


class LeaseLost(SpendoptError):
    """This run's lease expired and another run took the day over: it must stop sending."""

    def __init__(self, lease: Lease, why: str) -> None:
        super().__init__(
            f"run {lease.run_id} lost the key of account {lease.account_id} for {lease.day}: {why}; nothing more is sent"
        )


def _process_gone(holder: str) -> bool:
    """True when ``holder`` is a process on this host that no longer exists."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@contextmanager
def _exclusive(engine: Engine, key: str) -> Iterator[Connection]:
    """One transaction no other taker of ``key`` can interleave with."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.exec_driver_sql("ROLLBACK")
                raise
            conn.exec_driver_sql("COMMIT")
        return
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(key.encode()) - 2**31})
        yield conn


def _where(account_id: str, day: dt.date, kind: str):
    return sa.and_(_TABLE.c.account_id == account_id, _TABLE.c.effective_date == day, _TABLE.c.kind == kind)


class Lease:
    """A held run key. ``renew`` extends it, ``check`` raises ``LeaseLost`` once it is gone."""

    def __init__(
        self,
        engine: Engine,
        account_id: str,
        day: dt.date,
        kind: str,
        run_id: str,
        *,
        ttl_s: float,
        taken_from: str | None,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.engine, self.account_id, self.day, self.kind, self.run_id = engine, account_id, day, kind, run_id
        self.ttl_s, self.taken_from, self.clock = ttl_s, taken_from, clock
        self.expires_at = clock() + dt.timedelta(seconds=ttl_s)
        self.lost: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def renew(self) -> None:
        """Push ``expires_at`` out by the ttl, if the key is still this run's."""
        if self.lost:
            raise LeaseLost(self, self.lost)
        now = self.clock()
        until = now + dt.timedelta(seconds=self.ttl_s)
        with self.engine.begin() as conn:
            done = conn.execute(
                sa.update(_TABLE)
                .where(
                    _where(self.account_id, self.day, self.kind),
                    _TABLE.c.run_id == self.run_id,
                    _TABLE.c.state == "running",
                )
                .values(renewed_at=now, expires_at=until)
            ).rowcount
        if not done:
            self.lost = "another run took it over"
            raise LeaseLost(self, self.lost)
        self.expires_at = until

    def check(self) -> None:
        """Raise ``LeaseLost`` when the key is gone or its lease ran out unrenewed."""
        if self.lost:
            raise LeaseLost(self, self.lost)
        if self.clock() >= self.expires_at:
            self.renew()

    def _renew_loop(self) -> None:
        while not self._stop.wait(self.ttl_s / 3):
            try:
                self.renew()
            except LeaseLost:
                return
            except sa.exc.SQLAlchemyError:  # a store hiccup: try again next tick; check() sees expiry
                continue

    @contextmanager
    def keep_alive(self) -> Iterator[Lease]:
        """Renew in a daemon thread while the block runs."""
        self._thread = threading.Thread(target=self._renew_loop, name=f"lease-{self.run_id}", daemon=True)
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join(timeout=5)

    def release(self, *, done: bool) -> None:
        """End the lease: ``done`` (nobody runs the day again) or open (the next run takes over)."""
        state = "done" if done else "open"
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(_TABLE)
                .where(_where(self.account_id, self.day, self.kind), _TABLE.c.run_id == self.run_id)
                .values(state=state, renewed_at=self.clock())
            )


def claim_run(
    engine: Engine,
    account_id: str,
    day: dt.date,
    kind: str,
    *,
    run_id: str,
    ttl_s: float = DEFAULT_TTL_S,
    clock: Callable[[], dt.datetime] = utc_now,
    holder: str | None = None,
) -> Lease:
    """Take the key of (account, day, kind) for ``run_id``; ``RunHeld`` if a live or finished run has it."""
    holder = holder or holder_name()
    key = f"{account_id}:{day.isoformat()}:{kind}"
    with _exclusive(engine, key) as conn:
        now = clock()
        row = conn.execute(sa.select(_TABLE).where(_where(account_id, day, kind))).mappings().first()
        values = {
            "run_id": run_id,
            "holder": holder[:200],
            "state": "running",
            "acquired_at": now,
            "renewed_at": now,
            "expires_at": now + dt.timedelta(seconds=ttl_s),
        }
        taken_from = None
        if row is None:
            conn.execute(sa.insert(_TABLE).values(account_id=account_id, effective_date=day, kind=kind, **values))
        else:
            live = row["state"] == "running" and _aware(row["expires_at"]) > now and not _process_gone(row["holder"])
            if row["state"] == "done" or (live and row["run_id"] != run_id):
                raise RunHeld(account_id, day, kind, row["run_id"], row["holder"], row["state"])
            taken_from = row["run_id"] if row["run_id"] != run_id else row["taken_from"]
            conn.execute(sa.update(_TABLE).where(_where(account_id, day, kind)).values(taken_from=taken_from, **values))
    return Lease(engine, account_id, day, kind, run_id, ttl_s=ttl_s, taken_from=taken_from, clock=clock)


def read_leases(engine: Engine, *, account_id: str | None = None) -> list[dict]:
    """The run keys (newest day first), for ``spendopt status``."""
    query = sa.select(_TABLE).order_by(_TABLE.c.effective_date.desc(), _TABLE.c.account_id)
    if account_id is not None:
        query = query.where(_TABLE.c.account_id == account_id)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def live_run_ids(engine: Engine, *, now: dt.datetime | None = None) -> set[str]:
    """Runs that hold a live lease now: their pending changes may be in flight and are never taken over."""
    now = now or utc_now()
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(_TABLE.c.run_id, _TABLE.c.expires_at, _TABLE.c.holder).where(_TABLE.c.state == "running")
        ).all()
    return {r.run_id for r in rows if _aware(r.expires_at) > now and not _process_gone(r.holder)}
