"""Low-level reading of a CSV or XLSX file into rows of text.

Every cell comes back as ``str`` (never through a float): CSV cells as written;
XLSX ``int`` cells as their digits, ``float`` cells as ``repr`` (so an id that
Excel stored as a float shows up as ``1.78e+18`` / ``123.0`` and the validator
can reject it), date cells as ISO text. ``connectors.files.stats`` maps and validates.

What it detects so the caller does not have to:

- the format by content (a ``.csv`` that is really a zip is read as XLSX; a
  legacy ``.xls`` is refused with a hint);
- the encoding: UTF-8 with or without BOM, then GB18030 (a superset of GBK),
  UTF-16 with a BOM (Excel's "Unicode text"); a file whose valid UTF-8 Chinese
  text is followed by a bad byte is reported as broken, not re-read as GBK;
- the delimiter: comma, tab or semicolon, whichever the first lines use most;
- the header row among the first ``HEADER_SEARCH_ROWS`` rows (console exports
  may start with a title row), and for XLSX the sheet whose header matches;
- misaligned rows (more or fewer fields than the header), reported as problems
  and left out of ``Table.rows``; fully blank rows are skipped.

Row numbers are the ones a spreadsheet shows: 1-based, header included, one per
CSV record (a quoted newline inside a cell does not start a new row).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from connectors.errors import InputError, Problem

if TYPE_CHECKING:
    import numpy as np

__all__ = ["HEADER_SEARCH_ROWS", "Table", "locate_header", "read_table"]

HEADER_SEARCH_ROWS = 10
"""The header must be within this many rows from the top."""

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls (and other OLE documents)


@dataclass
class Table:
    """A file's data as text columns aligned to its header.

    ``columns[j]`` is an object array of ``str`` (one per data row) under
    ``header[j]``; data row ``i`` sits on spreadsheet row ``row_numbers[i]``.
    ``problems`` lists the misaligned rows, which are left out.
    """

    file: str
    header: list[str]
    header_row: int
    columns: list[np.ndarray]
    row_numbers: np.ndarray
    sheet: str | None = None
    encoding: str | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return len(self.row_numbers)


HeaderScore = Callable[[Sequence[str]], int]
"""How many cells of a candidate header row are known column names."""


def read_table(path: Path, score: HeaderScore, *, exact: bool = False, sheet: str | None = None) -> Table:
    """Read ``path`` (CSV/TSV or XLSX) into a ``Table``; whole-file problems raise ``InputError``.

    ``exact`` skips the pandas fast path for text files (the tests check that
    both paths agree). ``sheet`` picks an XLSX sheet by name; without it a
    workbook whose header is found on more than one sheet is refused, naming them.
    """
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(
            Problem(
                name,
                f"cannot read the file: {exc.strerror or exc}",
                key="files.unreadable",
                fields={"error": exc.strerror or exc},
            )
        ) from exc
    if data.startswith(_ZIP_MAGIC):
        return _read_xlsx(data, name, score, sheet)
    if data.startswith(_OLE_MAGIC):
        raise InputError(
            Problem(name, "legacy Excel .xls is not supported: save it as .xlsx or CSV (UTF-8)", key="files.xls")
        )
    text, encoding = _decode(data, name)
    if not text.strip():
        raise InputError(Problem(name, "the file is empty", key="files.empty"))
    delimiter = _sniff_delimiter(text)
    table = None if exact else _read_text_fast(name, text, delimiter, score)
    if table is None:  # ragged, or quoted line breaks: the exact (slower) csv-module path
        try:
            records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as exc:
            raise InputError(
                Problem(name, f"not a readable CSV file: {exc}", key="files.bad_csv", fields={"error": exc})
            ) from exc
        table = _align(name, records, score)
    table.encoding = encoding
    return table


def _read_text_fast(name: str, text: str, delimiter: str, score: HeaderScore) -> Table | None:
    """pandas' C parser for the common case; None when the exact path must decide.

    pandas pads short rows silently, so field counts come from the lines
    themselves; when lines and records do not line up one to one (quoted line
    breaks) or pandas refuses a long row, the caller falls back.
    """
    import numpy as np
    import pandas as pd

    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    try:
        head = list(csv.reader(lines[:HEADER_SEARCH_ROWS], delimiter=delimiter))
    except csv.Error:  # e.g. a lone carriage return inside a line
        return None
    if len(head) != min(len(lines), HEADER_SEARCH_ROWS):
        return None
    first = next((i for i, r in enumerate(head) if not _is_blank(r)), None)
    if first is None:
        return None
    at = first + _find_header(head[first:], score)
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=delimiter, header=None, skiprows=at, dtype=object,
            keep_default_na=False, skip_blank_lines=False, engine="c",
        )  # fmt: skip
    except (pd.errors.ParserError, pd.errors.EmptyDataError):
        return None
    body = lines[at + 1 :]
    if len(frame) != len(body) + 1:
        return None
    header = [h.strip() for h in head[at]]
    raw_width = len(header)
    while header and not header[-1]:
        header.pop()
    width = len(header)
    if any("\r" in line[:-1] for line in body if '"' in line):
        return None  # a carriage return inside a quoted line: let the exact path decide
    counts = np.fromiter(
        (line.count(delimiter) + 1 if '"' not in line else len(next(csv.reader([line], delimiter=delimiter), []))
         for line in body),
        dtype=np.int64, count=len(body),
    )  # fmt: skip
    cells = frame.iloc[1:, :width].to_numpy(dtype=object)
    blank = (cells == "").all(axis=1) if width else np.ones(len(body), dtype=bool)
    if width:  # rows of spaces are blank too, as on the exact path; only rows starting blank can be
        maybe = np.flatnonzero(pd.Series(cells[:, 0], dtype=object).str.strip().eq("").to_numpy() & ~blank)
        blank[maybe] = [_is_blank(cells[i]) for i in maybe]
    wrong = (counts != width) & (counts != raw_width) & ~blank
    problems = [
        _misaligned(name, at + 2 + int(i), header, [""] * int(counts[i]), width, xlsx=False)
        for i in np.flatnonzero(wrong)
    ]
    keep = ~blank & ~wrong
    rows = np.flatnonzero(keep) + at + 2
    if not len(rows) and not problems:
        raise InputError(Problem(name, "the file has a header but no data rows", row=at + 1, key="files.no_rows"))
    columns = [cells[keep, j] for j in range(width)]
    return Table(name, header, at + 1, columns, rows, problems=problems)


def _decode(data: bytes, name: str) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise InputError(
                Problem(name, f"broken UTF-16 text at byte {exc.start}", key="files.utf16", fields={"at": exc.start})
            ) from exc
    if b"\x00" in data[:8192]:
        raise InputError(
            Problem(name, "this is not a text file (it contains NUL bytes): export CSV or XLSX", key="files.nul")
        )
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        start = utf8_error.start
        # several valid UTF-8 Chinese characters before the bad byte: a broken UTF-8 file,
        # not GBK (GBK text rarely forms even one valid 3-byte UTF-8 sequence)
        if sum(1 for ch in data[:start].decode("utf-8-sig") if "\u4e00" <= ch <= "\u9fff") >= 4:
            raise InputError(
                Problem(
                    name,
                    f"broken UTF-8 text (invalid byte 0x{data[start]:02x} at offset {start}); "
                    "the file may be cut or mixed from two encodings: export it again",
                    row=data[:start].count(b"\n") + 1,
                    key="files.utf8",
                    fields={"byte": f"0x{data[start]:02x}", "at": start},
                )
            ) from utf8_error
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError as exc:
            raise InputError(
                Problem(
                    name,
                    "the file is neither UTF-8 nor GBK/GB18030 text "
                    f"(invalid byte 0x{data[utf8_error.start]:02x} at offset {utf8_error.start}): "
                    "save it as CSV UTF-8",
                    row=data[: utf8_error.start].count(b"\n") + 1,
                    key="files.encoding",
                    fields={"byte": f"0x{data[utf8_error.start]:02x}", "at": utf8_error.start},
                )
            ) from exc


def _sniff_delimiter(text: str) -> str:
    head = text[:20_000].splitlines()[:HEADER_SEARCH_ROWS]
    counts = {d: sum(line.count(d) for line in head) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _is_blank(cells: Sequence[str]) -> bool:
    return not "".join(cells).strip()


def _find_header(records: Sequence[Sequence[str]], score: HeaderScore) -> int:
    """Index of the best-scoring row among the first rows (0 when nothing scores)."""
    best, best_score = 0, 0
    for i, cells in enumerate(records[:HEADER_SEARCH_ROWS]):
        s = score(cells)
        if s > best_score:
            best, best_score = i, s
    return best


def locate_header(records: Sequence[Sequence[str]], score: HeaderScore) -> tuple[int, list[str], int] | None:
    """Where the header is among the first ``records`` (None: all blank), its cells stripped without
    trailing empty ones, and how many cells it had with them (rows may have either width)."""
    first = next((i for i, r in enumerate(records) if not _is_blank(r)), None)
    if first is None:
        return None
    at = first + _find_header(records[first:], score)
    header = [h.strip() for h in records[at]]
    raw_width = len(header)
    while header and not header[-1]:
        header.pop()
    return at, header, raw_width


def _align(name: str, records: list[list[str]], score: HeaderScore, *, ragged_ok: bool = False) -> Table:
    """Split ``records`` into header and data rows; report rows of the wrong width.

    With ``ragged_ok`` (XLSX, whose rows end at the last non-empty cell) short
    rows are padded and long rows are misaligned only if a cell past the header
    holds a value.
    """
    located = locate_header(records, score)
    if located is None:
        raise InputError(Problem(name, "the file is empty", key="files.empty"))
    at, header, raw_width = located
    width = len(header)
    rows: list[list[str]] = []
    numbers: list[int] = []
    problems: list[Problem] = []
    for index in range(at + 1, len(records)):
        cells = records[index]
        n = len(cells)
        if n != width:
            if _is_blank(cells):
                continue
            if n == raw_width and _is_blank(cells[width:]):
                cells = cells[:width]  # header ends in empty cells: so do its rows
            elif ragged_ok and (n < width or _is_blank(cells[width:])):
                cells = list(cells[:width]) + [""] * (width - n)
            else:
                problems.append(_misaligned(name, index + 1, header, cells, width, ragged_ok))
                continue
        elif _is_blank(cells):
            continue
        rows.append(cells)
        numbers.append(index + 1)
    if not rows and not problems:
        raise InputError(Problem(name, "the file has a header but no data rows", row=at + 1, key="files.no_rows"))
    import numpy as np

    columns = [np.array(col, dtype=object) for col in zip(*rows, strict=True)] if rows else []
    if not rows:
        columns = [np.array([], dtype=object) for _ in header]
    return Table(name, header, at + 1, columns, np.asarray(numbers, dtype=np.int64), problems=problems)


def _misaligned(name: str, row: int, header: list[str], cells: Sequence[str], width: int, xlsx: bool) -> Problem:
    n = len(cells)
    if xlsx:
        extra = next(i for i in range(width, n) if cells[i] and not cells[i].isspace())
        return Problem(
            name,
            f"value {cells[extra]!r} in column {extra + 1}, past the last header column ({width}): misaligned row",
            row=row,
            column=f"column {extra + 1}",
            key="files.past_header",
            fields={"v": cells[extra], "n": extra + 1, "width": width},
        )
    column = header[n] if n < width else f"field {width + 1}"
    long = n > width
    hint = "an unquoted delimiter inside a value?" if long else "a missing delimiter or a cut-off row?"
    return Problem(
        name,
        f"misaligned row: {n} fields but the header has {width} ({hint})",
        row=row,
        column=column,
        key="files.misaligned_long" if long else "files.misaligned_short",
        fields={"n": n, "width": width},
    )


# --- XLSX -------------------------------------------------------------------


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _sheet_records(rows: Iterable[tuple[object, ...]]) -> list[list[str]]:
    return [[_cell_text(v) for v in row] for row in rows]


DATA_SHEET_SCORE = 3
"""A sheet whose best row within ``HEADER_SEARCH_ROWS`` names this many known columns holds data."""


def _read_xlsx(data: bytes, name: str, score: HeaderScore, want: str | None = None) -> Table:
    from openpyxl import load_workbook  # heavy: imported only when an XLSX is read

    try:
        with warnings.catch_warnings():
            # "Workbook contains no default style" and friends: cosmetic, not data problems
            warnings.simplefilter("ignore", UserWarning)
            # from bytes, not the path: openpyxl refuses names not ending in .xlsx
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/ValueError for broken files
        raise InputError(
            Problem(name, f"cannot open as an XLSX workbook: {exc}", key="files.bad_xlsx", fields={"error": exc})
        ) from exc
    try:
        sheets = list(book.worksheets)
        if not sheets:
            raise InputError(Problem(name, "the workbook has no sheets", key="files.no_sheets"))
        chosen = _choose_sheet(sheets, name, score, want)
        records = _sheet_records(chosen.iter_rows(values_only=True))
        table = _align(name, records, score, ragged_ok=True)
        table.sheet = chosen.title
        return table
    finally:
        book.close()


def _choose_sheet(sheets: list, name: str, score: HeaderScore, want: str | None):
    """The sheet named ``want``; else the one sheet with data (refused when several have it)."""
    titles = [sheet.title for sheet in sheets]
    if want is not None:
        if want not in titles:
            listed = ", ".join(titles)
            raise InputError(
                Problem(
                    name,
                    f"no sheet {want!r} in the workbook (sheets: {listed})",
                    key="files.no_sheet",
                    fields={"sheet": want, "sheets": listed},
                )
            )
        chosen = sheets[titles.index(want)]
        chosen.reset_dimensions()
        return chosen
    scores = []
    for sheet in sheets:
        sheet.reset_dimensions()  # some writers store a wrong size, which would cut rows short
        top = _sheet_records(sheet.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True))
        scores.append(max((score(r) for r in top), default=0))
    with_data = [t for t, s in zip(titles, scores, strict=True) if s >= DATA_SHEET_SCORE]
    if len(with_data) > 1:
        listed = ", ".join(with_data)
        raise InputError(
            Problem(
                name,
                f"the workbook has data on {len(with_data)} sheets ({listed}): pick one with --sheet NAME "
                "(or import each sheet on its own)",
                key="files.many_sheets",
                fields={"n": len(with_data), "sheets": listed},
            )
        )
    return sheets[max(range(len(sheets)), key=lambda i: (scores[i], -i))]
