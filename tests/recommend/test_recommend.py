"""Recommendation rows: actions, auto/review decisions and reasons built from the numbers."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from optimizer.decide import columns as C
from optimizer.decide.recommend import actions, recommend
from optimizer.model.features import build_history
from optimizer.model.fit import fit
from optimizer.settings import Settings
from tests.fit.synthetic import make_stats


@pytest.fixture(scope="module")
def fitted():
    frame, _ = make_stats(n=6, days=30, seed=11, cpa_share=0.0)
    settings = Settings(model={"lag_maturity": (1.0,)}, review={"auto_apply_max_change_pct": 15})
    history = build_history(frame, settings.model)
    return history, fit(history, settings.model), settings


@pytest.mark.parametrize(
    ("bid_type", "status", "cur_budget", "budget", "cur_bid", "bid", "expected"),
    [
        ("none", "active", 1000.0, 1200.0, np.nan, np.nan, "increase"),
        ("none", "active", 1000.0, 800.0, np.nan, np.nan, "decrease"),
        ("none", "active", 1000.0, 1000.0, np.nan, np.nan, "hold"),
        ("none", "active", 1000.0, 0.0, np.nan, np.nan, "pause"),
        ("none", "paused", 1000.0, 1000.0, np.nan, np.nan, "resume"),
        ("none", "paused", 1000.0, 0.0, np.nan, np.nan, "hold"),
        ("cpa", "active", 1000.0, 1000.0, 50.0, 55.0, "increase"),  # higher CPA bid buys more
        ("roi", "active", 1000.0, 1000.0, 3.0, 3.3, "decrease"),  # higher ROI target buys less
        ("roi", "active", 1000.0, 1100.0, 3.0, 3.3, "increase"),  # the budget's direction wins
    ],
)
def test_action_names(bid_type, status, cur_budget, budget, cur_bid, bid, expected):
    got = actions(*(np.array([v]) for v in (bid_type, status, cur_budget, budget, cur_bid, bid)))
    assert got[0] == expected


def test_small_changes_are_auto_large_ones_and_pauses_go_to_review(fitted):
    history, model, settings = fitted
    cur = history.current_budget
    budget = cur.copy()
    budget[0] = round(cur[0] * 1.10, 2)  # +10%: inside the 15% auto limit
    budget[1] = round(cur[1] * 1.30, 2)  # +30%: review
    budget[2] = 0.0  # pause: always review
    frame = recommend(
        history, model, budget, history.current_bid, settings, run_id="r1", effective_date=dt.date(2026, 11, 21)
    )
    assert tuple(frame.columns) == C.ALL_COLUMNS
    assert frame[C.ACTION].tolist()[:4] == ["increase", "increase", "pause", "hold"]
    assert frame[C.DECISION].tolist()[:4] == ["auto", "review", "review", "auto"]
    assert "30% is above the auto-apply limit 15%" in frame[C.REASON][1]
    assert "pausing needs a person" in frame[C.REASON][2]
    assert frame[C.RECOMMENDED_BUDGET][2] == 0
    assert frame[C.EXPECTED_SPEND][2] == 0 and frame[C.EXPECTED_GMV][2] == 0
    # Forecast columns agree with the model at the recommended point.
    f = model.predict(budget[:, None], np.full((history.n, 1), np.nan))
    assert frame[C.EXPECTED_GMV][0] == pytest.approx(f.gmv[0, 0], abs=0.01)
    assert frame[C.EXPECTED_ROI][0] == pytest.approx(f.gmv[0, 0] / f.spend[0, 0], rel=1e-3)


def test_reason_quotes_capped_days_and_marginal_roi_against_the_threshold(fitted):
    history, model, settings = fitted
    capped, seen = history.capped_last(7)
    mroi = np.full(history.n, 3.4)
    frame = recommend(
        history,
        model,
        history.current_budget,
        history.current_bid,
        settings,
        run_id="r1",
        effective_date=dt.date(2026, 11, 21),
        marginal_roi=mroi,
        threshold=2.1,
    )
    i = int(np.argmax(capped))
    assert capped[i] > 0
    assert frame[C.REASON][i].startswith(
        f"capped by its budget on {capped[i]} of the last {seen[i]} days and its marginal ROI 3.40 is above "
        "the account threshold 2.10"
    )
    assert (frame[C.ACTION_LABEL] == "hold").all()
    assert (frame[C.ACTION] == "hold").all() and (frame[C.DECISION] == "auto").all()


def test_changes_resting_on_thin_data_go_to_review(fitted):
    frame, _ = make_stats(n=6, days=4, seed=12)
    settings = Settings(model={"lag_maturity": (1.0,)})
    history = build_history(frame, settings.model)
    model = fit(history, settings.model)
    budget = np.round(history.current_budget * 1.05, 2)
    rows = recommend(
        history, model, budget, history.current_bid, settings, run_id="r", effective_date=dt.date(2026, 11, 21)
    )
    assert (rows[C.DECISION] == "review").all()
    assert rows[C.REASON].str.contains("thin data (4 days", regex=False).all()
