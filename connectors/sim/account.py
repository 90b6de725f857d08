"""The embedded default account: a simulated Qianchuan account kept across runs.

The quick start's ``spendopt run`` needs an ad account without credentials.
This is one: a ``SimulatedPlatform`` built from a scenario preset (``demo`` by
default), saved as JSON in the user's data directory, whose calendar follows
the real one: each real day that passed since the last run realises one
simulated day (with the budgets and bids in force), so a second run on the
same day sees the same day and applies nothing twice, and tomorrow's run sees
yesterday's results. ``advance`` fast-forwards for demonstrations.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from connectors.sim import SimulatedPlatform

__all__ = ["SimAccount", "open_sim_account"]

MAX_CATCH_UP_DAYS = 60
"""Past this many real days without a run, the account catches up only this far."""


@dataclass
class SimAccount:
    platform: SimulatedPlatform
    state_path: Path
    real_date: dt.date

    @property
    def clock_path(self) -> Path:
        return self.state_path.with_suffix(".clock.json")

    def advance(self, days: int = 1) -> None:
        """Realise ``days`` simulated days now (the demo's fast-forward)."""
        for _ in range(days):
            self.platform.advance_day()

    def save(self) -> None:
        """Write the platform and its real-date anchor, each atomically."""
        self.platform.save(self.state_path)
        tmp = self.clock_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"real_date": self.real_date.isoformat()}), encoding="utf-8")
        os.replace(tmp, self.clock_path)


def open_sim_account(
    data_dir: Path,
    *,
    scenario: str = "demo",
    seed: int = 1,
    today: dt.date | None = None,
) -> SimAccount:
    """Load the saved simulated account (catching up with the real calendar) or
    create it from ``scenario``."""
    today = today or dt.date.today()
    state = data_dir / f"sim-{scenario}.json"
    if state.exists():
        platform = SimulatedPlatform.load(state)
        clock = state.with_suffix(".clock.json")
        last = (
            dt.date.fromisoformat(json.loads(clock.read_text(encoding="utf-8"))["real_date"])
            if clock.exists()
            else today
        )
        account = SimAccount(platform, state, today)
        account.advance(min(max((today - last).days, 0), MAX_CATCH_UP_DAYS))
        return account
    return SimAccount(SimulatedPlatform.from_scenario(scenario, seed=seed), state, today)
