"""Write the recommendations table as the review file: CSV (UTF-8 with BOM) and XLSX.

Both files carry the same columns (``optimizer.decide.columns.ALL_COLUMNS``, the
contract's first). Rules for every cell we write:

* **No formula injection.** A text cell that starts with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return gets a leading apostrophe (OWASP's advice),
  so Excel and WPS show it as text instead of running it. Numbers stay numbers
  (a negative number is written as a number, never as text).
* **Ids are text.** In the XLSX they are string cells with the ``@`` format, so
  a 19-digit Qianchuan id is not turned into ``1.7E+18``.
* **Money** has at most 2 decimals; an empty cell means "no value" (no cap,
  no bid), never ``nan``.
* **Atomic.** Each file is written to a temporary file in the target directory
  and moved into place with ``os.replace`` only after every file was written
  completely; a failure leaves no output file (and no temporary one).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from optimizer.decide.columns import ALL_COLUMNS, MONEY_COLUMNS, TEXT_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DANGEROUS_PREFIXES", "atomic_files", "escape_text", "write_csv_xlsx", "write_recommendations"]

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_text(value: str) -> str:
    """``value`` with a leading apostrophe if a spreadsheet would read it as a formula."""
    return "'" + value if value.startswith(DANGEROUS_PREFIXES) else value


def _column_strings(frame: pd.DataFrame, column: str) -> list[str]:
    """One column as the strings the CSV holds (empty, escaped text, rounded numbers); the XLSX shares them."""
    import numpy as np
    import pandas as pd

    if column not in frame.columns:
        return [""] * len(frame)
    series = frame[column]
    if column not in TEXT_COLUMNS and not pd.api.types.is_numeric_dtype(series):
        series = pd.to_numeric(series)  # a number column holding text is a bug: fail before anything is moved
    if column in TEXT_COLUMNS or not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
        return _by_value(list(map(str, series.astype(object).where(series.notna(), "").tolist())), _escaped)
    if pd.api.types.is_bool_dtype(series):
        return ["true" if b else "false" for b in series.tolist()]
    numbers = series.to_numpy(dtype=float, na_value=np.nan)
    finite = np.isfinite(numbers)
    if column in MONEY_COLUMNS:
        text = list(map("{:.2f}".format, np.round(numbers, 2).tolist()))
    elif pd.api.types.is_integer_dtype(series):
        text = list(map(str, map(int, np.where(finite, numbers, 0.0).tolist())))
    else:
        text = list(map(repr, np.round(numbers, 4).tolist()))
    for i in np.flatnonzero(~finite).tolist():
        text[i] = ""
    return text


_FORMULA_START = None


def _escaped(text: list[str]) -> list[str]:
    """``escape_text`` over a column; one scan of the column joined by NUL finds whether any value needs it
    (a NUL inside a value can only make it look, never miss one)."""
    import re

    global _FORMULA_START
    if _FORMULA_START is None:
        _FORMULA_START = re.compile("\x00[" + re.escape("".join(DANGEROUS_PREFIXES)) + "]")
    if not _FORMULA_START.search("\x00" + "\x00".join(text)):
        return text
    return ["'" + v if v.startswith(DANGEROUS_PREFIXES) else v for v in text]


def _csv_quoted(values: list[str]) -> list[str]:
    """``values`` as ``csv.writer`` (excel dialect, ``\\r\\n`` lines) writes them: a field holding a comma,
    a quote, CR or LF in quotes, its quotes doubled; the others as they are."""
    joined = "".join(values)
    if not any(c in joined for c in ',"\r\n'):
        return values
    return ['"' + v.replace('"', '""') + '"' if "," in v or '"' in v or "\r" in v or "\n" in v else v for v in values]


_ROWS_A_PIECE = 4096
"""Rows the CSV and the sheet are joined and written by at a time: each row's text is made once, inside a
piece of a few MB, and neither file is ever one string in memory."""


def _pieces(columns: list[list[str]], sep: str, opening: str, closing: str) -> Iterator[str]:
    """Rows of ``columns`` (their cells joined by ``sep``, each row in ``opening``/``closing``), a piece at a time."""
    inner = closing + opening
    for start in range(0, len(columns[0]), _ROWS_A_PIECE):
        rows = zip(*(c[start : start + _ROWS_A_PIECE] for c in columns), strict=True)
        yield opening + inner.join(map(sep.join, rows)) + closing


def _write_csv(strings: dict[str, list[str]], columns: tuple[str, ...], handle) -> None:
    """The header and the rows, quoted column by column and written a piece at a time (byte for byte
    ``csv.writer``'s)."""
    fields = [_csv_quoted([c, *strings[c]]) for c in columns]
    for piece in _pieces(fields, ",", "", "\r\n"):
        handle.write(piece)


_XML_CONTROL = None
_ENTITIES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))  # & first: the others bring one


def _entities(text: str) -> str:
    """``text`` with ``&``, ``<``, ``>`` as XML entities (a replace only for a character it holds)."""
    for char, entity in _ENTITIES:
        if char in text:
            text = text.replace(char, entity)
    return text


def _xml_text(values: list[str]) -> list[str]:
    """Escape for XML and drop the control characters XML 1.0 cannot hold.

    The column is escaped as one string joined by NUL (a character XML cannot
    hold, so no value keeps one) and split again; a column with nothing to
    escape comes back as it is, and a column with a NUL inside a value is
    escaped value by value.
    """
    import re

    global _XML_CONTROL
    if _XML_CONTROL is None:
        _XML_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # and NUL, which joins
    joined = "\x00".join(values)
    if not values or joined.count("\x00") != len(values) - 1:
        return [_XML_CONTROL.sub("", _entities(v).replace("\x00", "")) for v in values]
    control = _XML_CONTROL.search(joined) is not None
    if not control and not any(char in joined for char, _ in _ENTITIES):
        return values
    escaped = _entities(joined).split("\x00")
    return [_XML_CONTROL.sub("", v) for v in escaped] if control else escaped


def _xlsx_column(frame: pd.DataFrame, column: str, values: list[str]) -> list[str]:
    """One column as SpreadsheetML cells: text as inline strings (style 1 = text format "@"), numbers as numbers.

    ``values`` are the column's CSV strings (the same conversion, escaping and rounding).
    """
    if column in TEXT_COLUMNS or column not in frame.columns:
        return _by_value(values, _text_cells)
    from optimizer.act.review_xlsx import number_style

    style = number_style(column)
    opening = f'<c s="{style}">' if style else "<c>"
    return _by_value(values, lambda numbers: [f"{opening}<v>{v}</v></c>" if v else "<c/>" for v in numbers])


def _text_cells(values: list[str]) -> list[str]:
    return [
        f'<c t="inlineStr" s="1"><is><t xml:space="preserve">{v}</t></is></c>' if v else "<c/>"
        for v in _xml_text(values)
    ]


def _by_value(values: list[str], words: Callable[[list[str]], list[str]]) -> list[str]:
    """``words(values)`` (a value-by-value conversion), made once per distinct value when a column holds few
    (one run id, a few actions, channels or day counts): hashing the column is cheaper than wording each row.
    Its first values tell whether to try (ids, names and reasons differ from the start)."""
    import numpy as np
    import pandas as pd

    if 4 * len(set(values[:256])) > min(len(values), 256):
        return words(values)
    codes, distinct = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=False)
    if 4 * len(distinct) > len(values):
        return words(values)
    return np.asarray(words(distinct.tolist()), dtype=object)[codes].tolist()


_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="recommendations" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        "</Relationships>"
    ),
}


def _write_xlsx(frame: pd.DataFrame, strings: dict[str, list[str]], columns: tuple[str, ...], path: Path) -> None:
    """A minimal SpreadsheetML workbook, written directly (openpyxl needs ~20 us a cell; this ~1 us).

    One sheet ``recommendations``; the layout (label row, column order, widths,
    the 是/否 dropdown, frozen panes) is ``optimizer.act.review_xlsx``'s. Text
    cells are inline strings with the text format, numbers are numbers.
    ``openpyxl``, Excel and WPS read it; the tests read it back with openpyxl.
    The sheet (~140 MB of XML at 100k rows) is streamed into the zip a piece at a time.
    """
    import zipfile

    from optimizer.act.review_xlsx import reading_order, sheet_xml, styles_xml

    ordered = reading_order(columns)
    cells = [_xlsx_column(frame, c, strings[c]) for c in ordered]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        for name, xml in _XLSX_PARTS.items():
            book.writestr(name, xml)
        book.writestr("xl/styles.xml", styles_xml())
        with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
            for piece in sheet_xml(ordered, _pieces(cells, "", "<row>", "</row>"), len(frame)):
                sheet.write(piece.encode())


@contextlib.contextmanager
def atomic_files(*targets: Path):
    """Yield temporary paths next to ``targets``; move them all into place on success, delete them on failure."""
    temps = []
    try:
        for target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            os.close(fd)
            temps.append(Path(name))
        yield temps
        umask = os.umask(0)
        os.umask(umask)
        for temp, target in zip(temps, targets, strict=True):
            os.chmod(temp, 0o666 & ~umask)  # mkstemp makes 0600; a report should read like any other file
            os.replace(temp, target)
    finally:
        for temp in temps:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()


def write_recommendations(frame: pd.DataFrame, csv_path: Path | str, xlsx_path: Path | str | None = None) -> list[Path]:
    """Write ``frame`` as CSV (UTF-8 with BOM) and, if asked, XLSX; returns the paths written.

    Columns: ``ALL_COLUMNS`` present in ``frame`` (contract columns always, empty if missing).
    """
    targets = [Path(csv_path)] + ([Path(xlsx_path)] if xlsx_path is not None else [])
    with atomic_files(*targets) as temps:
        write_csv_xlsx(frame, temps[0], temps[1] if xlsx_path is not None else None)
    return targets


def write_csv_xlsx(frame: pd.DataFrame, csv_path: Path, xlsx_path: Path | None) -> None:
    """Write the two files in place (not atomic: callers wrap it in ``atomic_files``)."""
    from optimizer.decide.columns import CONTRACT_COLUMNS

    columns = tuple(c for c in ALL_COLUMNS if c in CONTRACT_COLUMNS or c in frame.columns)
    strings = {c: _column_strings(frame, c) for c in columns}  # each column formatted once, for both files
    with open(csv_path, "w", encoding="utf-8-sig", newline="") as handle:
        _write_csv(strings, columns, handle)
    if xlsx_path is not None:
        _write_xlsx(frame, strings, columns, xlsx_path)
