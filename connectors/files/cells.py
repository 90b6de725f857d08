"""Vectorised parsing of one text column of an imported file.

Each parser takes a column as a pandas ``Series`` of stripped ``str`` (object
dtype, one entry per data row) and returns ``Parsed``: the typed values plus
``Issue`` s, each a boolean mask of the bad cells and a function that words the
message for one bad cell's text. Messages are built only for the cells that get
reported, so a clean 200,000-row column costs a few vectorised passes.

Parsers never see a float id: ids are validated as text. Money is float64
rounded to 2 decimals; a cell that is not a finite number is an issue, never
a silent NaN.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from connectors.files.headers import MISSING_TEXT, header_key

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = [
    "Issue",
    "Parsed",
    "by_distinct",
    "categorical",
    "parse_date",
    "parse_enum",
    "parse_id",
    "parse_integer",
    "parse_number",
    "parse_text",
    "per_distinct",
    "texts",
]


@dataclass(frozen=True)
class Issue:
    """Cells of one column that break one rule: ``mask`` over the rows, ``message(cell_text)``.

    ``key`` names the message in ``optimizer/i18n/cells.py`` so the reader sees it in
    their language; ``fields`` fill it (the cell's text comes as ``v``).
    """

    mask: np.ndarray
    message: Callable[[str], str]
    key: str | None = None
    fields: Mapping[str, object] = field(default_factory=dict)


@dataclass
class Parsed:
    """A parsed column: ``values`` (same index as the input) and its issues."""

    values: pd.Series
    issues: list[Issue] = field(default_factory=list)

    def add(
        self, mask: pd.Series | np.ndarray, message: Callable[[str], str], key: str | None = None, **fields: object
    ) -> None:
        import numpy as np

        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            self.issues.append(Issue(mask, message, key, fields))

    @property
    def bad(self) -> np.ndarray:
        """Rows with at least one issue in this column."""
        import numpy as np

        out = np.zeros(len(self.values), dtype=bool)
        for issue in self.issues:
            out |= issue.mask
        return out


def _missing(raw: pd.Series, extra: frozenset[str] = frozenset()) -> pd.Series:
    return raw.isin(MISSING_TEXT | extra)


def per_distinct(raw: pd.Series, func: Callable[[pd.Series], pd.Series | np.ndarray]) -> np.ndarray:
    """``func`` applied to each distinct text once, spread back over the rows.

    Ids, names, dates and enums repeat across days, so regexes run on a few
    thousand distinct texts instead of every row.
    """
    import numpy as np
    import pandas as pd

    if isinstance(raw.dtype, pd.CategoricalDtype):  # the distinct texts are known already
        codes, uniques = raw.cat.codes.to_numpy(), raw.cat.categories.to_numpy(dtype=object)
    else:
        codes, uniques = pd.factorize(raw.to_numpy(dtype=object))
    result = np.asarray(func(pd.Series(uniques, dtype=object)))
    return result[codes] if len(codes) else result[:0]


def categorical(codes: np.ndarray, texts: Sequence[str] | np.ndarray) -> pd.Series:
    """A categorical Series of ``texts[codes]`` (the texts distinct), as the typed path holds text columns."""
    import pandas as pd

    return pd.Series(pd.Categorical.from_codes(codes, texts))  # type: ignore[call-overload]  # object texts


def texts(values: pd.Series) -> pd.Series:
    """A text column as object ``str`` with None where missing, as ``read_stats`` returns it
    (from a categorical, each row pointing at its category's ``str``; from object, NaN made None)."""
    import numpy as np
    import pandas as pd

    if isinstance(values.dtype, pd.CategoricalDtype):
        choices = np.append(values.cat.categories.to_numpy(dtype=object), [None])  # code -1 (missing) picks None
        out = choices[values.cat.codes.to_numpy()]
    else:
        out = values.to_numpy(dtype=object, copy=True)
        out[pd.isna(out)] = None
    return pd.Series(out, index=values.index, dtype=object, copy=False)


def by_distinct(parse: Callable[..., Parsed], raw: pd.Series, **options) -> Parsed:
    """``parse(raw, **options)``; for a categorical ``raw``, run on its distinct texts and spread over the rows.

    Every rule of the parsers holds per text, so the result is the same as parsing every row
    (``_lost_precision`` looks at the distinct ids either way). Text results stay categorical
    (NaN where missing): millions of rows then cost a code each, not a pointer to a ``str``.
    """
    import pandas as pd

    if not isinstance(raw.dtype, pd.CategoricalDtype):
        return parse(raw, **options)
    codes = raw.cat.codes.to_numpy()
    distinct = parse(pd.Series(raw.cat.categories.to_numpy(dtype=object), dtype=object), **options)
    if distinct.values.dtype == object:
        value_codes, uniques = pd.factorize(distinct.values.to_numpy())  # texts that parse alike share a code
        values = categorical(value_codes[codes], uniques)
    else:
        values = distinct.values.take(codes).reset_index(drop=True)
    out = Parsed(values)
    out.issues = [Issue(issue.mask[codes], issue.message) for issue in distinct.issues]
    return out


def _matches(raw: pd.Series, pattern: str, flags: int = 0) -> np.ndarray:
    import numpy as np

    return per_distinct(raw, lambda u: u.str.fullmatch(pattern, flags=flags).to_numpy(dtype=bool)).astype(np.bool_)


_SCI = r"[+-]?\d+(?:\.\d+)?[eE][+-]?\d+"
_ID = r"[0-9A-Za-z][0-9A-Za-z_.\-]*"


def parse_id(raw: pd.Series, *, what: str, default: str | None) -> Parsed:
    """Ids as text: a letter or digit, then letters, digits, ``_-.``.

    Rejected: scientific notation or a decimal number like ``123.0`` (an id
    that went through a float), long ids cut to 15 digits, spaces, a leading
    sign. Empty -> ``default``, or an issue when ``default`` is None (required).
    """
    import numpy as np

    empty = (raw == "").to_numpy()
    out = Parsed(raw.where(~empty, default) if default is not None else raw)
    if default is None:
        out.add(empty, lambda v: f"{what} is empty", "cells.empty", what=what)
    odd = ~_matches(raw, "[0-9]+") & ~empty  # ASCII digits break none of the three rules below: most ids

    def matches(pattern: str) -> np.ndarray:
        hit = np.zeros(len(raw), dtype=bool)
        hit[odd] = _matches(raw[odd], pattern)
        return hit

    sci = matches(_SCI)
    out.add(
        sci, lambda v: f"id mangled by a spreadsheet (scientific notation): {v!r}; export ids as text", "cells.id_sci"
    )
    decimal = matches(r"\d+\.\d+") & ~sci
    out.add(decimal, lambda v: f"id {v!r} is a decimal number (a number cell, not text); export ids as text",
            "cells.id_decimal")  # fmt: skip
    charset = odd & ~matches(_ID) & ~sci
    out.add(charset, lambda v: (
        f"id {v!r} may hold only letters, digits, '_', '-' and '.' (no spaces), starting with a letter or digit"
    ), "cells.id_charset")  # fmt: skip
    out.add(_lost_precision(raw), lambda v: (
        f"id {v!r} lost its last digits to a spreadsheet's 15-digit precision (every long id in this "
        "column ends in zeros); export ids as text"
    ), "cells.id_precision")  # fmt: skip
    return out


def _lost_precision(raw: pd.Series) -> np.ndarray:
    """Rows whose long id (16+ digits) went through a spreadsheet number.

    Excel keeps 15 significant digits, so a 19-digit Qianchuan id saved from a
    number cell ends in four zeros. One id can end in zeros by chance; the
    column is flagged only when every long id does, there are at least three
    of them and the zeros add up to six or more (chance below one in a million).
    """
    import numpy as np

    distinct = raw.unique()
    long_ids = [v for v in distinct if len(v) >= 16 and v.isdigit()]
    if len(long_ids) < 3:
        return np.zeros(len(raw), dtype=bool)
    tails = [v[15:] for v in long_ids]
    if any(t.strip("0") for t in tails) or sum(len(t) for t in tails) < 6:
        return np.zeros(len(raw), dtype=bool)
    return raw.isin(long_ids).to_numpy()


LARGEST = 999_999_999_999.99
"""No amount or count we import is larger (money has at most 12 digits before the point)."""

_NOT_FINITE = frozenset({"nan", "-nan", "+nan", "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity"})


def _floats(texts: pd.Series) -> np.ndarray:
    """A writable float64 array; NaN where the text is not a plain number."""
    import numpy as np
    import pandas as pd

    return np.array(pd.to_numeric(texts, errors="coerce").to_numpy(dtype="float64", na_value=np.nan), copy=True)


def parse_number(
    raw: pd.Series,
    *,
    what: str,
    required: bool,
    positive: bool = False,
    whole: bool = False,
    empty_words: frozenset[str] = frozenset(),
) -> Parsed:
    """Numbers as float64 (NaN where an optional cell is empty).

    Accepts thousands separators, ``¥``/``￥`` and a trailing ``元``. Issues:
    empty required cell, text, NaN/inf, negative (or <= 0 with ``positive``),
    not whole (with ``whole``).
    """
    import numpy as np
    import pandas as pd

    typed = raw.dtype.kind in "fiu"  # read as numbers already (connectors.files.typed_csv): NaN = empty
    # one C-speed pass for plain numbers (surrounding spaces included); only the
    # cells it cannot read are checked for placeholders and cleaned
    arr = raw.to_numpy(dtype="float64", copy=True) if typed else _floats(raw)
    retry = np.isnan(arr)
    missing = retry.copy() if typed else np.zeros(len(arr), dtype=bool)
    if retry.any() and not typed:
        text = raw[retry].str.strip()
        gap = text.isin(MISSING_TEXT | empty_words).to_numpy()
        missing[np.flatnonzero(retry)[gap]] = True
        text = text[~gap]
        fixed = _floats(text.str.replace(",", "", regex=False))  # 1,234.50: a plain replace is enough
        odd = np.isnan(fixed)
        if odd.any():  # ¥1,234 / -￥5 / 300元 / 1 234
            fixed[odd] = _floats(text[odd].str.replace(r"^([+-]?)[¥￥]|[,\s]|元$", r"\1", regex=True))
        arr[np.flatnonzero(retry)[~gap]] = fixed
    present = ~missing
    out = Parsed(pd.Series(arr, index=raw.index, copy=False))  # pandas 3 copies an array unless told
    if required:
        out.add(missing, lambda v: f"{what} is empty", "cells.empty", what=what)
    not_finite = present & ~np.isfinite(arr)
    if not_finite.any() and typed:
        out.add(not_finite, lambda v: f"{what} is not a number: {v!r}")
    elif not_finite.any():
        lowered = raw.str.lower().str.replace(" ", "", regex=False)
        nan_text = not_finite & lowered.isin(_NOT_FINITE).to_numpy()
        out.add(nan_text, lambda v: f"{what} is {v!r}: NaN/inf is not a number here", "cells.nan", what=what)
        out.add(not_finite & ~nan_text, lambda v: f"{what} is not a number: {v!r}", "cells.not_number", what=what)
    finite = present & np.isfinite(arr)
    with np.errstate(invalid="ignore"):
        if positive:
            out.add(finite & (arr <= 0), lambda v: f"{what} must be greater than 0, got {v!r}", "cells.not_positive",
                    what=what)  # fmt: skip
        else:
            out.add(finite & (arr < 0), lambda v: f"{what} is negative: {v!r}", "cells.negative", what=what)
        if whole:
            out.add(finite & (arr != np.floor(arr)), lambda v: f"{what} must be a whole number, got {v!r}",
                    "cells.not_whole", what=what)  # fmt: skip
        out.add(finite & (np.abs(arr) > LARGEST), lambda v: f"{what} is implausibly large: {v!r}", "cells.too_large",
                what=what)  # fmt: skip
    return out


def parse_integer(raw: pd.Series, *, what: str, required: bool) -> Parsed:
    """Counts >= 0: ``int64`` when required, nullable ``Int64`` when optional."""
    import numpy as np
    import pandas as pd

    out = parse_number(raw, what=what, required=required, whole=True)
    arr = out.values.to_numpy()
    ok = np.isfinite(arr) & (np.abs(arr) < 2**53)
    ok[ok] = arr[ok] == np.floor(arr[ok])  # a fraction is an issue (whole=True), never a crash here
    if required:
        out.values = pd.Series(np.where(ok, arr, 0).astype("int64"), index=raw.index, copy=False)
    else:
        out.values = pd.Series(pd.array(np.where(ok, arr, np.nan), dtype="Int64"), index=raw.index)
    return out


EARLIEST = dt.date(2000, 1, 1)
"""Dates before this are refused: no ad platform we read has data that old."""

_DATE = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"


def parse_date(raw: pd.Series, *, what: str, latest: dt.date) -> Parsed:
    """Calendar dates as ``datetime64[ns]`` at midnight.

    Accepts ``2026-11-03``, ``2026/11/3``, ``2026.11.03``, ``2026年11月3日``,
    with an optional time (``00:00:00``, as Excel date cells come out).
    Issues: empty, not a date, after ``latest``, before ``EARLIEST``.
    """
    import numpy as np
    import pandas as pd

    empty = raw == ""
    values = pd.to_datetime(raw.where(~empty), format="%Y-%m-%d", errors="coerce")
    retry = values.isna().to_numpy() & ~empty.to_numpy()
    if retry.any():
        parts = raw[retry].str.extract(f"^{_DATE}$")
        iso = parts[0] + "-" + parts[1].str.zfill(2) + "-" + parts[2].str.zfill(2)
        values = values.copy()
        values[retry] = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce")
    values = values.astype("datetime64[ns]")
    out = Parsed(values)
    out.add(empty, lambda v: f"{what} is empty", "cells.empty", what=what)
    invalid = values.isna().to_numpy() & ~empty.to_numpy()
    if invalid.any():
        span = invalid & _matches(raw, f".*{_DATE}.*(?:~|至|到|-{{1,2}}|—).*{_DATE}.*")
        out.add(span, lambda v: f"{v!r} is a date range: export the report by day (分日), one row per day",
                "cells.date_range")  # fmt: skip
        invalid &= ~span
    out.add(invalid, lambda v: f"not a date: {v!r} (use YYYY-MM-DD)", "cells.not_date")
    limit = np.datetime64(latest, "ns")
    out.add((values > limit).to_numpy(), lambda v: f"date {v} is in the future (after {latest.isoformat()})",
            "cells.date_future", latest=latest.isoformat())  # fmt: skip
    out.add(
        (values < np.datetime64(EARLIEST, "ns")).to_numpy(),
        lambda v: f"date {v} is before {EARLIEST.year}: a spreadsheet date serial or a typo?",
        "cells.date_early",
        year=EARLIEST.year,
    )
    return out


def parse_text(raw: pd.Series, *, what: str, default: str | None = None) -> Parsed:
    """Free text (names, channels): missing -> ``default``, anything else as it is.

    A name that starts with ``= + - @`` (``+1元秒杀``) is ordinary text here: it is
    neutralised only where spendopt writes a spreadsheet cell
    (``optimizer.act.review_file``), never refused on the way in."""
    missing = _missing(raw)
    return Parsed(raw.where(~missing, default))


def parse_enum(raw: pd.Series, *, what: str, values: Mapping[str, str], allowed: str) -> Parsed:
    """Text mapped through ``values`` (keys compared by ``header_key``); missing -> None."""
    missing = _missing(raw)
    table = {text: values.get(header_key(text)) for text in raw[~missing].unique()}
    mapped = raw.map(table).where(~missing, None)
    out = Parsed(mapped.astype(object).where(mapped.notna(), None))
    out.add(mapped.isna() & ~missing, lambda v: f"unknown {what} {v!r} (expected {allowed})", "cells.unknown_value",
            what=what, allowed=allowed)  # fmt: skip
    return out
