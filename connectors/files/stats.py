"""Import daily campaign stats from CSV/XLSX files (data contract section 1).

``read_stats(paths)`` reads contract files and Qianchuan console exports
(Chinese headers, units in brackets, GBK, title rows; see ``connectors.files.headers``)
and returns one validated DataFrame with the columns ``STAT_COLUMNS``:

=============================  ==============  =====================================
column                         dtype           meaning
=============================  ==============  =====================================
account_id, campaign_id        object (str)    ids as text; account_id default "default"
date                           datetime64[ns]  the day, at midnight
spend, gmv                     float64         money, 2 decimals, >= 0
orders                         int64           >= 0
campaign_name                  object          str or None
channel                        object          str; default "default" (or from 推广类型)
impressions, clicks            Int64           nullable counts
budget                         float64         2 decimals; NaN = empty = no cap
bid_type, status, currency     object          str or None
bid                            float64         2 decimals, > 0; NaN = no bid
source_file, source_row        object, int64   where the row came from (row as a
                                               spreadsheet shows it, header = 1)
=============================  ==============  =====================================

For one (account_id, campaign_id, date) the later row wins: later in a file
(which may only restate gmv/orders upward with the same spend, otherwise the
pair is an error) or from a later file in ``paths``.

The reading is split by stage: ``connectors.files.tabular`` (bytes -> text cells:
format, encoding, delimiter, header row, misaligned rows), ``connectors.files.headers``
(which header means which column), ``connectors.files.cells`` (one column's text ->
typed values), ``connectors.files.row_rules`` (rules across columns and rows), and
this module, which wires them per file and across files.

Any problem raises ``InputError`` listing every problem found (up to
``max_problems``), each naming the file, the row and the column header as the
user's file has it; nothing is returned then. What the reader assumed for
columns a file lacks (bid type from a 出价 header, channel from 推广类型 or
``default``) is listed in ``frame.attrs["assumed"]`` as ``(key, fields)``
pairs of ``optimizer/i18n/files.py``, for the import summary.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from connectors.clock import today_in
from connectors.errors import InputError, Problem
from connectors.files import cells
from connectors.files.headers import (
    BID_TYPE_VALUES,
    GMV_BASES,
    MONEY_UNITS,
    PROMOTION_COLUMNS,
    REQUIRED_COLUMNS,
    SPEND_GROUPS,
    STATUS_VALUES,
    TOTAL_LABELS,
    aliases_for,
    header_key,
    header_unit,
)
from connectors.files.row_rules import (
    KEY_COLUMNS,
    Report,
    check_currency,
    derive_bid_and_channel,
    last_per_key_sorted,
    parse_currency,
    resolve_duplicates,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from connectors.base import DailyStat
    from connectors.files.tabular import Table

__all__ = ["KEY_COLUMNS", "STAT_COLUMNS", "UNKNOWN_ACCOUNT", "daily_stats", "read_stats"]

STAT_COLUMNS: tuple[str, ...] = (
    "account_id", "campaign_id", "date", "spend", "gmv", "orders", "campaign_name", "channel",
    "impressions", "clicks", "budget", "bid_type", "bid", "status", "currency", "source_file", "source_row",
)  # fmt: skip
"""The columns ``read_stats`` returns, in this order (module docstring gives dtypes)."""


Progress = Callable[[int, int], None]

_TEXT_COLUMNS = (
    "account_id",
    "campaign_id",
    "campaign_name",
    "channel",
    "bid_type",
    "status",
    "currency",
    "source_file",
)
_NUMBER_COLUMNS = frozenset({"spend", "gmv", "orders", "impressions", "clicks", "budget", "bid", "roi_goal"})
UNKNOWN_ACCOUNT = "default"
"""``account_id`` of a row whose file names no account (``optimizer.jobs.importing`` keys it)."""
NO_CAP = frozenset({"不限"})
"""Budget text meaning "no cap" besides an empty cell (the console's 不限)."""


def read_stats(
    paths: Sequence[Path | str] | Path | str,
    *,
    gmv_basis: str = "direct_pay",
    max_problems: int = 50,
    progress: Progress | None = None,
    today: dt.date | None = None,
    sheet: str | None = None,
) -> pd.DataFrame:
    """Read and validate stats files into one DataFrame with ``STAT_COLUMNS``.

    ``sheet`` names the XLSX sheet to read; without it a workbook with data on
    more than one sheet is refused, naming the sheets.

    ``gmv_basis`` picks the console column that becomes gmv/orders
    (``direct_pay``, ``total_7d``, ``uni_total``). ``progress(done, total)`` is
    called in bytes of input processed. ``today`` (default: today on the
    platform's calendar, ``connectors.clock.today_in``; callers pass the
    account's) bounds dates: anything after tomorrow is an error.
    Raises ``InputError`` with up to ``max_problems`` problems.
    """
    import pandas as pd

    if gmv_basis not in GMV_BASES:
        raise ValueError(f"unknown gmv_basis {gmv_basis!r}; expected one of {', '.join(GMV_BASES)}")
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files = [Path(p) for p in paths]
    if not files:
        raise InputError(Problem("(no file)", "no input file given", key="files.no_input"))
    if today is None:
        today = today_in()
    latest = today + dt.timedelta(days=1)
    report = Report(max_problems)
    sizes = [p.stat().st_size if p.is_file() else 0 for p in files]
    total, done = sum(sizes), 0
    frames = []
    for path, size in zip(files, sizes, strict=True):
        try:
            frame = _read_file(path, gmv_basis, latest, report, sheet)
        except InputError as exc:
            report.extend(exc.problems)
            frame = None
        if frame is not None:
            frames.append(frame)
        done += size
        if progress is not None:
            progress(done, total)
    report.raise_if_any()
    stats = pd.concat([_as_text(f) for f in frames], ignore_index=True) if len(frames) > 1 else frames[0]
    stats = last_per_key_sorted(stats)
    check_currency(stats, report)
    report.raise_if_any()
    stats = _as_text(stats)
    stats.attrs["assumed"] = list(report.assumed)
    return stats


def daily_stats(stats: pd.DataFrame) -> Iterator[DailyStat]:
    """The rows of a ``read_stats`` frame as connector records (``connectors.base.DailyStat``).

    Money becomes ``Decimal`` with 2 places; missing optional values become
    None. The same records the platform connectors yield, so one contract suite
    can compare them.
    """
    from decimal import Decimal

    import pandas as pd

    from connectors.base import DailyStat

    def money(value: float) -> Decimal | None:
        return None if pd.isna(value) else Decimal(f"{value:.2f}")

    def count(value: float) -> int | None:
        return None if pd.isna(value) else int(value)

    row: Any  # a named tuple of STAT_COLUMNS
    for row in stats.itertuples(index=False):
        yield DailyStat(
            account_id=row.account_id,
            campaign_id=row.campaign_id,
            date=row.date.date(),
            spend=money(row.spend),
            gmv=money(row.gmv),
            orders=int(row.orders),
            campaign_name=row.campaign_name,
            channel=row.channel,
            impressions=count(row.impressions),
            clicks=count(row.clicks),
            budget=money(row.budget),
            bid_type=row.bid_type,
            bid=money(row.bid),
            status=row.status,
            currency=row.currency,
        )


def _spend_group(key: str) -> int:
    return next((g for g, names in enumerate(SPEND_GROUPS) if key in {header_key(n) for n in names}), 0)


def _resolve_columns(header: list[str], basis: str, file: str) -> tuple[dict[str, int], dict[str, list[int]]]:
    """Contract column -> index of the header that provides it, and -> the other headers of
    the same meaning (they must agree with it: ``_check_twins``); problems raise."""
    aliases = aliases_for(basis)
    rank = {header_key(a): (col, i) for col, names in aliases.items() for i, a in enumerate(names)}
    chosen: dict[str, tuple[int, int]] = {}
    found: dict[str, list[int]] = {}
    problems = []
    seen: dict[str, int] = {}
    for index, text in enumerate(header):
        key = header_key(text)
        if key not in rank:
            continue
        col, priority = rank[key]
        if key in seen:
            problems.append(Problem(file, f"column {text!r} appears twice (columns {seen[key] + 1} and {index + 1})",
                                    row=None, column=text, key="files.column_twice",
                                    fields={"column": text, "a": seen[key] + 1, "b": index + 1}))  # fmt: skip
            continue
        seen[key] = index
        found.setdefault(col, []).append(index)
        if col not in chosen or priority < chosen[col][1]:
            chosen[col] = (index, priority)
    twins = {}
    for col, indexes in found.items():
        if col in PROMOTION_COLUMNS:  # 推广类型 and 广告类型 say different things: the first that names a channel wins
            continue
        best = chosen[col][0]
        group = _spend_group(header_key(header[best])) if col == "spend" else None
        others = [i for i in indexes if i != best and (group is None or _spend_group(header_key(header[i])) == group)]
        if others:
            twins[col] = others
    for col in REQUIRED_COLUMNS:
        if col not in chosen:
            problems.append(_missing_column(file, col, header, basis))
    for col in ("spend", "gmv", "budget", "bid"):
        if col in chosen:
            text = header[chosen[col][0]]
            unit = header_unit(text)
            if unit is not None and unit not in MONEY_UNITS:
                problems.append(Problem(file, f"money column {text!r} is in {unit!r}: export amounts in 元",
                                        column=text, key="files.money_unit",
                                        fields={"column": text, "unit": unit}))  # fmt: skip
    if problems:
        raise InputError(problems)
    return {col: index for col, (index, _) in chosen.items()}, twins


def _check_twins(table, index: dict[str, int], twins: dict[str, list[int]], keep: np.ndarray, report: Report) -> None:
    """Two headers of one column must say the same on every row; the first row where they differ is a problem.

    Numbers are compared as numbers (``1,234.00`` = ``1234``), text as stripped text.
    """
    import numpy as np
    import pandas as pd

    rows = table.row_numbers[keep]
    for col, others in twins.items():
        main = pd.Series(table.columns[index[col]], dtype=object)[keep].reset_index(drop=True)
        for other in others:
            second = pd.Series(table.columns[other], dtype=object)[keep].reset_index(drop=True)
            if col in _NUMBER_COLUMNS:
                a = pd.to_numeric(main.str.replace(",", "").str.strip(), errors="coerce").round(2)
                b = pd.to_numeric(second.str.replace(",", "").str.strip(), errors="coerce").round(2)
                differ = ~((a == b) | (a.isna() & b.isna())) | (a.isna() != b.isna())
                differ &= ~(main.str.strip().eq(second.str.strip()))
            else:
                differ = main.str.strip().ne(second.str.strip())
            where = np.flatnonzero(differ.to_numpy())
            if not len(where):
                continue
            i = int(where[0])
            first, twin = table.header[index[col]], table.header[other]
            report.extend(
                [
                    Problem(
                        table.file,
                        f"columns {first!r} and {twin!r} both mean {col} but differ "
                        f"({main[i].strip()!r} vs {second[i].strip()!r}; {len(where)} row(s)): "
                        "delete the one that is wrong",
                        row=int(rows[i]),
                        column=f"{first} / {twin}",
                        key="files.twin_columns",
                        fields={"first": first, "second": twin, "column": col, "a": main[i].strip(),
                                "b": second[i].strip(), "n": len(where)},
                    )
                ]
            )  # fmt: skip


def _missing_column(file: str, col: str, header: list[str], basis: str) -> Problem:
    accepted = ", ".join(aliases_for(basis)[col])
    message = f"missing required column {col!r} (accepted headers: {accepted})"
    key, fields = "files.missing_column", {"column": col, "accepted": accepted}
    if col in ("gmv", "orders"):
        keys = {header_key(h): h for h in header}
        for other, names in GMV_BASES.items():
            found = [keys[header_key(n)] for n in names[col] if header_key(n) in keys]
            if other != basis and found:
                message += (
                    f"; this file has {found[0]!r}, which is gmv_basis {other!r}: set "
                    f'gmv_basis = "{other}" in the data section of the config (or SPENDOPT_DATA__GMV_BASIS={other})'
                )
                key, fields = "files.missing_column_basis", {**fields, "found": found[0], "other": other}
                break
    return Problem(file, message, column=col, key=key, fields=fields)


def _header_score(basis: str) -> Callable[[Sequence[str]], int]:
    known = {header_key(a) for names in aliases_for(basis).values() for a in names}
    known |= {header_key(a) for cols in GMV_BASES.values() for names in cols.values() for a in names}
    return lambda cells_: sum(1 for c in cells_ if c and header_key(c) in known)


def _read_file(path: Path, basis: str, latest: dt.date, report: Report, sheet: str | None) -> pd.DataFrame | None:
    """One file -> its validated rows (last row per key), or None when it has problems.

    A clean UTF-8 CSV is read as typed columns (``connectors.files.typed_csv``); anything that
    path is not sure of, and any file with a problem, is read the exact way, which words the problems.
    """
    from connectors.files.tabular import read_table

    if sheet is None:
        frame = _read_typed_file(path, basis, latest, report)
        if frame is not None:
            return frame
    table = read_table(path, _header_score(basis), sheet=sheet)
    report.extend(table.problems)
    index, twins = _resolve_columns(table.header, basis, table.file)
    return _validated(table, index, twins, latest, report)


def _read_typed_file(path: Path, basis: str, latest: dt.date, report: Report) -> pd.DataFrame | None:
    """The fast path: the file's rows when it is clean and typed reading is sure of it, else None."""
    from connectors.files.typed_csv import read_typed

    aliases = aliases_for(basis)
    meaning = {header_key(a): col for col, names in aliases.items() for a in names}

    def text_columns(header: list[str]) -> set[int]:
        return {j for j, h in enumerate(header) if meaning.get(header_key(h), "spend") not in _NUMBER_COLUMNS}

    table = read_typed(path, _header_score(basis), text_columns)
    if table is None:
        return None
    try:
        index, twins = _resolve_columns(table.header, basis, table.file)
    except InputError:
        return None
    if twins:
        return None
    trial = Report(report.limit)
    frame = _validated(table, index, twins, latest, trial)
    if frame is None or trial.count:
        return None
    report.headers.update(trial.headers)
    for key, fields in trial.assumed:
        report.assume(key, **fields)
    return frame


def _validated(
    table: Table, index: dict[str, int], twins: dict[str, list[int]], latest: dt.date, report: Report
) -> pd.DataFrame | None:
    """A table's columns parsed and checked (problems go to ``report``): its rows, or None."""
    import numpy as np
    import pandas as pd

    if not table.n_rows:
        return None
    rows = table.row_numbers
    raw = {col: _raw_column(table.columns[i], number=col in _NUMBER_COLUMNS) for col, i in index.items()}
    total_row = _is_total(table.columns[0]) | _is_total(raw["date"])
    if twins:
        before = report.count
        _check_twins(table, index, twins, ~total_row, report)
        if report.count > before:
            return None
    if total_row.any():
        raw = {col: s[~total_row].reset_index(drop=True) for col, s in raw.items()}
        rows = rows[~total_row]
    n = len(rows)
    if not n:
        raise InputError(
            Problem(
                table.file, "the file has no data rows, only a total row", row=table.header_row, key="files.only_total"
            )
        )
    header = {col: table.header[i] for col, i in index.items()}
    report.headers[table.file] = header

    def opt(col: str) -> pd.Series:
        return raw[col] if col in raw else cells.categorical(np.zeros(n, np.int8), [""])

    each = cells.by_distinct
    parsed = {
        "account_id": each(cells.parse_id, opt("account_id"), what="account_id", default=UNKNOWN_ACCOUNT),
        "campaign_id": each(cells.parse_id, raw["campaign_id"], what="campaign_id", default=None),
        "date": each(cells.parse_date, raw["date"], what="date", latest=latest),
        "spend": each(cells.parse_number, raw["spend"], what="spend", required=True),
        "gmv": each(cells.parse_number, raw["gmv"], what="gmv", required=True),
        "orders": each(cells.parse_integer, raw["orders"], what="orders", required=True),
        "campaign_name": each(cells.parse_text, opt("campaign_name"), what="campaign_name"),
        "channel": each(cells.parse_text, opt("channel"), what="channel"),
        "impressions": each(cells.parse_integer, opt("impressions"), what="impressions", required=False),
        "clicks": each(cells.parse_integer, opt("clicks"), what="clicks", required=False),
        "budget": each(cells.parse_number, opt("budget"), what="budget", required=False, empty_words=NO_CAP),
        "bid_type": each(cells.parse_enum, opt("bid_type"), what="bid_type", values=BID_TYPE_VALUES,
                         allowed="cpa, roi or none"),
        "bid": each(cells.parse_number, opt("bid"), what="bid", required=False, positive=True),
        "roi_goal": each(cells.parse_number, opt("roi_goal"), what="ROI goal", required=False, positive=True),
        "status": each(cells.parse_enum, opt("status"), what="status", values=STATUS_VALUES,
                       allowed="active, paused or learning"),
        "currency": each(parse_currency, opt("currency")),
        "promotion_type": each(cells.parse_text, opt("promotion_type"), what="推广类型"),
        "promotion_way": each(cells.parse_text, opt("promotion_way"), what="推广方式"),
        "marketing_scene": each(cells.parse_text, opt("marketing_scene"), what="营销场景"),
    }  # fmt: skip
    bad = np.zeros(n, dtype=bool)
    for col, result in parsed.items():
        texts = raw[col].tolist() if col in raw and result.issues else []
        for issue in result.issues:
            report.add_cells(table.file, rows, header.get(col, col), texts, issue)
        bad |= result.bad
    frame = pd.DataFrame({col: parsed[col].values for col in parsed}, copy=False)  # no copy into dtype blocks: 0.3 s
    bad |= derive_bid_and_channel(frame, raw, header, rows, table.file, report)
    frame["source_file"] = cells.categorical(np.zeros(n, np.int8), [table.file])
    frame["source_row"] = rows
    if bad.any():
        return None
    frame = resolve_duplicates(frame, header, table.file, report)
    for col in ("spend", "gmv", "budget", "bid"):
        frame[col] = frame[col].round(2)
    return frame[list(STAT_COLUMNS)]


def _as_text(stats: pd.DataFrame) -> pd.DataFrame:
    """``stats`` with its text columns as ``STAT_COLUMNS`` has them: object ``str``, None where missing.

    Validation carries them as categoricals (a code per row); they become text once, for the rows kept.
    """
    for col in _TEXT_COLUMNS:
        stats[col] = cells.texts(stats[col])
    return stats


def _raw_column(values: Any, *, number: bool) -> pd.Series:
    """A table column as the parsers take it: text stripped (numbers are read with their spaces by pandas).

    Typed columns (``connectors.files.typed_csv``) stay typed: numbers as numbers, text as a
    categorical of stripped texts; the exact path's object arrays become object Series.
    """
    import numpy as np
    import pandas as pd

    if not isinstance(values, pd.Series):
        return pd.Series(values, dtype=object) if number else _stripped(values)
    if isinstance(values.dtype, pd.CategoricalDtype):
        texts = values.cat.categories.to_numpy(dtype=object)
        stripped = np.array([v.strip() for v in texts], dtype=object)
        if (stripped == texts).all():  # the common file: no cell with spaces around it
            return values
        codes, uniques = pd.factorize(stripped)
        return cells.categorical(codes[values.cat.codes.to_numpy()], uniques)
    return values if number else _stripped(values.to_numpy(dtype=object))


def _is_total(column: Any) -> np.ndarray:
    """Rows whose cell is a summary row's label (合计, total)."""
    import numpy as np
    import pandas as pd

    def label(texts: pd.Series) -> np.ndarray:
        return texts.str.strip().str.lower().isin(TOTAL_LABELS).to_numpy(dtype=bool)

    values = column if isinstance(column, pd.Series) else pd.Series(column, dtype=object)
    if values.dtype.kind in "fiub":
        return np.zeros(len(values), dtype=bool)
    return cells.per_distinct(values, label).astype(bool)


def _stripped(values: np.ndarray) -> pd.Series:
    """Cells without surrounding whitespace, stripping each distinct text once."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(values)
    stripped = np.array([u.strip() for u in uniques], dtype=object)
    return pd.Series(stripped[codes] if len(codes) else np.array([], dtype=object), dtype=object, copy=False)
