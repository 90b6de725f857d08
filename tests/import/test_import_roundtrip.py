"""Property: any valid set of rows written as CSV (Chinese names, 19-digit ids,
quotes, commas and line breaks in names) reads back exactly; the pandas fast
path and the exact csv-module path of the low-level reader agree."""

from __future__ import annotations

import csv
import datetime as dt
import math
import tempfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.errors import InputError
from connectors.files.stats import _header_score, read_stats
from connectors.files.tabular import read_table

TODAY = dt.date(2026, 11, 20)
DATA = Path(__file__).resolve().parents[1] / "data"

# the last digit is not 0: a column of long ids all ending in zeros reads as Excel-mangled
ids = st.from_regex(r"[1-9][0-9]{14,17}[1-9]", fullmatch=True)
money = st.decimals(min_value=0, max_value=Decimal("9999999.99"), places=2, allow_nan=False, allow_infinity=False)
name_chars = st.sampled_from(list("直播间双十一爆款女装秋冬新品主推·（）【】,，\"' \nabcXYZ0123456789_.-=+@"))
names = (
    st.text(name_chars, min_size=1, max_size=24)
    .map(str.strip)
    .filter(lambda s: s and s[0] not in "=+-@" and s not in {"-", "--"})
)
bids = st.one_of(
    st.tuples(st.just("cpa"), st.decimals(min_value=Decimal("0.01"), max_value=Decimal(5000), places=2)),
    st.tuples(st.just("roi"), st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100), places=2)),
    st.tuples(st.just("none"), st.none()),
    st.tuples(st.none(), st.none()),
)
rows = st.fixed_dictionaries(
    {
        "account_id": st.sampled_from(["default", "1700000000000000099", "acct_2"]),
        "campaign_id": ids,
        "date": st.dates(dt.date(2024, 1, 1), TODAY),
        "spend": money,
        "gmv": money,
        "orders": st.integers(0, 10**6),
        "campaign_name": st.none() | names,
        "channel": st.sampled_from(["default", "qianchuan.live", "qianchuan.video", "kuaishou"]),
        "impressions": st.none() | st.integers(0, 10**9),
        "clicks": st.none() | st.integers(0, 10**7),
        "budget": st.none() | money,
        "bid": bids,
        "status": st.none() | st.sampled_from(["active", "paused", "learning"]),
        "currency": st.none() | st.just("CNY"),
    }
)
HEADER = ["date", "account_id", "campaign_id", "campaign_name", "channel", "spend", "gmv", "orders",
          "impressions", "clicks", "budget", "bid_type", "bid", "status", "currency"]  # fmt: skip


def as_cells(row: dict) -> list[str]:
    bid_type, bid = row["bid"]
    values = {**row, "bid_type": bid_type, "bid": bid}
    return ["" if values[h] is None else str(values[h]) for h in HEADER]


def plain(value):
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


@settings(max_examples=40, deadline=None)
@given(st.lists(rows, min_size=1, max_size=30, unique_by=lambda r: (r["account_id"], r["campaign_id"], r["date"])))
def test_valid_rows_written_as_csv_read_back_identically(generated: list[dict]):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stats.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            writer.writerows(as_cells(r) for r in generated)
        frame = read_stats([path], today=TODAY)
    got = {(r.account_id, r.campaign_id, r.date.date()): r for r in frame.itertuples(index=False)}
    assert len(got) == len(generated)
    for row in generated:
        back = got[(row["account_id"], row["campaign_id"], row["date"])]
        bid_type, bid = row["bid"]
        assert (back.spend, back.gmv, back.orders) == (float(row["spend"]), float(row["gmv"]), row["orders"])
        assert plain(back.budget) == (None if row["budget"] is None else float(row["budget"]))
        assert (plain(back.bid_type), plain(back.bid)) == (bid_type, None if bid is None else float(bid))
        for column in ("campaign_name", "channel", "impressions", "clicks", "status", "currency"):
            assert plain(getattr(back, column)) == row[column], column


@pytest.mark.parametrize(
    "path", sorted(p for d in ("good", "bad") for p in (DATA / d).iterdir() if p.suffix in {".csv", ".txt"})
)
def test_fast_and_exact_text_readers_agree(path: Path):
    score = _header_score("uni_total" if "uni" in path.name else "direct_pay")
    results = []
    for exact in (False, True):
        try:
            table = read_table(path, score, exact=exact)
        except Exception as error:
            results.append(("error", str(error)))
        else:
            results.append((table.header, table.header_row, [c.tolist() for c in table.columns],
                            table.row_numbers.tolist(), [str(p) for p in table.problems]))  # fmt: skip
    assert results[0] == results[1]


def test_quoted_line_break_in_a_name_keeps_spreadsheet_row_numbers(tmp_path: Path):
    path = tmp_path / "q.csv"
    path.write_text('date,campaign_id,spend,gmv,orders,campaign_name\n2026-11-03,7,1,1,1,"两行\n名字"\n'
                    "2026-11-03,8,-1,1,1,x\n", "utf-8")  # fmt: skip
    with pytest.raises(InputError) as caught:
        read_stats([path], today=TODAY)
    assert [(p.row, p.column) for p in caught.value.problems] == [(3, "spend")]


def test_rows_of_spaces_are_skipped_like_blank_rows(tmp_path: Path):
    path = tmp_path / "s.csv"
    path.write_text("date,campaign_id,spend,gmv,orders\n2026-11-03,7,1,1,1\n , , ,,\n\n2026-11-04,7,2,2,2\n", "utf-8")
    for exact in (False, True):
        assert read_table(path, _header_score("direct_pay"), exact=exact).row_numbers.tolist() == [2, 5]
    assert read_stats([path], today=TODAY)["source_row"].tolist() == [2, 5]
