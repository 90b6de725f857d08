"""Must-hold 2: each console input case: accepted with the right values, or refused naming file, row, column or sheet."""

from __future__ import annotations

import datetime as dt

import pytest

from connectors.errors import InputError
from connectors.files.stats import read_stats

TODAY = dt.date(2026, 11, 20)


def _csv(tmp_path, text, name="e.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("basis", "gmv"), [("direct_pay", 300.0), ("uni_total", 300.0)])
def test_unprefixed_console_gmv_and_orders_are_accepted_under_every_basis(tmp_path, basis, gmv):
    path = _csv(tmp_path, "日期,计划ID,消耗(元),成交金额(元),成交订单数\n2026-11-03,7,100,300,3\n")
    frame = read_stats([path], gmv_basis=basis, today=TODAY)
    assert frame["gmv"].tolist() == [gmv] and frame["orders"].tolist() == [3]


def test_two_headers_of_one_column_that_differ_are_refused_naming_both(tmp_path):
    path = _csv(tmp_path, "date,campaign_id,spend,消耗(元),gmv,orders\n2026-11-03,7,100,90,300,3\n")
    with pytest.raises(InputError) as caught:
        read_stats([path], today=TODAY)
    problem = caught.value.problems[0]
    assert problem.row == 2 and "spend" in problem.column and "消耗(元)" in problem.column
    same = _csv(tmp_path, "date,campaign_id,计划ID,spend,gmv,orders\n2026-11-03,7,7,100,300,3\n", "same.csv")
    assert read_stats([same], today=TODAY)["campaign_id"].tolist() == ["7"]


def test_a_workbook_with_data_on_two_sheets_is_refused_naming_them_unless_one_is_picked(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    first.title = "一月"
    second = book.create_sheet("二月")
    for sheet, day in ((first, "2026-11-03"), (second, "2026-11-04")):
        sheet.append(["日期", "计划ID", "消耗(元)", "直接成交金额(元)", "直接成交订单数"])
        sheet.append([day, "7", 100, 300, 3])
    path = tmp_path / "two.xlsx"
    book.save(path)
    with pytest.raises(InputError, match="一月, 二月"):
        read_stats([path], today=TODAY)
    picked = read_stats([path], today=TODAY, sheet="二月")
    assert [d.date() for d in picked["date"]] == [dt.date(2026, 11, 4)]
    with pytest.raises(InputError, match="三月"):
        read_stats([path], today=TODAY, sheet="三月")


@pytest.mark.parametrize(
    ("way", "scene", "channel"),
    [("标准推广", "短视频带货", "qianchuan.video"), ("全域推广", "推直播间", "qianchuan.uni_live"),
     ("全域推广", "推商品", "qianchuan.uni_video")],
)  # fmt: skip
def test_channel_and_bid_type_come_from_the_console_columns(tmp_path, way, scene, channel):
    path = _csv(
        tmp_path,
        "推广方式,营销场景,出价方式,日期,计划ID,消耗(元),直接成交金额(元),直接成交订单数,出价(元)\n"
        f"{way},{scene},控成本,2026-11-03,7,100,300,3,20\n",
    )
    frame = read_stats([path], today=TODAY)
    assert frame["channel"].tolist() == [channel] and frame["bid_type"].tolist() == ["cpa"]
    assert ("files.channel_from", {"file": str(path), "headers": "推广方式 + 营销场景"}) in frame.attrs["assumed"]


def test_formula_like_names_are_neutralised_where_we_write_a_spreadsheet_cell(tmp_path):
    import pandas as pd
    from openpyxl import load_workbook

    from optimizer.act.review_file import write_recommendations
    from optimizer.decide.columns import CONTRACT_COLUMNS

    names = ['=HYPERLINK("x")', "+1元秒杀", "-满减", "@品牌"]
    frame = pd.DataFrame({c: [None] * 4 for c in CONTRACT_COLUMNS})
    frame["campaign_id"] = ["1", "2", "3", "4"]
    frame["campaign_name"] = names
    csv, xlsx = write_recommendations(frame, tmp_path / "r.csv", tmp_path / "r.xlsx")
    text = csv.read_text(encoding="utf-8-sig")
    assert all(f"'{n}" in text or f"\"'{n}" in text.replace('""', '"') for n in names)
    sheet = load_workbook(xlsx).active
    col = [c.value for c in sheet[2]].index("campaign_name") + 1  # row 1: the labels a person reads
    cells = [sheet.cell(r, col) for r in range(3, 7)]
    assert [c.value for c in cells] == [f"'{n}" for n in names] and all(c.data_type == "s" for c in cells)
