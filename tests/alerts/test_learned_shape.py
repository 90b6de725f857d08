"""The watch learns each campaign's shape of a day from its own polls of the days before."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from connectors.base import CampaignState
from optimizer.alerts.pacing import DayForecast, PacingWatch
from optimizer.alerts.shape import MIN_DAYS, DayShapes, learn_shapes
from optimizer.settings_jobs import AlertSettings

TODAY = dt.date(2026, 11, 20)
FORECAST = 2000.0


def _evening(fraction: float) -> float:
    """A live-stream plan: a tenth of its day by 18:00, the rest in the evening."""
    return 0.1 * fraction / 0.75 if fraction <= 0.75 else 0.1 + 0.9 * (fraction - 0.75) / 0.25


def _polls(days: int, campaigns=("live", "search")) -> pd.DataFrame:
    rows = []
    for d in range(1, days + 1):
        date = TODAY - dt.timedelta(days=d)
        for cid in campaigns:
            final = 1000.0 + 100 * d
            for minute in range(30, 24 * 60, 30):
                f = minute / 1440
                share = _evening(f) if cid == "live" else f
                rows.append((cid, date, minute, round(final * share, 2), final))
    return pd.DataFrame(rows, columns=["campaign_id", "date", "minute", "spend", "final"])


def test_each_campaign_gets_its_own_shape_once_it_has_enough_days():
    shapes = learn_shapes(_polls(MIN_DAYS))
    assert shapes.share("live", 0.5) == pytest.approx(_evening(0.5), abs=0.01)
    assert shapes.share("search", 0.5) == pytest.approx(0.5, abs=0.01)
    assert shapes.share("live", 0.0) == 0.0 and shapes.share("live", 1.0) == 1.0
    # a campaign the watch never saw takes the account's shape (the median of every campaign-day)
    assert shapes.share("new", 0.5) is not None
    assert learn_shapes(_polls(MIN_DAYS - 1)) == DayShapes({}, None)


def test_a_shape_never_falls_however_the_polls_wobble():
    polls = _polls(MIN_DAYS, campaigns=("search",))
    polls.loc[polls["minute"] == 600, "spend"] = 0.0  # a poll that saw the counter reset
    curve = learn_shapes(polls).campaigns["search"]
    assert np.all(np.diff(curve) >= 0)


def _states(spent: dict[str, float]) -> list[CampaignState]:
    return [
        CampaignState(
            account_id="a", campaign_id=c, bid_type="cpa", budget=Decimal(4000), spend_today=Decimal(f"{s:.2f}")
        )
        for c, s in spent.items()
    ]


def test_an_evening_plan_at_noon_is_not_slow_once_its_shape_is_known():
    noon = {"live": _evening(0.5) * FORECAST, "search": 0.05 * FORECAST}
    morning = {"live": _evening(0.3) * FORECAST, "search": 0.03 * FORECAST}
    for shapes, slow in ((DayShapes({}), {"live", "search"}), (learn_shapes(_polls(MIN_DAYS)), {"search"})):
        watch = PacingWatch(AlertSettings(), DayForecast(TODAY, {"live": FORECAST, "search": FORECAST}, shapes=shapes))
        watch.poll(_states(morning), 0.3)
        assert {f.campaign_id for f in watch.poll(_states(noon), 0.5) if f.kind == "pacing_slow"} == slow


def test_the_watch_keeps_its_polls_and_the_next_day_learns_from_them(engine):
    from optimizer.store.intraday import KEEP_DAYS, load_polls, record_polls
    from optimizer.store.stats import save_stats

    for d in range(1, 5):
        date = TODAY - dt.timedelta(days=d)
        for minute in (360, 720, 1080):
            record_polls(engine, "a", date, minute, {"c1": Decimal(str(minute)), "c2": Decimal("5.5")})
    old = TODAY - dt.timedelta(days=KEEP_DAYS + 5)
    record_polls(engine, "a", old, 600, {"c1": 1})
    record_polls(engine, "a", TODAY - dt.timedelta(days=1), 60, {"c1": 60}, prune=True)  # a day's first poll
    record_polls(engine, "a", TODAY - dt.timedelta(days=1), 720, {"c1": 730})  # a poll seen again
    frame = pd.DataFrame(
        [
            ("a", c, pd.Timestamp(TODAY - dt.timedelta(days=d)), 1440.0, 3000.0, 30)
            for d in range(1, 5)
            for c in ("c1",)
        ],
        columns=["account_id", "campaign_id", "date", "spend", "gmv", "orders"],
    )
    save_stats(engine, frame, source="test", seen_on=TODAY)
    polls = load_polls(engine, "a", TODAY)
    with engine.connect() as conn:
        kept_days = conn.execute(sa.text("SELECT COUNT(DISTINCT date) FROM intraday_spend")).scalar()
    assert kept_days == 4  # the poll older than KEEP_DAYS went with a day's first poll
    # c2 has no final spend (no daily row yet): its polls wait for it; the old day is gone
    assert set(polls["campaign_id"]) == {"c1"} and len(polls) == 13
    assert polls.loc[(polls["minute"] == 720) & (polls["date"] == TODAY - dt.timedelta(days=1)), "spend"].item() == 730
    assert learn_shapes(polls).share("c1", 0.5) == pytest.approx(0.5, abs=0.01)
