"""The fleet mode on a real PostgreSQL with real worker processes (issue 15, must-hold 3).

- a day queued twice runs once (the queueing lock while it waits, the run key after it ran);
- an account a live worker is working on is not taken by another worker;
- a SIGKILLed worker's job is put back by a live worker, and its next run takes over
  the run key and settles the dead run's pending change against the platform before
  it sends anything: the platform sees each change once.

The fake Qianchuan server runs in the test process, so the tests read what it acted on.
"""

from __future__ import annotations

import signal
from collections import Counter

import pytest
import sqlalchemy as sa

from connectors.qianchuan.fake.world import FakeSettings
from tests.fleet.helpers import fleet_site, jobs, start_worker, stop, wait_for

pytestmark = pytest.mark.timeout(60)

FAKE = dict(seed=5, plans_per_account=6, uni_plans_per_account=0, history_days=40, lab_ad_share=0.0)


def _writes(world) -> Counter:
    return Counter((ad, field) for ad, field, _value in world.applied)


def _report_calls(world) -> int:
    return sum(n for path, n in world.calls.items() if "/report/" in path)


def _change_rows(url: str, account: str) -> list[dict]:
    from optimizer.store import open_store

    engine = open_store(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT run_id, campaign_id, field, state FROM change_log WHERE account_id = :a ORDER BY id"),
                {"a": account},
            )
            return [dict(r._mapping) for r in rows]
    finally:
        engine.dispose()


def test_a_day_queued_twice_runs_once(tmp_path, postgres_url):
    with fleet_site(tmp_path, postgres_url, FakeSettings(accounts=1, **FAKE)) as site:
        queue = site.queue()
        (account,) = site.advertisers()
        day = site.world.today
        first = queue.queue_day(day)
        again = queue.queue_day(day)  # the morning fired twice while the job waits: one job
        assert (first.queued, first.already) == ((account,), ())
        assert (again.queued, again.already) == ((), (account,))
        assert [j["status"] for j in jobs(site.url)] == ["todo"]

        queue.run_worker(wait=False)  # a real procrastinate worker in this process, until the queue is empty
        assert [j["status"] for j in jobs(site.url)] == ["succeeded"]
        sent = _writes(site.world)
        assert sent, "the account's day sent no change: the test would not see a second run"
        pulls = _report_calls(site.world)

        late = queue.queue_day(day)  # queued again after it ran (e.g. `spendopt enqueue` by hand)
        assert late.queued == (account,)
        queue.run_worker(wait=False)
        assert [j["status"] for j in jobs(site.url)] == ["succeeded", "succeeded"]
        assert _writes(site.world) == sent  # the run key says the day is done: nothing sent again
        assert _report_calls(site.world) == pulls  # not even pulled again
        assert len({r["run_id"] for r in _change_rows(site.url, account)}) == 1  # one run sent the day


def test_an_account_a_live_worker_holds_is_not_taken_by_another(tmp_path, postgres_url):
    with fleet_site(tmp_path, postgres_url, FakeSettings(accounts=2, **FAKE)) as site:
        queue = site.queue()
        busy, other = site.advertisers()
        day = site.world.today
        queue.queue_day(day, [other])
        queue.run_worker(wait=False)  # other's day is done before the test starts
        site.slow_down(latency_s=0.4)  # busy's job takes a while on the live worker
        worker = start_worker(site, "live")
        try:
            queue.queue_day(day, [busy])
            held = wait_for(lambda: [j for j in jobs(site.url) if j["status"] == "doing"], 30, "the live worker")
            assert held[0]["account_id"] == busy
            queue.queue_day(day, [busy])  # queued again while it runs: a second job, same account lock
            queue.queue_day(day, [other])

            queue.run_worker(wait=False)  # another worker: takes what it may, leaves when nothing is left
            by_id = {j["id"]: j for j in jobs(site.url)}
            assert by_id[held[0]["id"]]["status"] == "doing", "the live worker finished too soon to prove anything"
            waiting = [j for j in by_id.values() if j["account_id"] == busy and j["id"] != held[0]["id"]]
            assert [j["status"] for j in waiting] == ["todo"]  # locked by the live worker: not taken
            assert [j["status"] for j in by_id.values() if j["account_id"] == other] == ["succeeded", "succeeded"]

            site.slow_down(latency_s=0.0)
            wait_for(lambda: all(j["status"] == "succeeded" for j in jobs(site.url)), 40, "the live worker's jobs")
        finally:
            stop(worker)
        assert all(n == 1 for n in _writes(site.world).values())
        assert len({r["run_id"] for r in _change_rows(site.url, busy)}) == 1  # one run did busy's day


def test_a_dead_workers_job_is_retried_and_reconciles_before_sending(tmp_path, postgres_url):
    with fleet_site(tmp_path, postgres_url, FakeSettings(accounts=1, **FAKE), lease_s=5) as site:
        queue = site.queue()
        (account,) = site.advertisers()
        site.slow_down(write_latency_s=8.0)  # the platform acts on a write, then answers late
        doomed = start_worker(site, "doomed")
        rescuer = None
        try:
            queue.queue_day(site.world.today)
            wait_for(lambda: site.world.applied, 40, "the first change to reach the platform")
            doomed.send_signal(signal.SIGKILL)  # dies after the platform acted, before it confirmed
            doomed.wait()
            acted = _writes(site.world)
            pending = [r for r in _change_rows(site.url, account) if r["state"] == "pending"]
            assert pending, "the dead run left no pending change: nothing to reconcile"
            dead_run = pending[0]["run_id"]
            site.slow_down(write_latency_s=0.0)

            rescuer = start_worker(site, "rescuer")  # notices the silent worker, puts its job back
            done = wait_for(
                lambda: [j for j in jobs(site.url) if j["status"] in ("succeeded", "failed")], 45, "the retried job"
            )
            assert done[0]["status"] == "succeeded" and done[0]["attempts"] >= 1
        finally:
            stop(doomed)
            if rescuer is not None:
                stop(rescuer)
        rows = _change_rows(site.url, account)
        assert not [r for r in rows if r["state"] == "pending"]
        settled: dict[str, set[str]] = {}
        for r in rows:
            if r["run_id"] == dead_run:
                settled.setdefault(r["campaign_id"], set()).add(r["state"])
        for ad, _field in acted:  # what the platform acted on stays the dead run's, confirmed by reading it back
            assert "confirmed" in settled[ad], (ad, settled)
        writes = _writes(site.world)
        assert all(n == 1 for n in writes.values()), writes  # nothing sent twice
        assert {ad_field: 1 for ad_field in acted}.items() <= writes.items()
