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


def _day_curves(usable: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each (campaign, day)'s cumulative share on ``GRID``: ``(campaign, day, (k, len(GRID)))``.

    A poll missed on one day holds the share of the poll before it there; a share never falls.
    """
    import pandas as pd

    inside = usable[(usable["minute"] > 0) & (usable["minute"] < GRID[-1])]
    share = np.clip(inside["spend"].to_numpy(float) / inside["final"].to_numpy(float), 0.0, 1.0)
    campaign, campaigns = pd.factorize(inside["campaign_id"].to_numpy(object), sort=True)
    day, days = pd.factorize(inside["date"].to_numpy(), sort=True)
    row, keys = pd.factorize(campaign.astype(np.int64) * len(days) + day, sort=True)
    col, polled = pd.factorize(inside["minute"].to_numpy(float), sort=True)
    wide = np.full((len(keys), len(polled)), np.nan)
    wide[row, col] = share  # one poll per campaign, day and minute (the table's key)
    minutes = np.concatenate([[0.0], polled, [GRID[-1]]])
    values = np.column_stack([np.zeros(len(keys)), wide, np.ones(len(keys))])
    values = np.maximum.accumulate(pd.DataFrame(values).ffill(axis=1).to_numpy(), axis=1)
    j = np.clip(np.searchsorted(minutes, GRID, side="right") - 1, 0, len(minutes) - 2)
    w = (GRID - minutes[j]) / (minutes[j + 1] - minutes[j])
    curves = values[:, j] * (1 - w) + values[:, j + 1] * w
    return np.asarray(campaigns).astype(str)[keys // len(days)], np.asarray(days)[keys % len(days)], curves


def learn_shapes(polls: pd.DataFrame) -> DayShapes:
    """``polls`` (``optimizer.store.intraday.load_polls``) -> the shapes of the module docstring."""
    import pandas as pd

    usable = polls[polls["final"] > 0] if len(polls) else polls
    if usable.empty:
        return DayShapes({})
    campaign, day, curves = _day_curves(usable)
    by = pd.DataFrame(curves).groupby(campaign, sort=True)
    count, median = by.size(), by.median()
    enough = count.to_numpy() >= MIN_DAYS
    rows = np.maximum.accumulate(median.to_numpy()[enough], axis=1)
    own = dict(zip(count.index[enough].astype(str), rows, strict=True))
    account = np.maximum.accumulate(np.median(curves, axis=0)) if len(np.unique(day)) >= MIN_DAYS else None
    return DayShapes(own, account)
