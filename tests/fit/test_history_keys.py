"""build_history: rows sorted by key (as read_stats gives them) and in any other order make the same History."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pandas as pd

from optimizer.model.features import build_history
from optimizer.settings import Settings
from tests.fit.synthetic import make_stats


def _same(a, b) -> None:
    for f in fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert x.shape == y.shape, f.name
            if x.dtype.kind == "f":
                assert np.array_equal(x, y, equal_nan=True), f.name
            else:
                assert (x == y).all(), f.name


def test_sorted_and_shuffled_rows_make_the_same_history():
    frame, _ = make_stats(n=30, days=12, seed=5, cpa_share=0.3)
    # ids whose text order is not their number order, and two accounts whose campaigns interleave
    frame["campaign_id"] = frame["campaign_id"].map(
        {c: str(9 + 7 * i) for i, c in enumerate(frame["campaign_id"].unique())}
    )
    frame["account_id"] = np.where(frame["campaign_id"].astype(int) % 2 == 0, "A-2", "A-10")
    frame["date"] = pd.to_datetime(frame["date"])
    model = Settings().model
    in_order = frame.sort_values(["account_id", "campaign_id", "date"], kind="stable").reset_index(drop=True)
    reference = build_history(in_order, model)
    pairs = list(zip(reference.account_id, reference.campaign_id, strict=True))
    assert pairs == sorted(pairs)
    for seed in range(3):
        shuffled = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
        _same(build_history(shuffled, model), reference)
    _same(build_history(in_order.iloc[::-1].reset_index(drop=True), model), reference)
