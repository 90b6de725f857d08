"""The typed fast path (``connectors.files.typed_csv``) answers exactly as the exact path does.

Every file of ``tests/data`` and random tables of mostly valid, sometimes hostile cells are read
twice, once as they come (a clean UTF-8 CSV goes the typed way) and once with the typed path
switched off: the frames are equal, or both refuse the file with the same problems. A clean
contract file does take the typed path (that is what makes reading fast: scripts/bench_optimize.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import connectors.files.typed_csv as typed_csv
from connectors.errors import InputError
from connectors.files.stats import _header_score, read_stats

TODAY = dt.date(2026, 11, 20)
DATA = Path(__file__).resolve().parents[1] / "data"


def _both(path: Path, basis: str = "direct_pay") -> list:
    answers = []
    for typed in (True, False):
        with pytest.MonkeyPatch.context() as patch:
            if not typed:
                patch.setattr(typed_csv, "read_typed", lambda *args: None)
            try:
                frame = read_stats([path], today=TODAY, gmv_basis=basis, max_problems=5)
            except InputError as error:
                answers.append(("error", [str(p) for p in error.problems], error.more))
            else:
                answers.append(("frame", frame, frame.attrs))
    return answers


def _agree(answers: list) -> None:
    (kind_a, *a), (kind_b, *b) = answers
    assert kind_a == kind_b, (answers[0][1], answers[1][1])
    if kind_a == "error":
        assert a == b
    else:
        pd.testing.assert_frame_equal(a[0], b[0])
        assert a[1] == b[1]
        for column in a[0].select_dtypes(include="object").columns:  # None stays None, text stays str
            assert [type(v) for v in a[0][column]] == [type(v) for v in b[0][column]], column


@pytest.mark.parametrize(
    "path", sorted(p for d in ("good", "bad") for p in (DATA / d).iterdir() if p.suffix in {".csv", ".txt"})
)
def test_every_sample_file_reads_the_same_both_ways(path: Path):
    _agree(_both(path, "uni_total" if "uni" in path.name else "direct_pay"))


def test_a_clean_contract_file_takes_the_typed_path(tmp_path: Path):
    path = tmp_path / "clean.csv"
    path.write_text(
        "\ufeffaccount_id,campaign_id,date,spend,gmv,orders,campaign_name,channel,budget,bid,bid_type\n"
        "a,0017042000000000001,2026-11-01,459.81,1505.49,10,计划0,qianchuan.live,800,,none\n"
        "a,1170420000000000002,2026-11-01,12,30.5,1,计划 1,qianchuan.video,,3.5,cpa\n",
        "utf-8",
    )
    table = typed_csv.read_typed(path, _header_score("direct_pay"), lambda header: {1, 0, 2, 6, 7, 10})
    assert table is not None and table.row_numbers.tolist() == [2, 3]
    frame = read_stats([path], today=TODAY)
    assert frame["campaign_id"].tolist() == ["0017042000000000001", "1170420000000000002"]  # zeros kept
    assert frame["budget"].isna().tolist() == [False, True] and frame["bid"].tolist()[1] == 3.5


HEADER = ["account_id", "campaign_id", "date", "spend", "gmv", "orders", "campaign_name", "budget", "bid",
          "bid_type", "status", "currency", "impressions"]  # fmt: skip
GOOD = {"account_id": "acct", "campaign_id": "1780000000000000001", "date": "2026-11-03", "spend": "1.5",
        "gmv": "2", "orders": "3", "campaign_name": "计划", "budget": "300", "bid": "", "bid_type": "none",
        "status": "active", "currency": "CNY", "impressions": "10"}  # fmt: skip
HOSTILE = st.sampled_from(["", " ", "--", "nan", "NaN", "inf", "-1", "1e3", "1,234.5", "¥5", "1.78E+18", "TRUE",
                           "0012", " 7 ", "2026/11/3", "2026-11-31", "合计", "不限", "cpa", "USD", "1.5.1", "+3",
                           "0x1A", "1_000", "12.345", "9" * 20, "\t"])  # fmt: skip


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_tables_read_the_same_both_ways(data: st.DataObject):
    n = data.draw(st.integers(1, 6))
    body = []
    for i in range(n):
        row = dict(GOOD, campaign_id=f"17800000000000000{i % 3 + 1:02d}", date=f"2026-11-0{i % 4 + 1}")
        for column in data.draw(st.lists(st.sampled_from(HEADER), max_size=2, unique=True)):
            row[column] = data.draw(HOSTILE | st.text(max_size=5))
        body.append([row[h] for h in HEADER])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator=data.draw(st.sampled_from(["\n", "\r\n"]))).writerows([HEADER, *body])
        _agree(_both(path))


def test_a_count_with_a_fraction_is_named_not_a_crash(tmp_path: Path):
    path = tmp_path / "f.csv"
    path.write_text('date,campaign_id,spend,gmv,orders,impressions\n2026-11-03,7,1,1,1,"1,234.5"\n', "utf-8")
    with pytest.raises(InputError) as caught:
        read_stats([path], today=TODAY)
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "impressions")]


def test_a_text_column_of_only_true_and_false_stays_text(tmp_path: Path):
    # pandas reads a category column of TRUE/FALSE as bools: the typed path leaves such a file to the exact one
    path = tmp_path / "b.csv"
    path.write_text("campaign_id,date,spend,gmv,orders,campaign_name,status\n"
                    "0012,2026-11-03,1,2,1,TRUE,active\n0013,2026-11-03,1,2,1,FALSE,active\n", "utf-8")  # fmt: skip
    _agree(answers := _both(path))
    frame = answers[0][1]
    assert frame["campaign_name"].tolist() == ["TRUE", "FALSE"] and frame["campaign_id"].tolist() == ["0012", "0013"]
