"""The run key: one owner per account-day, on SQLite and a real PostgreSQL (every test runs on both)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading

import pytest

from optimizer.store.lease import LeaseLost, RunHeld, claim_run, live_run_ids

DAY = dt.date(2026, 12, 3)
T0 = dt.datetime(2026, 12, 3, 1, 30, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now


def test_a_second_run_on_a_held_day_is_told_who_holds_it(engine):
    lease = claim_run(engine, "acc", DAY, "daily", run_id="run-a")
    with pytest.raises(RunHeld) as held:
        claim_run(engine, "acc", DAY, "daily", run_id="run-b")
    assert held.value.run_id == "run-a" and "run-a" in str(held.value)
    claim_run(engine, "acc", DAY + dt.timedelta(days=1), "daily", run_id="run-b")  # another day is free
    claim_run(engine, "other", DAY, "daily", run_id="run-b")  # so is another account
    assert live_run_ids(engine) == {"run-a", "run-b"}
    lease.release(done=True)
    with pytest.raises(RunHeld, match="already did"):
        claim_run(engine, "acc", DAY, "daily", run_id="run-c")


def test_an_open_day_is_taken_over_and_names_the_run_before(engine):
    claim_run(engine, "acc", DAY, "daily", run_id="run-a").release(done=False)
    lease = claim_run(engine, "acc", DAY, "daily", run_id="run-b")
    assert lease.taken_from == "run-a"


def test_an_expired_lease_is_taken_over_and_the_old_run_cannot_send_any_more(engine):
    clock = Clock()
    old = claim_run(engine, "acc", DAY, "daily", run_id="run-a", ttl_s=60, clock=clock, holder="elsewhere:1")
    clock.now += dt.timedelta(seconds=30)
    old.renew()  # a live run renews: still its day
    clock.now += dt.timedelta(seconds=50)  # 50 s since the renewal: still held
    with pytest.raises(RunHeld):
        claim_run(engine, "acc", DAY, "daily", run_id="run-b", ttl_s=60, clock=clock)
    clock.now += dt.timedelta(seconds=20)  # 70 s since the last renewal: expired
    new = claim_run(engine, "acc", DAY, "daily", run_id="run-b", ttl_s=60, clock=clock)
    assert new.taken_from == "run-a"
    with pytest.raises(LeaseLost):
        old.check()
    new.check()


def test_a_lease_of_a_process_that_died_is_taken_over_at_once(engine):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    import socket

    holder = f"{socket.gethostname()}:{int(dead.stdout)}"
    claim_run(engine, "acc", DAY, "daily", run_id="run-a", holder=holder)
    assert "run-a" not in live_run_ids(engine)
    assert claim_run(engine, "acc", DAY, "daily", run_id="run-b").taken_from == "run-a"


def test_keep_alive_renews_while_the_run_works(engine):
    lease = claim_run(engine, "acc", DAY, "daily", run_id="run-a", ttl_s=6)
    first = lease.expires_at
    with lease.keep_alive():
        threading.Event().wait(2.5)
    assert lease.expires_at > first
    lease.check()


def test_many_takers_at_once_get_exactly_one_lease(store_url):
    from optimizer.store import open_store

    engines = [open_store(store_url) for _ in range(6)]
    won, lost = [], []
    barrier = threading.Barrier(len(engines))

    def take(n: int) -> None:
        barrier.wait()
        try:
            claim_run(engines[n], "acc", DAY, "daily", run_id=f"run-{n}")
            won.append(n)
        except RunHeld as exc:
            lost.append(exc.run_id)

    threads = [threading.Thread(target=take, args=(n,)) for n in range(len(engines))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and len(lost) == len(engines) - 1
    assert set(lost) == {f"run-{won[0]}"}
    for e in engines:
        e.dispose()
