"""Bid tests: where the history cannot tell what a bid move buys, move a few bids a little, on purpose.

A campaign whose bid barely varied in its history (the spread of log bid under
``IDENTIFIED_SPREAD``) has a bid response that is the model's prior, not the
data's: no evidence must never mean the largest step everywhere. Such a
campaign moves its bid at most ``model.unidentified_bid_step_pct`` (a cautious
step the prior may still ask for; 0 keeps it), except the few chosen each day
as **tests**:

* at most ``model.test_campaigns_share`` of the campaigns with a bid (at least
  one), campaigns already under test first (so a test finishes), then a
  rotation that changes with the effective date (so every campaign gets its
  turn), never a locked, learning or paused campaign;
* a test may move the bid at most ``model.test_step_pct`` (the solver still
  chooses the direction, or no move, inside that window);
* the day's tests together may put at most ``model.test_cost_share`` of the
  account's expected GMV at stake: a test's stake is the larger, over the two
  directions, of the GMV it is forecast to lose plus the extra forecast sd;
* a campaign stops being tested when its bid spread reaches
  ``IDENTIFIED_SPREAD``: from then on its bid moves like any other.

``test_step_pct = 0`` turns tests off (unidentified bids then move only the cautious step).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import numpy as np

from optimizer.decide.hysteresis import history_rows

if TYPE_CHECKING:
    import datetime as dt

    import pandas as pd

    from optimizer.model.features import History
    from optimizer.model.response import ResponseModel
    from optimizer.settings import Settings

__all__ = ["IDENTIFIED_SPREAD", "BidTests", "bid_identified", "choose_tests"]

IDENTIFIED_SPREAD = 0.02
"""Standard deviation of log bid over the history at which the bid response counts as identified."""
STARTED_SPREAD = 0.002
"""Above this (and under ``IDENTIFIED_SPREAD``) a campaign's bid is already being tested."""


def bid_identified(history: History) -> tuple[np.ndarray, np.ndarray]:
    """``(identified, started)`` ``(n,)``: the bid varied enough to read its response / it began to vary."""
    spread = history.log_spread(history.bid)
    return spread >= IDENTIFIED_SPREAD, spread >= STARTED_SPREAD


class BidTests:
    """The day's choice: ``tested`` campaigns may move their bid by ``step_pct``, ``held`` keep it."""

    def __init__(self, tested: np.ndarray, held: np.ndarray, step_pct: float) -> None:
        self.tested, self.held, self.step_pct = tested, held, step_pct


def _rotation(ids: np.ndarray, date: dt.date) -> np.ndarray:
    """A per-day pseudo-random key per campaign (deterministic, independent of input order)."""
    day = date.isoformat().encode()
    return np.array(
        [int.from_bytes(hashlib.blake2b(day + str(i).encode(), digest_size=8).digest(), "big") for i in ids]
    )


def _stakes(model: ResponseModel, states: pd.DataFrame, step: float) -> np.ndarray:
    """``(n,)`` GMV a test move puts at stake: forecast loss plus extra sd, the worse direction."""
    budget = states["budget"].to_numpy(dtype=float, na_value=np.nan)
    budget = np.where(np.isfinite(budget), budget, np.inf)
    bid = states["bid"].to_numpy(dtype=float, na_value=np.nan)
    grid_b = np.stack([budget, budget, budget], axis=1)
    grid_x = np.stack([bid, bid * (1 - step), bid * (1 + step)], axis=1)
    f = model.predict(grid_b, grid_x)
    loss = np.maximum(f.gmv[:, [0]] - f.gmv[:, 1:], 0.0) + np.abs(f.gmv_sd[:, 1:] - f.gmv_sd[:, [0]])
    return loss.max(axis=1)


def choose_tests(history: History, model: ResponseModel, states: pd.DataFrame, settings: Settings) -> BidTests:
    """The day's bid tests for ``states`` (rows of ``model``; see the module docstring)."""
    m = settings.model
    n = len(states)
    rows = history_rows(history, states)
    identified, started = (a[rows] for a in bid_identified(history))
    has_bid = states["bid_type"].astype(str).isin(["cpa", "roi"]).to_numpy() & np.isfinite(
        states["bid"].to_numpy(dtype=float, na_value=np.nan)
    )
    status = states["status"].astype(str).to_numpy()
    locked = states["locked"].to_numpy(dtype=bool) | (status != "active")
    if "bid_locked" in states.columns:
        locked |= states["bid_locked"].to_numpy(dtype=bool)
    unknown = has_bid & ~identified
    tested = np.zeros(n, dtype=bool)
    if m.test_step_pct <= 0 or not (unknown & ~locked).any():
        return BidTests(tested, unknown, 0.0)
    step = m.test_step_pct / 100
    stakes = _stakes(model, states, step)
    budget = float(model.predict(_hold(states)[0], _hold(states)[1]).gmv.sum()) * m.test_cost_share
    slots = max(1, round(m.test_campaigns_share * int(has_bid.sum())))
    ids = states["campaign_id"].astype(str).to_numpy()
    key = _rotation(ids, history.as_of)
    order = np.lexsort((ids, key, ~started))  # already started first, then the day's rotation
    left = budget
    for i in order:
        if slots == 0:
            break
        if not unknown[i] or locked[i] or stakes[i] > left:
            continue
        tested[i] = True
        left -= stakes[i]
        slots -= 1
    return BidTests(tested, unknown & ~tested, m.test_step_pct)


def _hold(states: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    budget = states["budget"].to_numpy(dtype=float, na_value=np.nan)
    live = states["status"].astype(str).to_numpy() != "paused"
    budget = np.where(live, np.where(np.isfinite(budget), budget, np.inf), 0.0)
    return budget[:, None], states["bid"].to_numpy(dtype=float, na_value=np.nan)[:, None]
