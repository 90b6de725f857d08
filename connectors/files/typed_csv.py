"""The fast path for the common file: a clean UTF-8 CSV read by pandas' C parser straight into typed columns.

``read_typed(path, score, kinds)`` returns a ``connectors.files.tabular.Table`` whose
columns are pandas Series: text columns (``kinds`` says which) as categoricals of
``str``, which the parser builds from each distinct cell without a ``str`` per cell
(never through a float: a thousands marker keeps the categories text), the others as the
C parser types them (float64 / int64 where every cell is a plain number, else
object ``str`` with ``""`` for an empty cell). ``connectors.files.stats`` then
validates each distinct text once (ids, names, dates and enums repeat across
days) and the numbers as arrays.

It reads only what it can be sure of and returns None otherwise, so that the
exact path (``connectors.files.tabular.read_table``) decides and words every
problem: a file that is not UTF-8 text (GBK, UTF-16, XLSX, NUL bytes), holds a
quote character (quoted delimiters or line breaks), or whose data lines do not
all have as many fields as the header (a misaligned, blank or cut-off row:
pandas errors on a longer row, and the delimiter count of the whole file
rules out a shorter one), or whose text column pandas typed anyway (only TRUE/FALSE
cells). Row numbers are then simply one per line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from connectors.files.tabular import HEADER_SEARCH_ROWS, HeaderScore, Table, locate_header
from connectors.files.tabular import _sniff_delimiter as sniff_delimiter

__all__ = ["HEAD_BYTES", "read_typed"]

HEAD_BYTES = 262_144
"""The header and the delimiter are found in the file's first bytes (whole lines of them)."""

_THOUSANDS = '"'
"""The thousands marker given to pandas: with one, it keeps the categories of a text column as text
(without, ``00123`` becomes the number 123, pandas GH#56044). No file read here holds it, so no
number changes."""

Kinds = Callable[[list[str]], set[int]]
"""The header's cells -> the indexes of its text columns (the rest are read as numbers where they are)."""


def read_typed(path: Path, score: HeaderScore, kinds: Kinds) -> Table | None:
    """``path`` as typed columns (module docstring), or None when the exact path must read it."""
    import numpy as np
    import pandas as pd

    try:
        data = path.read_bytes()
    except OSError:
        return None
    if (
        b'"' in data
        or b"\x00" in data
        or data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\xff\xfe", b"\xfe\xff"))
    ):
        return None
    head_bytes = data[:HEAD_BYTES]
    if len(data) > HEAD_BYTES:
        head_bytes = head_bytes[: head_bytes.rfind(b"\n") + 1]
    try:
        head_text = head_bytes.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    delimiter = sniff_delimiter(head_text)
    lines = head_text.split("\n")[:HEADER_SEARCH_ROWS]
    try:
        head = list(csv.reader(lines, delimiter=delimiter))
    except csv.Error:
        return None
    located = locate_header(head, score) if len(head) == len(lines) else None
    if located is None:
        return None
    at, header, raw_width = located
    width = len(header)
    # data lines: every one must hold raw_width - 1 delimiters (a longer one makes pandas raise below)
    starts = 0
    for _ in range(at + 1):
        starts = data.find(b"\n", starts) + 1
        if not starts:
            return None
    n_lines = data.count(b"\n", starts) + (0 if data.endswith(b"\n") or starts == len(data) else 1)
    if not width or not n_lines or data.count(delimiter.encode(), starts) != n_lines * (raw_width - 1):
        return None
    text_columns = kinds(header) | {0}
    dtypes = {j: "category" for j in text_columns if j < width}  # each distinct text once, no str per cell
    numbers = [j for j in range(width) if j not in dtypes]
    source = io.BytesIO(data)  # shares data's buffer (one over a memoryview is a copy: 300 MB at 3 M rows)
    source.seek(starts)  # the data lines (pandas' skiprows costs 70 % more than the parse)
    try:
        frame = pd.read_csv(
            source,
            sep=delimiter,
            header=None,
            names=list(range(raw_width)),
            index_col=False,
            dtype=dtypes,
            thousands=_THOUSANDS,
            keep_default_na=False,
            na_values={j: [""] for j in numbers},
            skip_blank_lines=False,
            encoding="utf-8",
            encoding_errors="strict",
            engine="c",
            low_memory=False,  # one pass: the chunks' concatenation cost 50 % more time and memory at 3 M rows
        )  # type: ignore[call-overload]  # fmt: skip  (the stubs want str keys in na_values)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError):
        return None
    if len(frame) != n_lines or any(frame[j].dtype.kind == "b" for j in numbers):
        return None  # TRUE/FALSE cells: the exact path words them
    if not all(pd.api.types.is_string_dtype(frame[j].cat.categories) for j in dtypes):
        return None  # a text column of only TRUE/FALSE: pandas made them bools
    columns = [frame[j] if j in dtypes else _numbers(frame[j]) for j in range(width)]
    rows = np.arange(n_lines, dtype=np.int64) + at + 2
    return Table(str(path), header, at + 1, columns, rows, encoding="utf-8")


def _numbers(column):
    """A column as the parser typed it; one it could not type as numbers as object ``str``, ``""`` where empty."""
    import pandas as pd

    if column.dtype.kind in "fiu":
        return column
    values = column.to_numpy(dtype=object, copy=True)
    values[pd.isna(values)] = ""
    return pd.Series(values, dtype=object, copy=False)
