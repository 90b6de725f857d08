"""The review workbook a person opens in Excel/WPS: Chinese labels, 是/否 dropdown, widths, frozen header, order.

Read back with openpyxl (as Excel would see it), edited and saved with openpyxl,
then imported: the label row never gets in the way of the round trip.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from openpyxl import load_workbook

from optimizer.act.review import import_review
from optimizer.act.review_file import write_recommendations
from optimizer.decide import columns as C
from optimizer.i18n import use_language
from tests.review.test_import_review import RECS, B, D, settings, stored  # noqa: F401  (fixtures)


def _frame() -> pd.DataFrame:
    frame = pd.DataFrame(RECS)
    frame[C.BUDGET_CHANGE_PCT] = [10.0, 25.0, 0.0, 0.0]
    frame[C.BID_CHANGE_PCT] = [4.0, 6.7, None, None]
    frame[C.ACTION_LABEL] = ["加预算", "加预算", "保持", "恢复投放"]
    return frame


def _write(tmp_path, lang: str):
    with use_language(lang):
        _, xlsx = write_recommendations(_frame(), tmp_path / "r.csv", tmp_path / "r.xlsx")
    return xlsx


def test_the_workbook_reads_in_chinese_with_a_dropdown_widths_and_a_frozen_header(tmp_path):
    sheet = load_workbook(_write(tmp_path, "zh-CN")).active
    labels, names = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    assert labels[names.index("campaign_name")] == "计划名称"
    assert labels[names.index("approved")] == "是否同意(是/否)"
    assert labels[names.index("budget_change_pct")] == "预算变化%"
    # approved right after the recommendation and its change columns; the reason last
    assert names[:12] == [
        "campaign_id",
        "campaign_name",
        "channel",
        "bid_type",
        "action_label",
        "current_budget",
        "recommended_budget",
        "budget_change_pct",
        "current_bid",
        "recommended_bid",
        "bid_change_pct",
        "approved",
    ]
    assert names[-1] == "reason" and set(names) == set(_frame().columns)
    (validation,) = sheet.data_validations.dataValidation
    assert validation.type == "list" and validation.formula1 == '"是,否"'
    letter = sheet.cell(2, names.index("approved") + 1).column_letter
    assert f"{letter}3" in validation.sqref and f"{letter}6" in validation.sqref
    assert sheet.freeze_panes == "C3"  # both header rows and the campaign's id and name stay in view
    width = {n: sheet.column_dimensions[sheet.cell(2, i + 1).column_letter].width for i, n in enumerate(names)}
    assert width["reason"] > width["campaign_name"] > width["current_budget"] > 0
    pct = sheet.cell(3, names.index("budget_change_pct") + 1)
    assert pct.value == 10.0 and pct.number_format == "+0.0;-0.0;0.0"


def test_english_is_a_setting(tmp_path):
    sheet = load_workbook(_write(tmp_path, "en")).active
    labels, names = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    assert labels[names.index("approved")] == "approved (yes/no)"
    assert sheet.data_validations.dataValidation[0].formula1 == '"yes,no"'


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_edited_with_openpyxl_it_imports_back_label_row_and_all(stored, settings, tmp_path, lang):  # noqa: F811
    xlsx = _write(tmp_path, lang)
    book = load_workbook(xlsx)
    sheet = book.active
    names = [c.value for c in sheet[2]]
    for r in range(3, sheet.max_row + 1):
        cid = sheet.cell(r, names.index("campaign_id") + 1).value
        if cid == B:
            sheet.cell(r, names.index("approved") + 1).value = "是" if lang == "zh-CN" else "yes"
            sheet.cell(r, names.index("recommended_budget") + 1).value = 2300
        if cid == D:
            sheet.cell(r, names.index("approved") + 1).value = "否" if lang == "zh-CN" else "no"
    book.save(xlsx)
    assert load_workbook(xlsx).active.data_validations.dataValidation  # the dropdown survives a save

    decision = import_review(xlsx, stored, settings)
    assert (decision.approved, decision.rejected, decision.edited) == (1, 1, 1)
    rows = decision.rows.set_index("campaign_id")
    assert rows.loc[B, "recommended_budget"] == Decimal("2300.00")
