"""SIGKILL a real ``spendopt run`` at a random point of apply, run the day's job again, count what broke.

Two platforms (in ``tests/apply/kill_platforms.py``):

* ``SimTrials``: the embedded simulated account (``[job] connector = "sim"``), one
  account kept across trials; each trial is a new simulated day (the account is
  advanced one day between trials);
* ``HttpTrials``: ``spendopt run --connector qianchuan`` over real HTTP against the
  fake Qianchuan server running in this process, with faults (a share of calls
  answer 50000 / HTTP 503 / drop the connection / answer after the client's
  timeout, a share of writes act and then answer 50000); each trial is a fresh
  store and a fresh platform day (``FakeQianchuan.reset``).

A trial: the run starts; when its recommendations file appears (apply follows
it), it is killed after a random delay within the apply time of a calibration
run. Then the same day's job runs again to completion (again while it leaves a
change pending, at most ``MAX_RERUNS`` times). Counted per trial, against the
platform's start-of-day values:

* ``beyond_step``: fields whose value at the end of the day (and, over HTTP, any
  value the server accepted that day) is further from the start-of-day value
  than ``max_change_pct`` (budget) / ``bid.max_change_pct`` (bid);
* ``pending``: audit rows still pending after the reruns;
* ``mismatch``: fields where the platform's value differs from what the audit
  log says (the confirmed row's ``after``; the start value when none is confirmed);
* ``unconfirmed``: writes the platform acted on that no confirmed audit row
  carries (over HTTP: the server's write log; on the simulated account: the
  journal lines the killed run left, the rerun's writes are in ``mismatch``).

Used by ``scripts/bench_kills.py`` (50+ kills each) and ``tests/apply/test_kills.py``.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

MAX_RERUNS = 3
TIMEOUT_S = 180.0
FIELDS = ("budget", "bid", "status")


@dataclass
class Tally:
    """What the trials of one platform found."""

    kills: int = 0  # SIGKILLs that hit a live run
    missed: int = 0  # the run had ended before its kill time (not counted as a kill)
    hit_after_write: int = 0  # kills after the run had got at least one write accepted
    left_pending: int = 0  # kills that left at least one audit row pending
    reruns: int = 0
    rerun_failed: int = 0  # reruns with a non-zero exit
    writes: int = 0  # writes the platform acted on
    written_twice: int = 0  # fields written more than once in a day (within the step is allowed)
    beyond_step: int = 0
    pending: int = 0
    mismatch: int = 0
    unconfirmed: int = 0
    faults: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.beyond_step or self.pending or self.mismatch or self.unconfirmed)


def spendopt_exe() -> str:
    exe = Path(sys.executable).with_name("spendopt")
    return str(exe) if exe.exists() else "spendopt"


def base_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPENDOPT_")}
    env.update(
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        PYTHONUNBUFFERED="1",
        COLUMNS="200",
    )
    return env


def local_today(timezone: str = "Asia/Shanghai") -> dt.date:
    return dt.datetime.now(ZoneInfo(timezone)).date()


def _within(value: str | None, start: str | None, pct: float) -> bool:
    if value is None or start is None or Decimal(start) <= 0:
        return value == start
    return abs(Decimal(value) - Decimal(start)) <= Decimal(start) * Decimal(str(pct)) / 100 + Decimal("0.01")


class Trials:
    """Shared run / kill / rerun / count logic; subclasses know their platform."""

    def __init__(self, work: Path, *, seed: int = 1, say: Callable[[str], None] | None = None) -> None:
        self.work = work
        self.rng = random.Random(seed)
        self.tally = Tally()
        self.say = say or (lambda text: None)
        self.apply_s = 1.0  # how long apply takes after the recommendations file appears (calibrated)
        self.step = {"budget": 30.0, "bid": 10.0}

    # --- per platform ---------------------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        raise NotImplementedError

    def db_url(self) -> str:
        raise NotImplementedError

    def out_dir(self) -> Path:
        return self.work / "runs"

    def argv(self) -> list[str]:
        return [spendopt_exe(), "run", "--db", self.db_url(), "--out", str(self.out_dir())]

    def start_of_day(self) -> dict[tuple[str, str], str | None]:
        raise NotImplementedError

    def final_values(self) -> dict[tuple[str, str], str | None]:
        raise NotImplementedError

    def written(self) -> int:
        """Writes the platform acted on so far today."""
        raise NotImplementedError

    def acted_on(self) -> list[tuple[str, str, str]]:
        """``(campaign_id, field, value)`` of the writes to check against the log."""
        raise NotImplementedError

    def effective_date(self) -> dt.date:
        raise NotImplementedError

    def prepare(self) -> None:
        """Before the first trial (or the calibration run)."""

    def kills(self, n: int, *, progress: Callable[[], None] | None = None, max_tries: int | None = None) -> Tally:
        """Trials until ``n`` kills hit a live run (at most ``max_tries`` trials, default ``3 * n``)."""
        tries = 0
        while self.tally.kills < n and tries < (max_tries or 3 * n):
            tries += 1
            if self.one() and progress is not None:
                progress()
        return self.tally

    # --- the trial ------------------------------------------------------------------------------------
    def _spawn(self) -> subprocess.Popen:
        return subprocess.Popen(
            self.argv(), env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )

    def _files_before(self) -> set[Path]:
        return set(self.out_dir().glob("*/recommendations-*.csv"))

    def _wait_for_apply(self, proc: subprocess.Popen, seen: set[Path]) -> float | None:
        """Seconds since the start when the run's recommendations file appeared (None: it exited first)."""
        t0 = time.monotonic()
        while proc.poll() is None:
            if self._files_before() - seen:
                return time.monotonic() - t0
            if time.monotonic() - t0 > TIMEOUT_S:
                proc.kill()
                raise RuntimeError("the run did not reach apply in time")
            time.sleep(0.002)
        return None

    def calibrate(self) -> str:
        """One run to the end: how long after its recommendations file appears its last write lands."""
        seen = self._files_before()
        proc = self._spawn()
        at = self._wait_for_apply(proc, seen)
        t_csv, n, last = time.monotonic(), self.written(), 0.0
        while proc.poll() is None:
            if self.written() != n:
                n, last = self.written(), time.monotonic() - t_csv
            time.sleep(0.002)
        out, _ = proc.communicate(timeout=TIMEOUT_S)
        if proc.returncode != 0 or at is None:
            raise RuntimeError(f"calibration run failed ({proc.returncode}):\n{out}")
        self.apply_s = last * 1.3 + 0.02
        return out

    def one(self) -> bool:
        """One trial; returns False when the run ended before its kill (nothing was killed)."""
        start = self.start_of_day()
        seen = self._files_before()
        written0 = self.written()
        proc = self._spawn()
        delay = self.rng.uniform(0, self.apply_s)
        if self._wait_for_apply(proc, seen) is None:
            proc.communicate()
            self.tally.missed += 1
            self.finish_day(start)
            return False
        time.sleep(delay)
        if proc.poll() is not None:
            proc.communicate()
            self.tally.missed += 1
            self.finish_day(start)
            return False
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        self.tally.kills += 1
        if self.written() > written0:
            self.tally.hit_after_write += 1
        if self._pending():
            self.tally.left_pending += 1
        self.after_kill()
        for _ in range(MAX_RERUNS):
            self.tally.reruns += 1
            done = subprocess.run(self.argv(), env=self.env(), capture_output=True, text=True, timeout=TIMEOUT_S)
            if done.returncode != 0:
                self.tally.rerun_failed += 1
                self.tally.problems.append(f"rerun exit {done.returncode}: {done.stdout[-400:]}{done.stderr[-400:]}")
            if not self._pending():
                break
        self.count(start)
        self.finish_day(start)
        return True

    def after_kill(self) -> None:
        """Hook: look at the platform right after the kill."""

    def finish_day(self, start: dict) -> None:
        """Hook: make the next trial a new day."""

    def _engine(self):
        from optimizer.store import open_store

        return open_store(self.db_url())

    def _pending(self) -> int:
        from optimizer.act import audit

        engine = self._engine()
        try:
            return len(audit.read_log(engine, state="pending"))
        finally:
            engine.dispose()

    def count(self, start: dict[tuple[str, str], str | None]) -> None:
        from optimizer.act import audit

        engine = self._engine()
        try:
            log = audit.read_log(engine, effective_date=self.effective_date())
        finally:
            engine.dispose()
        t = self.tally
        t.pending += sum(1 for r in log if r.state == "pending")
        confirmed = {(r.campaign_id, r.field): r.after for r in log if r.state == "confirmed"}
        final = self.final_values()
        for key, value in final.items():
            if key not in start:
                continue
            expected = confirmed.get(key, start[key])
            if value != expected:
                t.mismatch += 1
                t.problems.append(f"mismatch {key}: platform {value}, log says {expected}")
            if key[1] in self.step and not _within(value, start[key], self.step[key[1]]):
                t.beyond_step += 1
                t.problems.append(f"beyond step {key}: {start[key]} -> {value}")
        acted = self.acted_on()
        t.writes += len(acted)
        per_field = Counter((c, f) for c, f, _ in acted)
        t.written_twice += sum(1 for n in per_field.values() if n > 1)
        beyond: set[tuple[str, str]] = set()
        for cid, fld, value in acted:
            if not ((cid, fld) in confirmed and same_value(confirmed[(cid, fld)], value)):
                t.unconfirmed += 1
                t.problems.append(f"unconfirmed write {cid} {fld}={value} (log: {confirmed.get((cid, fld))})")
            first = start.get((cid, fld))
            if fld in self.step and (cid, fld) not in beyond and not _within(value, first, self.step[fld]):
                beyond.add((cid, fld))
                if _within(final.get((cid, fld)), first, self.step[fld]):
                    t.beyond_step += 1  # passed the step during the day, came back by the end
                    t.problems.append(f"beyond step during the day {cid} {fld}: {first} -> {value}")


def same_value(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a == b
    try:
        return Decimal(a) == Decimal(b)
    except ArithmeticError:
        return a == b
