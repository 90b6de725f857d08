"""The review file: BOM CSV and XLSX with the same cells, no formula injection, atomic writes."""

from __future__ import annotations

import csv

import numpy as np
import openpyxl
import pandas as pd
import pytest

from optimizer.act.review_file import atomic_files, write_recommendations
from optimizer.act.review_xlsx import reading_order
from optimizer.decide import columns as C

HOSTILE = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "正常计划"]


def _frame() -> pd.DataFrame:
    n = len(HOSTILE)
    return pd.DataFrame(
        {
            C.RUN_ID: "run-1",
            C.EFFECTIVE_DATE: "2026-11-21",
            C.ACCOUNT_ID: "acct",
            C.CAMPAIGN_ID: [f"17{i:017d}" for i in range(n)],
            C.CAMPAIGN_NAME: HOSTILE,
            C.CHANNEL: ["-qianchuan.live"] * n,
            C.BID_TYPE: "none",
            C.CURRENT_BUDGET: [1000.0, np.nan, 300.0, 400.0, 500.0, 600.0],
            C.RECOMMENDED_BUDGET: [1100.0, np.nan, 0.0, 400.0, 450.0, 660.0],
            C.CURRENT_BID: np.nan,
            C.RECOMMENDED_BID: np.nan,
            C.ACTION: "hold",
            C.EXPECTED_SPEND: [1000.123, 0, 0, 1, 2, 3],
            C.EXPECTED_GMV: [2500.5, 0, 0, 1, 2, 3],
            C.EXPECTED_ROI: [2.5, np.nan, np.nan, 1, 1, 1],
            C.MARGINAL_ROI: [-0.5, 1.0, np.nan, 1, 1, 1],
            C.DECISION: "auto",
            C.REASON: "hold: fine.",
            C.APPROVED: None,
        }
    )


def test_text_cells_that_look_like_formulas_are_escaped_and_numbers_stay_numbers(tmp_path):
    csv_path, xlsx_path = tmp_path / "r.csv", tmp_path / "r.xlsx"
    write_recommendations(_frame(), csv_path, xlsx_path)
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with open(csv_path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    assert tuple(header) == C.CONTRACT_COLUMNS
    name = header.index(C.CAMPAIGN_NAME)
    for row in body:
        for i, cell in enumerate(row):
            if header[i] == C.MARGINAL_ROI and cell.startswith("-"):
                float(cell)  # a negative number, written as a number
                continue
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (header[i], cell)
    assert [r[name] for r in body] == ["'" + h if h[0] in "=+-@\t" else h for h in HOSTILE]
    assert body[0][header.index(C.CAMPAIGN_ID)] == "1700000000000000000"
    assert body[0][header.index(C.EXPECTED_SPEND)] == "1000.12"
    assert body[1][header.index(C.CURRENT_BUDGET)] == ""  # no cap: empty, never nan

    sheet = openpyxl.load_workbook(xlsx_path).active
    values = list(sheet.iter_rows(values_only=True))[1:]  # row 1: the labels a person reads
    assert tuple(values[0]) == reading_order(C.CONTRACT_COLUMNS)
    header = list(values[0])
    for row in values[1:]:
        for cell in row:
            if isinstance(cell, str):
                assert not cell.startswith(("=", "+", "-", "@", "\t")), cell
    assert values[1][header.index(C.MARGINAL_ROI)] == -0.5
    assert values[1][header.index(C.CAMPAIGN_ID)] == "1700000000000000000"
    assert values[6][header.index(C.CAMPAIGN_NAME)] == "正常计划"
    for row in sheet.iter_rows(min_row=3):
        assert row[header.index(C.CAMPAIGN_NAME)].data_type == "s"


def test_a_failure_while_writing_leaves_no_file_behind(tmp_path):
    csv_path, xlsx_path = tmp_path / "r.csv", tmp_path / "r.xlsx"
    frame = _frame()
    frame[C.EXPECTED_GMV] = object()  # not a number: the writer fails part-way
    with pytest.raises((TypeError, ValueError)):
        write_recommendations(frame, csv_path, xlsx_path)
    assert list(tmp_path.iterdir()) == []


def test_a_sheet_that_fails_to_stream_leaves_no_file_behind(tmp_path, monkeypatch):
    """The sheet is streamed into the zip a piece at a time: a failed write leaves nothing."""
    import zipfile

    def broken(self, data):
        raise OSError("disk full")

    monkeypatch.setattr(zipfile._ZipWriteFile, "write", broken)
    with pytest.raises(OSError, match="disk full"):
        write_recommendations(_frame(), tmp_path / "r.csv", tmp_path / "r.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_atomic_files_replace_existing_outputs_only_on_success(tmp_path):
    target = tmp_path / "r.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_files(target) as (temp,):
        temp.write_text("half", encoding="utf-8")
        raise RuntimeError("boom")
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv"]
    with atomic_files(target) as (temp,):
        temp.write_text("new", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "new"
