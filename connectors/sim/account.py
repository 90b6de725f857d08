"""The embedded default account: a simulated Qianchuan account kept across runs.

The quick start's ``spendopt run`` needs an ad account without credentials.
This is one: a ``SimulatedPlatform`` built from a scenario preset (``demo`` by
default), kept in the user's data directory, whose calendar follows the real
one: each real day that passed since the last run realises one simulated day
(with the budgets and bids in force), so a second run on the same day sees the
same day and applies nothing twice, and tomorrow's run sees yesterday's
results. ``advance`` fast-forwards for demonstrations.

Durable like a real platform. Files, next to each other::

    sim-demo.json           the snapshot (platform state, ``journal_seq``, ``real_date``)
    sim-demo.journal.jsonl  one line per accepted write call and per realised day,
                            appended and fsynced before the call answers
    sim-demo.lock           held (flock) while a process has the account open

``open_sim_account`` loads the snapshot and replays the journal lines after its
``journal_seq`` (a torn last line, from a kill mid-append, is a call that never
answered: dropped); ``save`` writes a new snapshot atomically and empties the
journal. A process killed at any point leaves an account that shows every
write it accepted. One process at a time has the account open: a second one
waits for the lock (the run key in the store then tells it whether the day is
still to do). ``persist=False`` (a dry run) reads and journals nothing new.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connectors.clock import today_in
from connectors.durable import write_atomic
from connectors.sim import SimulatedPlatform

__all__ = ["SimAccount", "open_sim_account"]

MAX_CATCH_UP_DAYS = 60
"""Past this many real days without a run, the account catches up only this far."""


@dataclass
class SimAccount:
    platform: SimulatedPlatform
    state_path: Path
    real_date: dt.date
    persist: bool = True
    seq: int = 0
    _lock_fd: int | None = field(default=None, repr=False)

    @property
    def clock_path(self) -> Path:
        return self.state_path.with_suffix(".clock.json")

    @property
    def journal_path(self) -> Path:
        return self.state_path.with_suffix(".journal.jsonl")

    def _append(self, entries: list[dict[str, Any]]) -> None:
        """Append ``entries`` to the journal and fsync: the platform answers only after this."""
        if not self.persist:
            return
        lines = []
        for entry in entries:
            self.seq += 1
            lines.append(json.dumps({**entry, "seq": self.seq}, ensure_ascii=False, separators=(",", ":")))
        fd = os.open(self.journal_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, ("\n".join(lines) + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def advance(self, days: int = 1) -> None:
        """Realise ``days`` simulated days now (the demo's fast-forward)."""
        if days <= 0:
            return
        for _ in range(days):
            self.platform.advance_day()
        self._append([{"op": "advance", "days": days, "real_date": self.real_date.isoformat()}])

    def save(self) -> None:
        """Write a new snapshot (platform, journal position, real date) atomically, then empty the journal."""
        if not self.persist:
            return
        state = {**self.platform.dump_state(), "journal_seq": self.seq, "real_date": self.real_date.isoformat()}
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.state_path, json.dumps(state, ensure_ascii=False, separators=(",", ":")))
        write_atomic(self.clock_path, json.dumps({"real_date": self.real_date.isoformat()}))
        write_atomic(self.journal_path, "")

    def close(self) -> None:
        """Let another process open the account."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing releases the flock
            self._lock_fd = None


def _lock(state: Path) -> int:
    state.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(state.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: one process at a time is on the user
        return fd
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def _replay(platform: SimulatedPlatform, journal: Path, after: int, *, repair: bool) -> tuple[int, dt.date | None]:
    """Redo the journal's complete lines after ``after``; returns the last seq and real date seen.

    A torn last line (a kill in the middle of an append) belongs to a call that
    never answered: it is dropped, and cut off the file when ``repair``.
    """
    seq, real = after, None
    if not journal.exists():
        return seq, real
    data = journal.read_bytes()
    good = 0
    for line in data.splitlines(keepends=True):
        try:
            if not line.endswith(b"\n"):
                raise ValueError("torn")
            entry = json.loads(line)
        except ValueError:
            break
        good += len(line)
        if int(entry["seq"]) <= after:
            continue
        platform.replay(entry)
        seq = int(entry["seq"])
        if entry.get("real_date"):
            real = dt.date.fromisoformat(entry["real_date"])
    if repair and good < len(data):
        with open(journal, "r+b") as handle:
            handle.truncate(good)
            os.fsync(handle.fileno())
    return seq, real


def open_sim_account(
    data_dir: Path,
    *,
    scenario: str = "demo",
    seed: int = 1,
    today: dt.date | None = None,
    persist: bool = True,
) -> SimAccount:
    """Load the saved simulated account (catching up with the real calendar) or
    create it from ``scenario``. Holds the account's lock until ``close``."""
    today = today or today_in()
    state = data_dir / f"sim-{scenario}.json"
    lock = _lock(state)
    try:
        if state.exists():
            data = json.loads(state.read_text(encoding="utf-8"))
            platform = SimulatedPlatform.load_state(data)
            clock = state.with_suffix(".clock.json")
            last = (
                dt.date.fromisoformat(data["real_date"])
                if data.get("real_date")
                else dt.date.fromisoformat(json.loads(clock.read_text(encoding="utf-8"))["real_date"])
                if clock.exists()
                else today
            )
            journal = state.with_suffix(".journal.jsonl")
            seq, replayed_date = _replay(platform, journal, int(data.get("journal_seq", 0)), repair=persist)
            last = replayed_date or last
        else:
            platform, seq, last = SimulatedPlatform.from_scenario(scenario, seed=seed), 0, today
        account = SimAccount(platform, state, today, persist=persist, seq=seq, _lock_fd=lock)
        if not state.exists():
            account.save()
        account.advance(min(max((today - last).days, 0), MAX_CATCH_UP_DAYS))
        platform.journal = account._append
        return account
    except BaseException:
        os.close(lock)
        raise
