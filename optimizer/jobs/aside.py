"""Work whose answer is wanted later, started now on the other core (a forked child).

The one-shot command's slope backtest (``optimizer.model.backtest``) is for the
report only and costs about as much as the fit it checks, while the decisions
never wait for it. ``Aside(fn, *args)`` forks a child that computes
``fn(*args)`` and sends the pickled answer back through a pipe, and the parent
goes on with the solve; ``result()`` waits for the answer. The child shares
the parent's memory copy-on-write and ends with ``os._exit`` (none of the
parent's exit handlers, buffers or connections are touched there).

Where the platform cannot fork (or a fork fails), or the process may use one core
only, the call runs in ``result()``, in process, so the answer is the same either way. An
exception in the child is raised again by ``result()`` (as ``RuntimeError``
with its text if it cannot be pickled); a child that dies without an answer
raises ``ChildProcessError``. Leaving the ``with`` block before ``result()``
(an error in the solve) stops and reaps the child.
"""

from __future__ import annotations

import os
import pickle
import signal
from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["Aside", "spare_core"]

T = TypeVar("T")


def spare_core() -> bool:
    """Whether this process may run on more than one core and can fork."""
    if not hasattr(os, "fork"):
        return False
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores > 1


class Aside(Generic[T]):
    """``fn(*args)`` in a forked child while the caller goes on (see the module docstring)."""

    def __init__(self, fn: Callable[..., T], *args: Any) -> None:
        self._fn, self._args = fn, args
        self._pid: int | None = None
        self._pipe = -1
        if spare_core():
            self._start()

    def _start(self) -> None:
        try:
            read, write = os.pipe()
        except OSError:  # no descriptor left: compute it in process
            return
        try:
            pid = os.fork()
        except OSError:  # no process left (or forking not allowed here): compute it in process
            os.close(read)
            os.close(write)
            return
        if pid == 0:  # the child: compute, answer, leave without running any of the parent's exit code
            os.close(read)
            try:
                _answer(write, self._fn, self._args)
            finally:
                os._exit(0)
        os.close(write)
        self._pid, self._pipe = pid, read

    def result(self) -> T:
        """The answer: the child's, or computed here when there is none."""
        if self._pid is None:
            return self._fn(*self._args)
        with os.fdopen(self._pipe, "rb") as pipe:
            data = pipe.read()
        self._reap()
        if not data:
            raise ChildProcessError("the background computation ended without an answer")
        ok, value = pickle.loads(data)
        if not ok:
            raise value
        return value

    def _reap(self) -> None:
        if self._pid is not None:
            os.waitpid(self._pid, 0)
            self._pid = None

    def __enter__(self) -> Aside[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pid is not None:
            os.kill(self._pid, signal.SIGKILL)
            os.close(self._pipe)
            self._reap()


def _answer(fd: int, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        payload = pickle.dumps((True, fn(*args)))
    except BaseException as exc:  # the parent raises it: any failure here is the caller's to see
        try:
            payload = pickle.dumps((False, exc))
        except Exception:
            payload = pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
    with os.fdopen(fd, "wb") as out:
        out.write(payload)
