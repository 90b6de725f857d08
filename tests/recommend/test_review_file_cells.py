"""The review file's cells, column at a time, are byte for byte what a plain per-cell formatting gives.

``write_csv_xlsx`` formats each column once for both files. Here every cell of
random frames (NaN, inf, negative zero, huge numbers, control characters,
formula prefixes, XML specials, a NUL inside a value) is formatted the obvious
way, one cell at a time, and the CSV and the worksheet must come out the same.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.act import review_file
from optimizer.act.review_file import write_csv_xlsx
from optimizer.act.review_xlsx import number_style, reading_order, sheet_xml
from optimizer.decide import columns as C

INTEGER_COLUMNS = (C.DAYS_OF_HISTORY, C.CAPPED_DAYS_7)
NUMBER_COLUMNS = tuple(
    c for c in C.ALL_COLUMNS if c not in C.TEXT_COLUMNS and c not in C.MONEY_COLUMNS and c not in INTEGER_COLUMNS
)

_numbers = st.one_of(
    st.floats(min_value=-1e300, max_value=1e300),  # larger ones overflow np.round (a warning, and "inf")
    st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0, -0.004, 0.005, -0.00005, 1e15, -1e17, 2.5e-5]),
    st.sampled_from([12345.675, 0.125, 1e300, 5e-324, 2.0**53 + 1, 1e11 + 0.00005]),
    st.floats(min_value=-1e6, max_value=1e6).map(lambda v: round(v, 3)),
)
_texts = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from("ab1 =+-@\t\r\n&<>\"',;\x00\x01\x0b\x1f\ufffe计划"), max_size=8),
    st.sampled_from(["=SUM(A1)", "-qianchuan.live", "正常", ""]),
)


def _plain_text(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _plain_number(column: str, value: float) -> str:
    if not math.isfinite(value):
        return ""
    if column in C.MONEY_COLUMNS:
        return f"{np.round(value, 2):.2f}"
    if column in INTEGER_COLUMNS:
        return str(int(float(value)))
    return repr(float(np.round(value, 4)))


def _plain_strings(frame: pd.DataFrame, column: str) -> list[str]:
    if column not in frame.columns:
        return [""] * len(frame)
    if column in C.TEXT_COLUMNS:
        return [_plain_text(v) for v in frame[column].astype(object)]
    return [_plain_number(column, float(v)) for v in frame[column]]


def _plain_xml(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", text)


def _plain_cell(column: str, text: str, present: bool) -> str:
    if column in C.TEXT_COLUMNS or not present:  # a missing column is written as empty text
        text = _plain_xml(text)  # a value of control characters only is an empty cell
        return f'<c t="inlineStr" s="1"><is><t xml:space="preserve">{text}</t></is></c>' if text else "<c/>"
    if not text:
        return "<c/>"
    style = number_style(column)
    return f'<c s="{style}"><v>{text}</v></c>' if style else f"<c><v>{text}</v></c>"


@st.composite
def frames(draw) -> pd.DataFrame:
    n = draw(st.integers(0, 12))
    data: dict[str, object] = {}
    for column in C.ALL_COLUMNS:
        if column == C.EXPECTED_GMV_SD and draw(st.booleans()):
            continue  # an extra column may be missing: written empty
        if column in C.TEXT_COLUMNS:
            data[column] = pd.Series(draw(st.lists(_texts, min_size=n, max_size=n)), dtype=object)
        elif column in INTEGER_COLUMNS:
            ints = draw(st.lists(st.integers(-(2**62), 2**62), min_size=n, max_size=n))
            data[column] = np.array(ints, dtype=np.int64)
        else:
            data[column] = np.array(draw(st.lists(_numbers, min_size=n, max_size=n)), dtype=float)
    return pd.DataFrame(data, index=pd.RangeIndex(n))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame=frames())
def test_csv_and_xlsx_are_the_plain_per_cell_formatting(frame, tmp_path):
    _assert_plain_per_cell(frame, tmp_path)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame=frames())
def test_columns_of_a_few_repeated_values_are_the_plain_per_cell_formatting(frame, tmp_path):
    """A column of few distinct values is worded once per value (``_by_value``): the cells are the same."""
    _assert_plain_per_cell(pd.concat([frame] * 300, ignore_index=True), tmp_path)


def _assert_plain_per_cell(frame: pd.DataFrame, tmp_path) -> None:
    csv_path, xlsx_path = tmp_path / "r.csv", tmp_path / "r.xlsx"
    write_csv_xlsx(frame, csv_path, xlsx_path)

    columns = tuple(c for c in C.ALL_COLUMNS if c in C.CONTRACT_COLUMNS or c in frame.columns)
    strings = {c: _plain_strings(frame, c) for c in columns}
    expected_csv = io.StringIO(newline="")
    writer = csv.writer(expected_csv, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(zip(*(strings[c] for c in columns), strict=True))
    assert csv_path.read_bytes() == expected_csv.getvalue().encode("utf-8-sig")

    ordered = reading_order(columns)
    body = [[_plain_cell(c, strings[c][i], c in frame.columns) for c in ordered] for i in range(len(frame))]
    with zipfile.ZipFile(xlsx_path) as book:
        rows = ["".join("<row>" + "".join(cells) + "</row>" for cells in body)]
        assert book.read("xl/worksheets/sheet1.xml") == "".join(sheet_xml(ordered, rows, len(body))).encode("utf-8")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame=frames())
def test_files_written_a_few_rows_a_piece_are_the_files_in_one_piece(frame, tmp_path, monkeypatch):
    """The writers join and write rows a piece at a time: the pieces' seams leave no mark."""
    write_csv_xlsx(frame, tmp_path / "one.csv", tmp_path / "one.xlsx")
    monkeypatch.setattr(review_file, "_ROWS_A_PIECE", 2)
    write_csv_xlsx(frame, tmp_path / "pieces.csv", tmp_path / "pieces.xlsx")
    assert (tmp_path / "pieces.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()
    with zipfile.ZipFile(tmp_path / "one.xlsx") as one, zipfile.ZipFile(tmp_path / "pieces.xlsx") as pieces:
        assert one.namelist() == pieces.namelist()
        assert all(one.read(name) == pieces.read(name) for name in one.namelist())
