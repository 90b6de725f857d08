"""SIGKILL a real `spendopt run` during apply, run the day's job again: each change reaches the account once.

The small version of ``scripts/bench_kills.py`` (``tests/apply/kills.py`` is the
harness): real subprocesses, real SIGKILL, the embedded simulated account and
the fake Qianchuan server over loopback HTTP with faults. The two platforms run
side by side to keep the test short.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.apply.kill_platforms import HttpTrials, SimTrials
from tests.apply.kills import Tally

KILLS = 4


def _run(trials) -> Tally:
    trials.prepare()
    trials.calibrate()  # how long apply takes on this machine now (a loaded one is slower)
    return trials.kills(KILLS, max_tries=3 * KILLS)


def test_kills_during_apply_leave_every_change_once_and_the_log_true(tmp_path):
    sim = SimTrials(tmp_path / "sim", scenario="demo", fresh=True, seed=5)
    http = HttpTrials(tmp_path / "http", plans=12, timeout_s=0.5, seed=5)
    try:
        with ThreadPoolExecutor(2) as pool:
            sim_job = pool.submit(_run, sim)
            http_job = pool.submit(_run, http)
            on_sim, on_http = sim_job.result(), http_job.result()
    finally:
        http.close()
    for name, tally in (("sim", on_sim), ("http", on_http)):
        assert tally.kills == KILLS, (name, tally)
        assert tally.writes > 0, (name, tally)  # the kills hit runs that had changes to make
        assert tally.rerun_failed == 0, (name, tally.problems)
        assert (tally.beyond_step, tally.pending, tally.mismatch, tally.unconfirmed) == (0, 0, 0, 0), (
            name,
            tally.problems,
        )
    assert sum(on_http.faults.values()) > 0
