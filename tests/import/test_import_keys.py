"""The key rules of ``connectors.files.row_rules`` computed on codes answer as pandas does on values.

``read_stats`` carries text columns as categoricals (the typed path) or object text (the exact
path, several files); the duplicate test and the last-row-per-key sort must not care which.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.files.row_rules import KEY_COLUMNS, _duplicated, last_per_key_sorted

TEXTS = st.sampled_from(["a", "b", "10", "9", "计划", None])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(TEXTS, TEXTS, st.integers(0, 2)), max_size=12), st.booleans())
def test_duplicates_and_last_rows_agree_with_pandas(rows, categorical):

    def column(values: list) -> pd.Series:
        if not categorical:
            return pd.Series(values, dtype=object)
        order = sorted({v for v in values if v is not None}, reverse=True)  # codes in no text order
        return pd.Series(pd.Categorical(values, categories=order))

    frame = pd.DataFrame(
        {
            "account_id": column([r[0] for r in rows]),
            "campaign_id": column([r[1] for r in rows]),
            "date": pd.to_datetime([f"2026-11-0{r[2] + 1}" for r in rows]),
            "n": np.arange(len(rows)),
        }
    )
    keys = list(KEY_COLUMNS)
    assert _duplicated(frame).tolist() == frame.duplicated(keys, keep=False).tolist()
    plain = frame.astype({"account_id": object, "campaign_id": object}).fillna({"account_id": "", "campaign_id": ""})
    expected = plain.drop_duplicates(keys, keep="last").sort_values(keys, kind="stable")["n"].tolist()
    if not frame[["account_id", "campaign_id"]].isna().any().any():  # read_stats' keys are never missing
        assert last_per_key_sorted(frame)["n"].tolist() == expected
