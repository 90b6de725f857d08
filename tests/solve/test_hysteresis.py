"""Paused campaigns: no resume days after a pause, and a resume comes back near the last non-zero budget."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from optimizer.decide.hysteresis import days_paused, history_rows, last_live_budget, resume_blocked
from optimizer.decide.plan import build_states, plan
from optimizer.model.features import build_history
from optimizer.model.fit import fit
from optimizer.settings import Settings
from tests.fit.synthetic import make_stats

END = dt.date(2026, 11, 20)


def _paused_for(days: int, *, seed: int = 3):
    """An account whose first campaign ran at 2,000 a day, then was paused ``days`` days ago (rows of 0)."""
    frame, _ = make_stats(n=8, days=28, seed=seed, end=END)
    first = frame["campaign_id"] == frame["campaign_id"].iloc[0]
    frame.loc[first, "budget"] = 2000.0
    off = first & (frame["date"] > pd.Timestamp(END - dt.timedelta(days=days)))
    frame.loc[off, ["spend", "gmv", "orders", "budget"]] = 0
    frame.loc[off, "status"] = "paused"
    return frame


def _plan(frame, settings):
    h = build_history(frame, settings.model, as_of=END + dt.timedelta(days=1))
    model = fit(h, settings.model)
    states = build_states(h, model)
    return h, model, states


def test_the_last_non_zero_budget_and_the_days_paused_come_from_the_history():
    settings = Settings()
    h, _, states = _plan(_paused_for(2), settings)
    assert last_live_budget(h)[0] == 2000.0
    paused = states["status"].to_numpy() == "paused"
    assert paused[0] and not paused[1:].any()
    assert days_paused(h, paused)[0] == 2
    assert states["budget"].iloc[0] == 2000.0  # not the 0 a paused day reports


def test_the_rows_of_states_in_the_history_in_its_order_reordered_or_a_few():
    h, _, states = _plan(_paused_for(2), Settings())
    assert (history_rows(h, states) == np.arange(h.n)).all()
    picked = [5, 0, 7, 2]
    assert history_rows(h, states.iloc[picked]).tolist() == picked
    assert history_rows(h, states.iloc[::-1]).tolist() == list(range(h.n))[::-1]


def test_a_campaign_paused_two_days_ago_stays_paused_and_one_paused_long_enough_may_resume_near_its_budget():
    # the campaign earns the most of the account, so resuming pays; only the hysteresis holds it back
    settings = Settings(budget={"resume_after_days": 3}, objective={"roi_floor": 0.0})
    frame = _paused_for(2)
    first = frame["campaign_id"] == frame["campaign_id"].iloc[0]
    frame.loc[first, "gmv"] = (frame.loc[first, "spend"] * 3.0).round(2)  # steady ROI: no material change
    h, model, states = _plan(frame, settings)
    assert resume_blocked(h, model, states, settings)[0]
    allocation, _ = plan(h, model, states, settings)
    assert allocation.table["action"].iloc[0] == "hold" and allocation.table["budget"].iloc[0] == 0

    frame = _paused_for(4)
    frame.loc[first, "gmv"] = (frame.loc[first, "spend"] * 9.0).round(2)
    h, model, states = _plan(frame, settings)
    assert not resume_blocked(h, model, states, settings)[0]
    allocation, _ = plan(h, model, states, settings)
    row = allocation.table.iloc[0]
    assert row["action"] == "resume"
    assert 1400.0 - 0.005 <= row["budget"] <= 2600.0 + 0.005  # within 30 % of the last non-zero budget


def test_hysteresis_off_lets_a_recent_pause_resume():
    settings = Settings(budget={"resume_after_days": 0})
    h, model, states = _plan(_paused_for(1), settings)
    assert not np.any(resume_blocked(h, model, states, settings))


def test_a_resume_at_a_lower_budget_is_not_a_material_change_of_the_forecast():
    # Trimmed, then paused yesterday at 2,000; its ROI was steady. Today's state carries a budget of 400:
    # the concave curve alone forecasts a higher ROI there than it earned at 2,000, but nothing new is
    # known about the campaign, so the pause holds (no pause today and resume tomorrow).
    settings = Settings(budget={"resume_after_days": 3}, objective={"roi_floor": 0.0})
    frame = _paused_for(1)
    first = frame["campaign_id"] == frame["campaign_id"].iloc[0]
    live = first & (frame["status"] != "paused")
    frame.loc[live, "spend"] = 2000.0  # spent its budget every day: the curve is what it reads from the cap
    frame.loc[first, "gmv"] = (frame.loc[first, "spend"] * 3.0).round(2)
    h, model, states = _plan(frame, settings)
    states.loc[0, "budget"] = 400.0
    f = model.predict(np.array([[400.0, 2000.0]]).repeat(len(states), 0), np.full((len(states), 2), np.nan))
    assert f.gmv[0, 0] / f.spend[0, 0] >= 1.2 * f.gmv[0, 1] / f.spend[0, 1]  # the curve alone: +20 % or more
    assert resume_blocked(h, model, states, settings)[0]
    allocation, _ = plan(h, model, states, settings)
    assert allocation.table["budget"].iloc[0] == 0
