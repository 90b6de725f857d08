"""Small hand-built accounts for exact tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.solve.curves import CurveModel


def account(rows: list[dict]):
    """``rows``: dicts with id, a, b (power curve a*spend**b) and optional state fields.

    Capacity is unlimited unless ``cap`` is given, so spend = budget; no uncertainty
    unless ``cv`` is given.
    """
    n = len(rows)
    get = lambda key, default: np.array([r.get(key, default) for r in rows])  # noqa: E731
    bid_type = get("bid_type", "none").astype(str)
    model = CurveModel(
        ids=tuple(r["id"] for r in rows),
        bid_type=bid_type,
        bid0=get("bid", np.nan).astype(float),
        cap0=get("cap", 1e9).astype(float),
        kind=np.zeros(n, dtype=int),
        a=get("a", 1.0).astype(float),
        b=get("b", 1.0).astype(float),
        cv=get("cv", 0.0).astype(float),
    )
    states = pd.DataFrame(
        {
            "campaign_id": [r["id"] for r in rows],
            "channel": get("channel", "live").astype(str),
            "bid_type": bid_type,
            "budget": get("budget", 1000.0).astype(float),
            "bid": get("bid", np.nan).astype(float),
            "status": get("status", "active").astype(str),
            "spend_today": get("spend_today", 0.0).astype(float),
            "locked": get("locked", False).astype(bool),
        }
    )
    return model, states
