"""optimizer.jobs.aside: an answer computed in a forked child is the answer computed here."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from optimizer.jobs import aside as aside_module
from optimizer.jobs.aside import Aside


def _work(n: int) -> tuple[float, int]:
    return float(np.arange(n, dtype=float).sum()), os.getpid()


class _Unpicklable(Exception):
    def __reduce__(self):
        raise TypeError("not picklable")


def _fail(kind: str) -> None:
    if kind == "value":
        raise ValueError("bad value 7")
    raise _Unpicklable("held a socket")


@pytest.mark.skipif(not aside_module.spare_core(), reason="needs fork and two cores")
def test_the_answer_comes_from_a_child_and_equals_the_one_computed_here():
    with Aside(_work, 10_000) as job:
        total, pid = job.result()
    assert total == _work(10_000)[0]
    assert pid != os.getpid()


@pytest.mark.skipif(not aside_module.spare_core(), reason="needs fork and two cores")
def test_a_failure_in_the_child_is_raised_here():
    with Aside(_fail, "value") as job, pytest.raises(ValueError, match="bad value 7"):
        job.result()
    with Aside(_fail, "unpicklable") as job, pytest.raises(RuntimeError, match="_Unpicklable: held a socket"):
        job.result()


@pytest.mark.skipif(not aside_module.spare_core(), reason="needs fork and two cores")
def test_leaving_before_the_answer_stops_and_reaps_the_child():
    with Aside(time.sleep, 3600) as job:  # would wait an hour
        pid = job._pid
        assert pid is not None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # already reaped: no zombie left behind


def test_on_one_core_it_runs_in_process(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0})
    with Aside(_work, 100) as job:
        assert job._pid is None
        assert job.result() == (_work(100)[0], os.getpid())


def test_a_fork_that_fails_leaves_the_work_to_this_process(monkeypatch):
    def no_fork():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    with Aside(_work, 100) as job:
        assert job._pid is None
        assert job.result() == (_work(100)[0], os.getpid())
