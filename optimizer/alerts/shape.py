"""The shape of a campaign's day, learned from the watch's own polls of the last days.

A day's traffic does not come evenly: a live-stream plan spends in the evening,
a search plan through the working day. ``[alerts] intraday_shape`` is one
guess for every campaign; once the watch has polled a campaign on
``MIN_DAYS`` earlier days (``optimizer.store.intraday``), its own shape takes
over. Each such day gives the share of that day's final spend reached by
each poll, ``S(m) / S_day``, made non-decreasing and put on a grid of
``STEP``-minute points (0 at midnight, 1 at the next); the shape is the median
of the days at every point. A campaign with fewer days of its own takes its
account's shape (the median over all its campaigns' days), and an account
with none the configured one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["GRID", "MIN_DAYS", "DayShapes", "learn_shapes"]

STEP = 30
GRID = np.arange(0, 24 * 60 + STEP, STEP, dtype=float)
"""Minutes after midnight at which a learned shape is kept."""
MIN_DAYS = 3
"""Days of polls a campaign (or an account) needs before its own shape counts."""


@dataclass(frozen=True)
class DayShapes:
    """Learned cumulative shares on ``GRID``: per campaign, and the account's."""

    campaigns: dict[str, np.ndarray]
    account: np.ndarray | None = None

    def share(self, campaign_id: str, fraction: float) -> float | None:
        """``H(f)`` of ``campaign_id`` at ``fraction`` of the day, or None where nothing was learned."""
        shape = self.campaigns.get(campaign_id, self.account)
        if shape is None:
            return None
        return float(np.interp(min(max(fraction, 0.0), 1.0) * GRID[-1], GRID, shape))


def _day_curve(minutes: np.ndarray, spend: np.ndarray, final: float) -> np.ndarray:
    share = np.maximum.accumulate(np.clip(spend / final, 0.0, 1.0))
    return np.interp(GRID, np.concatenate([[0.0], minutes, [GRID[-1]]]), np.concatenate([[0.0], share, [1.0]]))


def learn_shapes(polls: pd.DataFrame) -> DayShapes:
    """``polls`` (``optimizer.store.intraday.load_polls``) -> the shapes of the module docstring."""
    if polls.empty:
        return DayShapes({})
    usable = polls[polls["final"] > 0]
    curves: dict[str, list[np.ndarray]] = {}
    for (cid, _date), day in usable.groupby(["campaign_id", "date"], sort=True):
        curves.setdefault(str(cid), []).append(
            _day_curve(day["minute"].to_numpy(float), day["spend"].to_numpy(float), float(day["final"].iloc[0]))
        )
    own = {cid: _median(days) for cid, days in curves.items() if len(days) >= MIN_DAYS}
    every = [curve for days in curves.values() for curve in days]
    n_days = usable["date"].nunique() if len(usable) else 0
    return DayShapes(own, _median(every) if n_days >= MIN_DAYS else None)


def _median(curves: list[np.ndarray]) -> np.ndarray:
    return np.maximum.accumulate(np.median(np.stack(curves), axis=0))
