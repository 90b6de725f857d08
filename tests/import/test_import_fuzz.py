"""Property: whatever a file holds, read_stats answers with a validated frame
or an InputError naming the file, never another exception; and a workbook of
random valid rows reads back like the CSV does."""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from connectors.errors import InputError
from connectors.files.stats import STAT_COLUMNS, _header_score, read_stats
from connectors.files.tabular import read_table

TODAY = dt.date(2026, 11, 20)
COLUMNS = ["date", "campaign_id", "spend", "gmv", "orders", "budget", "bid_type", "bid", "status", "currency",
           "campaign_name", "日期", "计划ID", "消耗(元)", "直接成交金额(元)", "直接成交订单数", "推广类型", "ROI目标"]  # fmt: skip
cell = st.one_of(
    st.sampled_from(["", "--", "-", "nan", "inf", "1,234.5", "¥5", "0", "-1", "2026-11-03", "2026/11/3",
                     "1.78E+18", "1780000000000000001", "cpa", "roi", "none", "投放中", "全域推直播", "=1+1",
                     "@x", "合计", "2026-11-01 ~ 2026-11-02", "CNY", "USD", "不限"]),
    st.text(max_size=8),
)  # fmt: skip


def _check(path: Path) -> None:
    try:
        frame = read_stats([path], today=TODAY, max_problems=5)
    except InputError as error:
        assert error.problems and all(p.file == str(path) for p in error.problems)
        assert len(error.problems) <= 5
    else:
        assert tuple(frame.columns) == STAT_COLUMNS
        assert frame["spend"].notna().all() and frame["gmv"].notna().all()
        assert (frame["spend"] >= 0).all() and (frame["orders"] >= 0).all()


REQUIRED = ["date", "campaign_id", "spend", "gmv", "orders"]
GOOD_CELLS = {"date": "2026-11-03", "campaign_id": "1780000000000000001", "spend": "1", "gmv": "2", "orders": "3"}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_table_of_text_gives_a_frame_or_an_input_error(data: st.DataObject):
    extras = data.draw(st.lists(st.sampled_from(COLUMNS[5:]), unique=True, max_size=5))
    header = data.draw(st.permutations(REQUIRED + extras))
    mostly_valid = st.fixed_dictionaries({h: st.just(GOOD_CELLS.get(h, "")) | cell for h in header})
    body = data.draw(st.lists(mostly_valid.map(lambda r: [r[h] for h in header]), min_size=1, max_size=6))
    if data.draw(st.booleans()):  # now and then a ragged row
        body.append(data.draw(st.lists(cell, max_size=len(header) + 2)))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([header, *body])
        _check(path)
        assert _table(path, exact=False) == _table(path, exact=True)


def _table(path: Path, *, exact: bool) -> tuple:
    """What the low-level reader makes of a file, comparable across its two paths."""
    try:
        t = read_table(path, _header_score("direct_pay"), exact=exact)
    except InputError as error:
        return ("error", str(error))
    return (
        t.header,
        t.header_row,
        [c.tolist() for c in t.columns],
        t.row_numbers.tolist(),
        [str(p) for p in t.problems],
    )


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
@example(b"\r\x01")  # a lone carriage return once crashed the header search
@example(b'"a\rb",1\n')
def test_any_bytes_give_a_frame_or_an_input_error(data: bytes):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bytes.csv"
        path.write_bytes(b"date,campaign_id,spend,gmv,orders\n" + data)
        _check(path)
        assert _table(path, exact=False) == _table(path, exact=True)
        path.write_bytes(data)
        _check(path)
        assert _table(path, exact=False) == _table(path, exact=True)


xlsx_rows = st.lists(
    st.tuples(
        st.from_regex(r"[1-9][0-9]{14,17}[1-9]", fullmatch=True),
        st.dates(dt.date(2024, 1, 1), TODAY),
        st.floats(0, 1e7, allow_nan=False).map(lambda x: round(x, 2)),
        st.integers(0, 10**6),
        st.text(st.sampled_from(list("直播间双十一爆款女装·ab 12")), min_size=1, max_size=12)
        .map(str.strip)
        .filter(bool),
    ),
    min_size=1,
    max_size=12,
    unique_by=lambda r: (r[0], r[1]),
)


@settings(max_examples=25, deadline=None)
@given(xlsx_rows)
def test_workbook_cells_of_every_type_read_back_exactly(rows: list[tuple]):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["日期", "计划ID", "计划名称", "消耗(元)", "直接成交金额(元)", "直接成交订单数"])
    for campaign_id, day, money, orders, name in rows:  # a date cell, a text id, float and int cells
        sheet.append([dt.datetime.combine(day, dt.time()), campaign_id, name, money, money * 2, orders])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rows.xlsx"
        book.save(path)
        frame = read_stats([path], today=TODAY)
    got = sorted(zip(frame["campaign_id"], frame["date"].dt.date, frame["spend"], frame["gmv"], frame["orders"],
                     frame["campaign_name"], strict=True))  # fmt: skip
    want = sorted((c, d, m, round(m * 2, 2), o, n) for c, d, m, o, n in rows)
    assert got == want
