"""The review workbook's layout: what a person sees when they open the XLSX in Excel or WPS.

* **Two header rows.** Row 1 holds the column labels in ``[ui] language``
  (``optimizer/i18n/review.py``: 计划名称, 建议日预算(元), 是否同意(是/否) ...);
  row 2 the contract's column names, which is what the review import keys on
  (it finds its header by the names and reads a row above it as a title row),
  so the file round-trips whatever the labels say.
* **Order for reading.** Who and what first (campaign, action), then budget
  now / recommended / change %, bid now / recommended / change %, then
  ``approved`` right after the recommendation, the forecast, the bookkeeping
  columns, and ``reason`` last (it is the long one). The CSV keeps the
  contract's order; readers of either key on names, never on positions.
* ``approved`` has a 是/否 dropdown (a list data validation: yes/no in English);
  columns have widths; the two header rows and the campaign id/name columns are
  frozen; change-% columns show one decimal.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from optimizer.decide import columns as C
from optimizer.i18n import current_language, t

__all__ = ["READING_ORDER", "number_style", "reading_order", "sheet_xml", "styles_xml"]

READING_ORDER: tuple[str, ...] = (
    C.CAMPAIGN_ID,
    C.CAMPAIGN_NAME,
    C.CHANNEL,
    C.BID_TYPE,
    C.ACTION_LABEL,
    C.CURRENT_BUDGET,
    C.RECOMMENDED_BUDGET,
    C.BUDGET_CHANGE_PCT,
    C.CURRENT_BID,
    C.RECOMMENDED_BID,
    C.BID_CHANGE_PCT,
    C.APPROVED,
    C.DECISION,
    C.ACTION,
    C.EXPECTED_SPEND_NOW,
    C.EXPECTED_SPEND,
    C.EXPECTED_GMV,
    C.EXPECTED_ROI,
    C.MARGINAL_ROI,
    C.EXPECTED_GMV_SD,
    C.ACCOUNT_THRESHOLD,
    C.DAYS_OF_HISTORY,
    C.CAPPED_DAYS_7,
    C.CURRENCY,
    C.ACCOUNT_ID,
    C.EFFECTIVE_DATE,
    C.RUN_ID,
)
"""Columns of the workbook in the order a person reads them; ``reason`` (and anything new) follows."""

_WIDTHS = {
    C.CAMPAIGN_ID: 21,
    C.CAMPAIGN_NAME: 30,
    C.ACTION_LABEL: 16,
    C.APPROVED: 16,
    C.REASON: 80,
    C.RUN_ID: 26,
    C.ACCOUNT_ID: 20,
    C.EFFECTIVE_DATE: 12,
}
_DEFAULT_WIDTH = 13
_PCT_COLUMNS = (C.BUDGET_CHANGE_PCT, C.BID_CHANGE_PCT)

TEXT_STYLE, HEADER_STYLE, PCT_STYLE = 1, 2, 3
"""Cell style indices in ``styles_xml``: 0 general, 1 text (@), 2 bold text, 3 number with one decimal."""


def reading_order(columns: tuple[str, ...]) -> tuple[str, ...]:
    """``columns`` reordered for reading: ``READING_ORDER`` first, then the rest, ``reason`` last."""
    first = [c for c in READING_ORDER if c in columns]
    rest = [c for c in columns if c not in READING_ORDER and c != C.REASON]
    return tuple(first + rest + ([C.REASON] if C.REASON in columns else []))


def _column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _label(column: str, lang: str) -> str:
    try:
        return t(f"review.col_{column}", lang=lang)
    except KeyError:  # a column added after the catalog: its name is its label
        return column


def _header_row(values: list[str]) -> str:
    return (
        "<row>"
        + "".join(f'<c t="inlineStr" s="{HEADER_STYLE}"><is><t>{_attr(v)}</t></is></c>' for v in values)
        + ("</row>")
    )


def _validation(columns: tuple[str, ...], rows: int, lang: str) -> str:
    """The ``approved`` dropdown (是/否, or yes/no) over the data rows, plus some room for rows a person adds."""
    if C.APPROVED not in columns:
        return ""
    letter = _column_letter(columns.index(C.APPROVED) + 1)
    choices = ",".join((t("actions.yes", lang=lang), t("actions.no", lang=lang)))
    return (
        '<dataValidations count="1"><dataValidation type="list" allowBlank="1" showInputMessage="1" '
        f'showErrorMessage="1" errorTitle="{_attr(t("review.approved_prompt_title", lang=lang))}" '
        f'error="{_attr(t("review.approved_error", lang=lang))}" '
        f'promptTitle="{_attr(t("review.approved_prompt_title", lang=lang))}" '
        f'prompt="{_attr(t("review.approved_prompt", lang=lang))}" sqref="{letter}3:{letter}{max(rows + 2, 3) + 200}">'
        f'<formula1>"{_attr(choices)}"</formula1></dataValidation></dataValidations>'
    )


def sheet_xml(columns: tuple[str, ...], rows: Iterable[str], count: int, *, lang: str | None = None) -> Iterator[str]:
    """The worksheet in pieces: label row, name row, ``rows`` (runs of ``<row>`` elements of ``<c>`` cells in
    ``columns`` order, ``count`` rows in all), layout; a writer streams them, never holding the whole sheet."""
    lang = lang or current_language()
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{_WIDTHS.get(c, _DEFAULT_WIDTH)}" customWidth="1"/>'
        for i, c in enumerate(columns, start=1)
    )
    frozen = next((i for i, c in enumerate(columns) if c == C.CAMPAIGN_NAME), -1) + 1
    top_left = f"{_column_letter(frozen + 1)}3"
    pane = (
        f'<pane xSplit="{frozen}" ySplit="2" topLeftCell="{top_left}" activePane="bottomRight" state="frozen"/>'
        if frozen
        else '<pane ySplit="2" topLeftCell="A3" activePane="bottomLeft" state="frozen"/>'
    )
    yield (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
        f"<cols>{cols}</cols>"
        f"<sheetData>{_header_row([_label(c, lang) for c in columns])}{_header_row(list(columns))}"
    )
    yield from rows
    yield f"</sheetData>{_validation(columns, count, lang)}</worksheet>"


def number_style(column: str) -> int:
    """The style of a number cell in ``column`` (0 = general)."""
    return PCT_STYLE if column in _PCT_COLUMNS else 0


def styles_xml() -> str:
    """Fonts and cell formats the sheet's style indices refer to."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="+0.0;-0.0;0.0"/></numFmts>'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )
