"""The two platforms of the kill trials (``tests/apply/kills.py`` holds the trial and the counting).

* ``SimTrials``: the embedded simulated account;
* ``HttpTrials``: the fake Qianchuan server over loopback HTTP, with faults.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path
from typing import Any

from tests.apply.kills import FIELDS, TIMEOUT_S, Trials, base_env, local_today, same_value, spendopt_exe

# --- the embedded simulated account -----------------------------------------------------------------


class SimTrials(Trials):
    """Kills on the embedded simulated account: one account, a new simulated day per trial; or, with
    ``fresh``, a new account (its own seed) and store per trial, so that every trial is a first day."""

    def __init__(self, work: Path, *, scenario: str = "large_account", fresh: bool = False, **kw: Any) -> None:
        super().__init__(work, **kw)
        self.scenario, self.fresh, self.day = scenario, fresh, 0
        self.journal_lines: list[dict] = []
        self.start: dict[tuple[str, str], str | None] = {}

    @property
    def home(self) -> Path:
        return self.work / f"day{self.day}" if self.fresh else self.work

    @property
    def data(self) -> Path:
        return self.home / "data" / "spendopt"

    def out_dir(self) -> Path:
        return self.home / "runs"

    def env(self) -> dict[str, str]:
        seed = str(self.day + 1 if self.fresh else 1)
        return {**base_env(self.home), "SPENDOPT_JOB__SIM_SCENARIO": self.scenario, "SPENDOPT_JOB__SIM_SEED": seed}

    def db_url(self) -> str:
        return f"sqlite:///{self.home / 'store.db'}"

    def _account(self, persist: bool = False):
        from connectors.sim.account import open_sim_account

        seed = self.day + 1 if self.fresh else 1
        return open_sim_account(self.data, scenario=self.scenario, seed=seed, today=local_today(), persist=persist)

    def _values(self) -> dict[tuple[str, str], str | None]:
        from optimizer.act import audit

        account = self._account()
        try:
            platform = account.platform
            self._today = platform.today
            acc = platform.list_accounts()[0].account_id
            return {
                (s.campaign_id, f): audit.platform_value(s, f) for s in platform.list_campaigns(acc) for f in FIELDS
            }
        finally:
            account.close()

    def start_of_day(self) -> dict[tuple[str, str], str | None]:
        self.journal_lines = []
        self.start = self._values()
        return self.start

    def final_values(self) -> dict[tuple[str, str], str | None]:
        return self._values()

    def effective_date(self) -> dt.date:
        return self._today

    def _journal(self) -> list[dict]:
        path = self.data / f"sim-{self.scenario}.journal.jsonl"
        if not path.exists():
            return []
        out = []
        for line in path.read_bytes().splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("op") in FIELDS:
                out.append(entry)
        return out

    def written(self) -> int:
        return len(self._journal())

    def prepare(self) -> None:
        self._account(persist=True).close()  # the account as the first run finds it (a fresh one is saved)

    def after_kill(self) -> None:
        self.journal_lines = self._journal()  # the killed run's accepted writes (a clean rerun empties it)

    def calibrate(self) -> str:
        out = super().calibrate()
        self.finish_day({})
        return out

    def acted_on(self) -> list[tuple[str, str, str]]:
        """The killed run's journal lines, then every field the day changed that they do not account for.

        A run saves the account (and so empties the journal) once its writes are through; what the
        journal no longer shows is in the platform's state: its end-of-day value against the start."""
        acted = [(e["campaign_id"], e["op"], str(e["value"])) for e in self.journal_lines]
        last = {(c, f): v for c, f, v in acted}
        for (cid, fld), value in self.final_values().items():
            if (
                value is not None
                and value != self.start.get((cid, fld))
                and not same_value(last.get((cid, fld)), value)
            ):
                acted.append((cid, fld, value))
        return acted

    def finish_day(self, start: dict) -> None:
        if self.fresh:
            self.day += 1
            self.prepare()
            return
        account = self._account(persist=True)
        try:
            account.advance(1)
            account.save()
        finally:
            account.close()


# --- the fake Qianchuan server over HTTP ------------------------------------------------------------


HTTP_FAULTS = ("50000", "http503", "drop", "slow")


class HttpTrials(Trials):
    """Kills over real HTTP against the fake Qianchuan server, with faults; a fresh store and day per trial."""

    def __init__(
        self,
        work: Path,
        *,
        plans: int = 16,
        fault_rate: float = 0.15,
        after_apply_rate: float = 0.20,
        timeout_s: float = 1.0,
        **kw: Any,
    ) -> None:
        from connectors.qianchuan.fake.server import FakeServer
        from connectors.qianchuan.fake.world import FakeSettings
        from connectors.qianchuan.tokens import new_key

        super().__init__(work, **kw)
        self.clean_settings = FakeSettings(
            seed=11, accounts=1, plans_per_account=plans, uni_plans_per_account=1, history_days=45
        )
        self.fault_settings = self.clean_settings.model_copy(
            update={
                "fault_rate": fault_rate,
                "fault_kinds": HTTP_FAULTS,
                "slow_s": timeout_s + 0.5,
                "fault_after_apply_rate": after_apply_rate,
            }
        )
        self.timeout_s = timeout_s
        self.server = FakeServer(self.clean_settings).start()
        self.world = self.server.world
        self.key = new_key()
        self.trial = 0

    def close(self) -> None:
        self.server.stop()

    def env(self) -> dict[str, str]:
        env = base_env(self.work)
        env.update(
            SPENDOPT_JOB__CONNECTOR="qianchuan",
            SPENDOPT_QIANCHUAN__BASE_URL=self.server.base_url,
            SPENDOPT_QIANCHUAN__AUTH_URL=self.server.auth_url,
            SPENDOPT_QIANCHUAN__TIMEOUT_S=str(self.timeout_s),
            SPENDOPT_QIANCHUAN__BACKOFF_BASE_S="0.05",
            SPENDOPT_QIANCHUAN__BACKOFF_MAX_S="0.2",
            SPENDOPT_QIANCHUAN__APP_QPS="100",  # loopback: the client's own rate limit would only slow the trials
            SPENDOPT_QIANCHUAN__ACCOUNT_QPS="100",
            SPENDOPT_QIANCHUAN__BURST="20",
            SPENDOPT_QIANCHUAN_APP_ID=self.world.settings.app_id,
            SPENDOPT_QIANCHUAN_APP_SECRET=self.world.settings.app_secret,
            SPENDOPT_SECRET_KEY=self.key,
        )
        return env

    def connect(self) -> None:
        code = self.world.issue_auth_code()
        done = subprocess.run(
            [spendopt_exe(), "connect", "qianchuan"],
            input=code + "\n",
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
        )
        if done.returncode != 0:
            raise RuntimeError(f"connect failed: {done.stdout}{done.stderr}")

    def db_url(self) -> str:
        return f"sqlite:///{self.work / f'store-{self.trial}.db'}"

    def faults(self, on: bool) -> None:
        self.world.settings = self.fault_settings if on else self.clean_settings

    def _values(self) -> dict[tuple[str, str], str | None]:
        out: dict[tuple[str, str], str | None] = {}
        with self.world._lock:
            for p in self.world.plans.values():
                if p.lab_ad:
                    continue
                bid = p.cpa_bid if p.roi_goal is None else p.roi_goal
                out[(str(p.ad_id), "budget")] = f"{p.budget:.2f}"
                out[(str(p.ad_id), "bid")] = f"{bid:.2f}" if bid is not None else None
                out[(str(p.ad_id), "status")] = "paused" if p.opt_status == "DISABLE" else "active"
        return out

    def start_of_day(self) -> dict[tuple[str, str], str | None]:
        return self._values()

    def final_values(self) -> dict[tuple[str, str], str | None]:
        return self._values()

    def effective_date(self) -> dt.date:
        return self.world.today

    def written(self) -> int:
        return len(self.world.applied)

    def acted_on(self) -> list[tuple[str, str, str]]:
        names = {"roi_goal": "bid", "ENABLE": "active", "DISABLE": "paused"}
        out = []
        for ad_id, attr, value in list(self.world.applied):
            fld = names.get(attr, attr)
            out.append((ad_id, fld, names.get(value, value) if fld == "status" else value))
        return out

    def prepare(self) -> None:
        self.connect()

    def calibrate(self) -> str:
        out = super().calibrate()
        self.apply_s *= 2  # faults and retries make apply slower than the calibration run
        self.finish_day({})
        return out

    def one(self) -> bool:
        self.faults(True)
        try:
            return super().one()
        finally:
            self.faults(False)

    def finish_day(self, start: dict) -> None:
        self.tally.faults.update(self.world.faults)
        self.trial += 1
        self.world.reset()
