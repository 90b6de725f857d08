"""A level shift yesterday is in tomorrow's forecast; a steady account gets none."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from optimizer.model.features import build_history
from optimizer.model.fit import fit
from optimizer.model.shifts import level_shifts, with_level_shifts
from optimizer.settings import Settings
from tests.fit.synthetic import make_stats

END = dt.date(2026, 11, 20)


def _model(frame):
    settings = Settings(model={"lag_maturity": (1.0,)})
    h = build_history(frame, settings.model, as_of=END + dt.timedelta(days=1))
    return h, fit(h, settings.model)


def test_a_steady_account_has_no_level_shift():
    frame, _ = make_stats(n=30, days=28, seed=21, end=END, noise=0.1)
    h, model = _model(frame)
    assert not level_shifts(h, model).any


def test_a_sale_two_days_old_is_picked_up_and_forgotten_the_day_after_it_ends():
    frame, _ = make_stats(n=30, days=28, seed=21, end=END, noise=0.1)
    last = frame["date"] >= pd.Timestamp(END - dt.timedelta(days=1))  # a sale on the last two days
    sale = frame.copy()
    sale.loc[last, "gmv"] = (sale.loc[last, "gmv"] * 1.8).round(2)  # every channel converts 80 % better
    h, model = _model(sale)
    shifted, shift = with_level_shifts(h, model)
    assert shift.any and np.allclose(shift.roi, shift.roi[0], atol=0.15)
    assert 0.25 < float(np.median(shift.roi)) < 0.75  # the fit took some of log(1.8) = 0.59 itself
    budget = np.where(np.isfinite(h.current_budget), h.current_budget, np.inf)[:, None]
    _, steady = _model(frame)
    base = steady.predict(budget, h.current_bid[:, None]).gmv.sum()
    fitted = model.predict(budget, h.current_bid[:, None]).gmv.sum()
    after = shifted.predict(budget, h.current_bid[:, None]).gmv.sum()
    assert fitted < 1.2 * base and 1.5 * base < after < 2.0 * base  # most of the sale's 1.8 x is in the forecast
    # the day after the sale ends looks ordinary again: the shift is gone (one extra, normal day)
    frame2, _ = make_stats(n=30, days=29, seed=21, end=END + dt.timedelta(days=1), noise=0.1)
    over = frame2.copy()
    over.loc[over["date"].between(pd.Timestamp(END - dt.timedelta(days=1)), pd.Timestamp(END)), "gmv"] *= 1.8
    settings = Settings(model={"lag_maturity": (1.0,)})
    h2 = build_history(over, settings.model, as_of=END + dt.timedelta(days=2))
    assert not level_shifts(h2, fit(h2, settings.model)).roi.any()
