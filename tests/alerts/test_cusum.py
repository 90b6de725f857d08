"""The multi-day check: its threshold gives the stated false-alarm rate, it finds a lasting drop that no
single day shows, it restarts after an alert, and it becomes a ``gmv_shift`` alert on the simulated platform."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.alerts.cusum import cusum_threshold, lower_cusum, siegmund_arl


def run_lengths(k: float, h: float, shift: float, n: int, days: int, seed: int) -> np.ndarray:
    """Days until the lower CUSUM first crosses ``h`` on N(shift, 1) days (``days`` if never)."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, days)) + shift
    s, first = np.zeros(n), np.full(n, days)
    for t in range(days):
        s = np.maximum(0.0, s - z[:, t] - k)
        first = np.where((s > h) & (first == days), t + 1, first)
    return first


@pytest.mark.parametrize("k", [0.5, 1.1, 1.6])
def test_the_threshold_gives_the_stated_in_control_run_length(k):
    h = float(cusum_threshold(k, 200.0)[0])
    assert siegmund_arl(k, h) == pytest.approx(200.0, rel=1e-6)
    arl = run_lengths(k, h, 0.0, 4000, 3000, seed=1).mean()
    assert 150 < arl < 270, (k, h, arl)  # Siegmund's approximation: within about 20 % for Gaussian days


def test_a_lasting_three_sd_drop_is_found_within_three_days_a_one_day_test_misses_most_of_them():
    k = 1.1
    h = float(cusum_threshold(k, 1000.0)[0])
    first = run_lengths(k, h, -3.0, 4000, 10, seed=2)
    assert (first <= 3).mean() > 0.9
    assert (first <= 1).mean() < 0.5
    rng = np.random.default_rng(3)
    one_day = rng.standard_normal(100_000) - 3.0 < -3.0  # the one-day band at z = 3 on the same days
    assert one_day.mean() < 0.55


def test_it_fires_on_the_day_it_crosses_restarts_after_that_and_after_a_one_day_alert():
    z = np.array(
        [
            [-2.0, -2.0, -2.0, -2.0],  # crosses on day 2 (S = 1, 2 > 1.5), restarts, crosses again on day 4
            [-2.0, -2.0, -2.0, 0.0],  # crossed on day 2 and 3, not on the last day: no alert today
            [-2.0, -4.0, -2.0, -2.0],  # the one-day check fired on day 2: S restarts there, crosses day 4
            [-2.0, -2.0, -2.0, -2.0],  # the same days, but no volume on day 4: S carries, no alert
        ]
    )
    usable = np.ones_like(z, dtype=bool)
    usable[3, 3] = False
    k, h, reset = np.full(4, 1.0), np.full(4, 1.5), np.full(4, 3.0)
    s, fired, run = lower_cusum(z, usable, k, h, reset)
    assert fired.tolist() == [True, False, True, False]
    assert s[0] == pytest.approx(2.0) and run[0] == 2
    assert s[1] == 0.0
    assert s[3] == pytest.approx(1.0)  # restarted after its crossing on day 3; day 4 not counted
    fired_no_shewhart = lower_cusum(z[:1] * 0 - 0.5, usable[:1], k[:1], h[:1], reset[:1])[1]
    assert not fired_no_shewhart.any()  # half an sd under the model each day is within k: never an alert


@pytest.fixture
def sqlite_engine(tmp_path):
    from optimizer.store import open_store

    engine = open_store(f"sqlite:///{tmp_path / 'cusum.db'}")
    yield engine
    engine.dispose()


def test_a_lasting_40_percent_drop_no_single_day_shows_becomes_gmv_shift_by_the_second_run(
    sqlite_engine, tmp_path, isolated_home
):
    from connectors.sim import SimulatedPlatform
    from connectors.sim.anomaly import AnomalySpec
    from connectors.sim.scenario import load_scenario
    from optimizer.alerts import notice_of
    from optimizer.jobs.daily import run_daily
    from optimizer.settings import load_settings

    scenario = load_scenario("demo")
    b = scenario.campaigns[1].campaign_id
    drop = AnomalySpec(kind="conversion", campaign_id=b, start_day=3, days=6, factor=0.6)

    def alerts_by_run(settings, engine, out):
        platform = SimulatedPlatform.from_scenario(scenario.model_copy(update={"anomaly": (drop,)}), seed=4)
        runs = []
        for _ in range(6):
            result = run_daily(settings, platform, engine, today=platform.today, out_dir=out, report=False)
            runs.append([(a.campaign_id, a.kind, a) for a in result.accounts[0].alerts])
            platform.advance_day()
        return runs

    settings = load_settings()
    runs = alerts_by_run(settings, sqlite_engine, tmp_path)
    assert all(r == [] for r in runs[:4])  # days -1 to 2 are normal; the run of day 4 checks day 3, the first
    assert [(c, k) for c, k, _ in runs[4] + runs[5]] == [(b, "gmv_shift")]  # by the second run, nothing else
    alert = (runs[4] + runs[5])[0][2]
    assert alert.evidence["cusum"] > alert.evidence["cusum_limit"] > 0 and alert.evidence["drift_days"] >= 2
    assert notice_of(alert).title.startswith("GMV 连续多日低于模型区间")
    assert notice_of(alert, "en").title.startswith("GMV below the model's band for days")

    from optimizer.store import open_store

    off = settings.model_copy(update={"alerts": settings.alerts.model_copy(update={"cusum_arl": 0})})
    other = open_store(f"sqlite:///{tmp_path / 'off.db'}")
    try:
        assert all(r == [] for r in alerts_by_run(off, other, tmp_path / "off"))  # the one-day checks miss it
    finally:
        other.dispose()
