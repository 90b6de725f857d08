"""XLSX specifics: the sheet whose header matches, int and float id cells,
date cells, short rows; plus the bid columns of console exports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from connectors.errors import InputError
from connectors.files.stats import read_stats

TODAY = dt.date(2026, 11, 20)
HEADER = ["日期", "计划ID", "计划名称", "消耗(元)", "直接成交金额(元)", "直接成交订单数", "预算(元)"]


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_the_sheet_whose_header_matches_is_read(tmp_path: Path):
    path = workbook(tmp_path / "w.xlsx", {
        "说明": [["本表由千川后台导出"], ["字段说明", "消耗单位为元"]],
        "数据": [HEADER, [dt.date(2026, 11, 3), "1780000000000000001", "主推", 10.5, 30, 2, None]],
    })  # fmt: skip
    frame = read_stats([path], today=TODAY)
    assert frame[["campaign_id", "campaign_name", "spend", "gmv", "orders"]].values.tolist() == [
        ["1780000000000000001", "主推", 10.5, 30.0, 2]
    ]
    assert frame["source_row"].tolist() == [2]
    assert frame["budget"].isna().all()


def test_int_id_cells_read_as_digits_and_float_id_cells_are_refused(tmp_path: Path):
    ok = workbook(tmp_path / "int.xlsx", {"s": [HEADER, ["2026-11-03", 123456789012345, "a", 1, 1, 1, 300]]})
    assert read_stats([ok], today=TODAY)["campaign_id"].tolist() == ["123456789012345"]
    bad = workbook(tmp_path / "float.xlsx", {"s": [HEADER, ["2026-11-03", 12345.5, "a", 1, 1, 1, 300]]})
    with pytest.raises(InputError, match=r"float.xlsx:2:计划ID: id '12345.5' is a decimal number"):
        read_stats([bad], today=TODAY)


def test_short_rows_in_a_sheet_are_empty_optional_cells_not_misalignment(tmp_path: Path):
    path = workbook(tmp_path / "short.xlsx", {"s": [HEADER, [dt.datetime(2026, 11, 3, 0, 0), "7", "a", 1, 1, 1]]})
    assert read_stats([path], today=TODAY)["budget"].isna().tolist() == [True]


def test_sheet_with_header_only_is_refused(tmp_path: Path):
    path = workbook(tmp_path / "h.xlsx", {"s": [HEADER]})
    with pytest.raises(InputError, match=r"h.xlsx:1: the file has a header but no data rows"):
        read_stats([path], today=TODAY)


def test_missing_file_is_an_input_error(tmp_path: Path):
    with pytest.raises(InputError, match="cannot read the file"):
        read_stats([tmp_path / "nope.csv"], today=TODAY)


def test_an_xlsx_saved_with_a_csv_name_is_still_read_as_a_workbook(tmp_path: Path):
    path = workbook(tmp_path / "really.xlsx", {"s": [HEADER, ["2026-11-03", "7", "a", 1, 1, 1, 300]]})
    renamed = path.rename(tmp_path / "export.csv")
    assert read_stats([renamed], today=TODAY)["budget"].tolist() == [300.0]


@pytest.mark.parametrize(
    ("columns", "cells", "expected"),
    [
        ("出价(元)", "35.5", ("cpa", 35.5)),
        ("ROI目标", "2.5", ("roi", 2.5)),
        ("出价(元),ROI目标", "--,2.5", ("roi", 2.5)),
        ("出价方式,出价(元),ROI目标", "控成本投放,--,2.5", ("roi", 2.5)),
        ("出价方式,出价(元),ROI目标", "控成本投放,40,--", ("cpa", 40.0)),
        ("出价方式,出价(元)", "放量投放,--", ("none", None)),
        ("bid_type,bid", "roi,3", ("roi", 3.0)),
        ("bid", "3", (None, 3.0)),
    ],
)
def test_bid_and_bid_type_from_console_columns(tmp_path: Path, columns: str, cells: str, expected: tuple):
    path = tmp_path / "b.csv"
    path.write_text(f"date,campaign_id,spend,gmv,orders,{columns}\n2026-11-03,7,1,1,1,{cells}\n", "utf-8")
    row = read_stats([path], today=TODAY).iloc[0]
    bid = None if row["bid"] != row["bid"] else row["bid"]
    assert (row["bid_type"], bid) == expected


def test_console_promotion_type_gives_the_channel_unless_a_channel_column_exists(tmp_path: Path):
    path = tmp_path / "c.csv"
    path.write_text("date,campaign_id,spend,gmv,orders,推广类型\n2026-11-03,7,1,1,1,全域推商品\n"
                    "2026-11-03,8,1,1,1,标准推直播\n", "utf-8")  # fmt: skip
    assert read_stats([path], today=TODAY)["channel"].tolist() == ["qianchuan.uni_video", "qianchuan.live"]
    path.write_text("date,campaign_id,spend,gmv,orders,推广类型,channel\n2026-11-03,7,1,1,1,全域推商品,brand\n",
                    "utf-8")  # fmt: skip
    assert read_stats([path], today=TODAY)["channel"].tolist() == ["brand"]


def test_ad_type_column_gives_a_channel_only_when_it_names_live_or_goods(tmp_path: Path):
    path = tmp_path / "a.csv"
    path.write_text("date,campaign_id,spend,gmv,orders,广告类型\n2026-11-03,7,1,1,1,通投广告\n"
                    "2026-11-03,8,1,1,1,标准推商品\n", "utf-8")  # fmt: skip
    assert read_stats([path], today=TODAY)["channel"].tolist() == ["default", "qianchuan.video"]


def test_unknown_promotion_type_is_refused(tmp_path: Path):
    path = tmp_path / "p.csv"
    path.write_text("date,campaign_id,spend,gmv,orders,推广类型\n2026-11-03,7,1,1,1,品牌广告\n", "utf-8")
    with pytest.raises(InputError, match=r"p.csv:2:推广类型: unknown 推广类型 '品牌广告'"):
        read_stats([path], today=TODAY)
