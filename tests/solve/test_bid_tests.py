"""No evidence never means the largest step everywhere: unidentified bids are held, a few are tested a little."""

from __future__ import annotations

import datetime as dt

import numpy as np

from optimizer.decide.bid_tests import bid_identified, choose_tests
from optimizer.decide.plan import build_states, recommendations
from optimizer.model.features import build_history
from optimizer.model.fit import fit
from optimizer.settings import Settings
from tests.fit.synthetic import make_stats

END = dt.date(2026, 11, 20)


def _recommend(frame, settings):
    h = build_history(frame, settings.model, as_of=END + dt.timedelta(days=1))
    model = fit(h, settings.model)
    states = build_states(h, model)
    _, rows = recommendations(h, model, states, settings, run_id="t", effective_date=END + dt.timedelta(days=1))
    return h, model, states, rows


def test_a_history_whose_bids_never_changed_does_not_get_every_bid_moved_by_the_full_step():
    frame, _ = make_stats(n=30, days=28, seed=11, cpa_share=1.0, flat=True, end=END)
    settings = Settings(bid={"max_change_pct": 10})
    h, _, _, rows = _recommend(frame, settings)
    assert not bid_identified(h)[0].any()
    change = (rows["recommended_bid"] / rows["current_bid"] - 1).abs()
    assert not (change >= 0.099).any(), "no bid moves by the full 10 % on no evidence"
    tested = change > 0.03 + 1e-3  # beyond the cautious step: a test
    assert tested.sum() <= 3, "at most a tenth of the campaigns are tested on one day"
    assert (change <= 0.05 + 1e-3).all()
    assert rows.loc[tested, "reason"].str.contains("测试|test").all()
    assert rows.loc[~tested, "reason"].str.contains("出价测试|出价谨慎|bid test|bid cautious").all()


def test_a_varied_bid_history_moves_bids_freely_and_tests_stop_once_identified():
    frame, _ = make_stats(n=20, days=28, seed=12, cpa_share=1.0, end=END)
    settings = Settings()
    h, model, states, rows = _recommend(frame, settings)
    assert bid_identified(h)[0].all()
    assert not choose_tests(h, model, states, settings).tested.any()
    assert not rows["reason"].str.contains("测试|bid test").any()


def test_the_cost_bound_and_the_off_switch_limit_the_tests():
    frame, _ = make_stats(n=30, days=28, seed=11, cpa_share=1.0, flat=True, end=END)
    for settings, most in ((Settings(model={"test_cost_share": 0.0}), 0), (Settings(model={"test_step_pct": 0}), 0)):
        h = build_history(frame, settings.model, as_of=END + dt.timedelta(days=1))
        model = fit(h, settings.model)
        tests = choose_tests(h, model, build_states(h, model), settings)
        assert tests.tested.sum() <= most and np.all(tests.held | tests.tested)
