"""Every hostile file in tests/data/bad is refused with file, row and column.

``EXPECTED`` pins where each problem is reported. Whole-file problems (empty
file, unreadable bytes, a missing or duplicated column) have no row, and those
about a column have the header but no row: the table says so with ``None``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from connectors.errors import InputError
from connectors.files.stats import read_stats

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
TODAY = dt.date(2026, 11, 20)

# file -> (row, column, words the message must contain); None = not applicable
EXPECTED: dict[str, tuple[int | None, str | None, str]] = {
    "bad_date.csv": (3, "date", "not a date"),
    "bid_with_type_none.csv": (2, "bid", "bid_type is none"),
    "bid_zero.csv": (2, "bid", "greater than 0"),
    "broken_utf8.csv": (3, None, "broken UTF-8 text"),  # whole file: the line, no column
    "duplicate_disagree.csv": (4, "spend", "duplicate rows disagree: rows 2 and 4"),
    "duplicate_gmv_falls.csv": (3, "gmv", "duplicate rows disagree: rows 2 and 3"),
    "duplicate_header.csv": (None, "spend", "appears twice"),  # a header problem: no row
    "empty.csv": (None, None, "empty"),  # whole file
    "empty_required_cell.csv": (2, "spend", "spend is empty"),
    "future_date.csv": (3, "date", "in the future"),
    "garbage_encoding.csv": (2, None, "neither UTF-8 nor GBK"),  # whole file: the line, no column
    "header_only.csv": (1, None, "no data rows"),  # whole file: the header row, no column
    "id_with_space.csv": (2, "campaign_id", "no spaces"),
    "ids_lost_precision.csv": (2, "campaign_id", "15-digit precision"),
    "inf_money.csv": (3, "gmv", "NaN/inf"),
    "legacy_xls.xls": (None, None, "legacy Excel .xls"),  # whole file
    "mangled_id.csv": (3, "campaign_id", "id mangled by a spreadsheet (scientific notation): '1.78E+18'"),
    "mangled_id_float_cell.xlsx": (3, "计划ID", "id mangled by a spreadsheet (scientific notation)"),
    "mangled_id_long_float.csv": (2, "campaign_id", "scientific notation"),
    "misaligned_extra_field.csv": (3, "field 7", "7 fields but the header has 6"),
    "misaligned_short_row.csv": (3, "orders", "4 fields but the header has 5"),
    "missing_column.csv": (
        None,
        "orders",
        "missing required column 'orders' (accepted headers: orders, 直接成交订单数",
    ),
    "mixed_currency.csv": (3, "currency", "mixes currencies"),
    "money_in_fen.csv": (None, "消耗(分)", "export amounts in 元"),  # a header problem: no row
    "nan_money.csv": (2, "spend", "NaN/inf"),
    "negative_spend.csv": (3, "spend", "negative"),
    "orders_fraction.csv": (2, "orders", "whole number"),
    "ragged.xlsx": (5, "column 14", "past the last header column"),
    "text_in_number.csv": (2, "gmv", "not a number: '三百'"),
    "uni_export_for_direct_basis.csv": (None, "gmv", "gmv_basis 'uni_total'"),  # a header problem: no row
    "unknown_bid_type.csv": (2, "bid_type", "unknown bid_type 'cpc'"),
    "unknown_status.csv": (2, "status", "unknown status 'deleted'"),
    "whitespace_only.csv": (None, None, "empty"),  # whole file
}


def test_every_bad_fixture_has_an_expectation():
    on_disk = {p.name for p in BAD.iterdir()}
    assert on_disk == set(EXPECTED)
    assert len(on_disk) >= 15


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_is_refused_naming_file_row_and_column(name: str):
    row, column, words = EXPECTED[name]
    with pytest.raises(InputError) as caught:
        read_stats([BAD / name], today=TODAY)
    error = caught.value
    assert name in str(error)
    match = [p for p in error.problems if words in p.message]
    assert match, f"no problem says {words!r}: {error}"
    problem = match[0]
    assert problem.file == str(BAD / name)
    assert (problem.row, problem.column) == (row, column)
    where = f"{name}:{row}:{column}" if row and column else name
    assert where in str(error)


def test_problems_stop_at_max_problems_and_count_the_rest(tmp_path: Path):
    path = tmp_path / "many.csv"
    rows = "".join(f"2026-11-03,{100 + i},-1,0,0\n" for i in range(100))
    path.write_text("date,campaign_id,spend,gmv,orders\n" + rows, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_stats([path], max_problems=5, today=TODAY)
    assert [p.row for p in caught.value.problems] == [2, 3, 4, 5, 6]
    assert caught.value.more == 95
    assert "and 95 more problems" in str(caught.value)


def test_all_problems_in_a_file_are_reported_at_once(tmp_path: Path):
    path = tmp_path / "several.csv"
    path.write_text(
        "date,campaign_id,spend,gmv,orders\n2026-11-03,1.2E+17,-1,x,1.5\n2026-02-30,7,1,1,1\n", encoding="utf-8"
    )
    with pytest.raises(InputError) as caught:
        read_stats([path], today=TODAY)
    where = {(p.row, p.column) for p in caught.value.problems}
    assert where == {(2, "campaign_id"), (2, "spend"), (2, "gmv"), (2, "orders"), (3, "date")}


def test_a_bad_file_fails_the_whole_import_and_every_bad_file_is_named(tmp_path: Path):
    good = tmp_path / "good.csv"
    good.write_text("date,campaign_id,spend,gmv,orders\n2026-11-03,7,1,1,1\n", encoding="utf-8")
    paths = [good, BAD / "negative_spend.csv", BAD / "missing_column.csv"]
    with pytest.raises(InputError) as caught:
        read_stats(paths, today=TODAY)
    assert {Path(p.file).name for p in caught.value.problems} == {"negative_spend.csv", "missing_column.csv"}


def test_header_problems_of_the_user_file_use_its_own_header_text(tmp_path: Path):
    path = tmp_path / "console.csv"
    path.write_text("日期,计划ID,消耗(元),直接成交金额(元),直接成交订单数\n2026-11-03,7,-5,1,1\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_stats([path], today=TODAY)
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "消耗(元)")]


@pytest.mark.parametrize("cell", ["+SUM(A1)", "-cmd|' /C calc'!A0", "=1+1", "+1元秒杀", "@SUM(A1)"])
def test_formula_like_names_are_read_as_text(tmp_path: Path, cell: str):
    """Names are never refused for their first character; the writer neutralises them (tests/import/test_console_exports.py)."""
    path = tmp_path / "f.csv"
    path.write_text(f'date,campaign_id,spend,gmv,orders,campaign_name\n2026-11-03,7,1,1,1,"{cell}"\n', "utf-8")
    assert read_stats([path], today=TODAY)["campaign_name"].tolist() == [cell]


@pytest.mark.parametrize(("cell", "words"), [("-cmd", "starting with a letter or digit"), ("1 2", "no spaces")])
def test_ids_must_start_with_a_letter_or_digit_and_hold_no_spaces(tmp_path: Path, cell: str, words: str):
    path = tmp_path / "i.csv"
    path.write_text(f"date,account_id,campaign_id,spend,gmv,orders\n2026-11-03,{cell},7,1,1,1\n", "utf-8")
    with pytest.raises(InputError, match=words):
        read_stats([path], today=TODAY)


@pytest.mark.parametrize("cell", ["１２３", "١٢٣"])
def test_ids_of_digits_other_than_ascii_are_refused(tmp_path: Path, cell: str):
    # str.isdigit and regex \d take them for digits; an id is ASCII (the plain-digits shortcut must know)
    path = tmp_path / "i.csv"
    path.write_text(f"date,campaign_id,spend,gmv,orders\n2026-11-03,{cell},1,1,1\n", "utf-8")
    with pytest.raises(InputError, match="may hold only letters, digits"):
        read_stats([path], today=TODAY)


@pytest.mark.parametrize("cell", ["-5", "+86", "-1,234.5", "=", "@"])
def test_names_that_are_numbers_or_bare_signs_are_not_formulas(tmp_path: Path, cell: str):
    path = tmp_path / "n.csv"
    path.write_text(f'date,campaign_id,spend,gmv,orders,campaign_name\n2026-11-03,7,1,1,1,"{cell}"\n', "utf-8")
    assert read_stats([path], today=TODAY)["campaign_name"].tolist() == [cell]


def test_unknown_gmv_basis_is_a_programming_error():
    with pytest.raises(ValueError, match="gmv_basis"):
        read_stats([BAD / "empty.csv"], gmv_basis="gross")


def test_a_few_long_ids_ending_in_zeros_are_not_called_mangled(tmp_path: Path):
    path = tmp_path / "z.csv"
    path.write_text("date,campaign_id,spend,gmv,orders\n2026-11-03,1780000000000000000,1,1,1\n"
                    "2026-11-03,1780000000000010000,1,1,1\n2026-11-03,1780000000000020001,1,1,1\n", "utf-8")  # fmt: skip
    assert len(read_stats([path], today=TODAY)) == 3


def test_an_export_with_only_its_total_row_has_no_data(tmp_path: Path):
    path = tmp_path / "t.csv"
    path.write_text("日期,计划ID,消耗(元),直接成交金额(元),直接成交订单数\n合计,,100,300,3\n", "utf-8")
    with pytest.raises(InputError, match=r"t.csv:1: the file has no data rows, only a total row"):
        read_stats([path], today=TODAY)


@pytest.mark.parametrize(("column", "cell"), [("orders", "1e20"), ("spend", "12345678901234"), ("gmv", "1e300")])
def test_implausibly_large_numbers_are_refused_not_wrapped(tmp_path: Path, column: str, cell: str):
    cells = {"spend": "1", "gmv": "1", "orders": "1", column: cell}
    path = tmp_path / "big.csv"
    path.write_text(f"date,campaign_id,spend,gmv,orders\n2026-11-03,7,{cells['spend']},{cells['gmv']},{cells['orders']}\n",
                    "utf-8")  # fmt: skip
    with pytest.raises(InputError, match=rf"big.csv:2:{column}: {column} is implausibly large"):
        read_stats([path], today=TODAY)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_hostile_file_is_refused_in_chinese_with_the_same_english(name: str):
    """Each problem names its message: the reader's language is zh-CN by default, and the English
    catalog text is the connector's own message word for word (the two cannot drift apart)."""
    from optimizer.i18n import problem_text

    with pytest.raises(InputError) as caught:
        read_stats([BAD / name], today=TODAY)
    for problem in caught.value.problems:
        assert problem.key, f"{problem} has no message key: it would reach a zh-CN reader in English"
        assert problem_text(problem, lang="en") == str(problem)
        chinese = problem_text(problem, lang="zh-CN")
        assert chinese != str(problem) and any("\u4e00" <= ch <= "\u9fff" for ch in chinese), chinese
        assert chinese.startswith(problem.where)
