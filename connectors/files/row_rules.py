"""Rules across the cells and rows of an imported stats file.

``connectors.files.stats`` parses each column on its own (``connectors.files.cells``);
what needs several columns or several rows lives here:

- ``derive_bid_and_channel``: ``bid`` / ``bid_type`` from 出价 and ROI目标,
  ``channel`` from 推广类型 / 推广方式 / 营销场景; a bid with bid_type ``none`` is an error;
- ``resolve_duplicates``: the later row per (account, campaign, date) wins,
  and may only restate gmv/orders upward with the same spend; ``last_per_key_sorted``
  keeps it across files and sorts by the key;
- ``check_currency``: one currency per account;
- ``Report``: collects the problems, counting all and keeping the first few.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from connectors.errors import InputError, Problem
from connectors.files import cells
from connectors.files.headers import header_key

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = [
    "KEY_COLUMNS",
    "Report",
    "check_currency",
    "derive_bid_and_channel",
    "last_per_key_sorted",
    "parse_currency",
    "resolve_duplicates",
]

KEY_COLUMNS: tuple[str, ...] = ("account_id", "campaign_id", "date")
"""One row per key; the later row wins."""


class Report:
    """Collects problems: counts all, keeps the first ``limit`` per rule."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.kept: list[Problem] = []
        self.count = 0
        self.headers: dict[str, dict[str, str]] = {}
        """file -> contract column -> the header text that file uses for it"""
        self.assumed: list[tuple[str, dict]] = []
        """what the reader assumed for a column a file lacks: (``optimizer/i18n`` key, fields)"""

    def assume(self, key: str, **fields: object) -> None:
        if (key, fields) not in self.assumed:
            self.assumed.append((key, dict(fields)))

    def extend(self, problems: Sequence[Problem]) -> None:
        self.count += len(problems)
        self.kept.extend(problems[: self.limit])

    def add_cells(
        self, file: str, rows: np.ndarray, column: str | None, texts: Sequence[str], issue: cells.Issue
    ) -> None:
        """Count the cells of ``issue``; keep a problem for the first ``limit`` (``texts[i]`` words it)."""
        import numpy as np

        where = np.flatnonzero(issue.mask)
        self.count += len(where)
        for i in where[: self.limit]:
            text = texts[i]
            fields = {**issue.fields, "v": text} if issue.key else None
            self.kept.append(
                Problem(file, issue.message(text), row=int(rows[i]), column=column, key=issue.key, fields=fields)
            )

    def raise_if_any(self) -> None:
        """Raise ``InputError`` with the kept problems (by file, then row) if anything was found."""
        if self.count:
            order = {f: i for i, f in reversed(list(enumerate(p.file for p in self.kept)))}
            shown = sorted(self.kept, key=lambda p: (order[p.file], p.row or 0))[: self.limit]
            raise InputError(shown, more=self.count - len(shown))


def parse_currency(raw: pd.Series) -> cells.Parsed:
    """ISO 4217 codes (``cny`` -> ``CNY``; 人民币/元 -> ``CNY``); missing -> None."""
    import pandas as pd

    from connectors.files.headers import CURRENCY_VALUES

    out = cells.parse_text(raw, what="currency")
    values = out.values
    present = values.notna()
    codes = cells.per_distinct(values.fillna(""), lambda u: u.map(lambda v: CURRENCY_VALUES.get(v.lower(), v.upper())))
    out.values = values.where(~present, pd.Series(codes, index=values.index, dtype=object)).astype(object)
    iso = cells.per_distinct(pd.Series(codes, dtype=object), lambda u: u.str.fullmatch(r"[A-Z]{3}|").to_numpy(bool))
    out.add(~iso.astype(bool), lambda v: f"currency {v!r} is not an ISO 4217 code such as CNY")
    return out


def derive_bid_and_channel(
    frame: pd.DataFrame,
    raw: dict[str, pd.Series],
    header: dict[str, str],
    rows: np.ndarray,
    file: str,
    report: Report,
) -> np.ndarray:
    """Fill ``bid`` / ``bid_type`` / ``channel`` from console columns; return rows in error.

    ROI目标 fills ``bid`` with bid_type ``roi`` (控成本 plans bid either way);
    a Chinese 出价 column means ``cpa`` when no bid type is given; a bid with
    bid_type ``none`` is an error. Without a channel column, 推广类型 gives it.
    Text columns may come as categoricals (``cells.by_distinct``): a column gets a
    new text only in a fill, which makes it plain text first (``cells.texts``).
    """
    import numpy as np

    from connectors.files.headers import PROMOTION_COLUMNS

    _derive_bid(frame, raw, header, file, report)
    bad = np.zeros(len(frame), dtype=bool)
    contradiction = ((frame["bid_type"] == "none") & frame["bid"].notna()).to_numpy()
    if contradiction.any():
        texts = [f"{b:g}" for b in frame["bid"].fillna(0)]
        issue = cells.Issue(
            contradiction,
            lambda v: f"bid {v} given but bid_type is none (max delivery has no bid)",
            "cells.bid_no_type",
        )
        report.add_cells(file, rows, header.get("bid", header.get("roi_goal")), texts, issue)
        bad |= contradiction
    promotion = [c for c in PROMOTION_COLUMNS if c in raw]
    if "channel" not in raw and promotion:
        bad |= _channel_from_promotion(frame, promotion, raw, header, rows, file, report)
    missing = frame["channel"].isna()
    if missing.any():
        report.assume("files.channel_default", file=file, n=int(missing.sum()))
        frame["channel"] = cells.texts(frame["channel"]).fillna("default")
    return bad


def _derive_bid(
    frame: pd.DataFrame, raw: dict[str, pd.Series], header: dict[str, str], file: str, report: Report
) -> None:
    """``bid`` from ROI目标 where it gives one (bid_type ``roi``); without a bid type column, the bid type
    from the headers (noted in ``report.assume``)."""
    import numpy as np

    bid, goal, kind = frame["bid"], frame["roi_goal"], frame["bid_type"]
    use_goal = goal.notna() & (bid.isna() | (kind == "roi"))
    frame["bid"] = bid.where(~use_goal, goal)
    if "bid_type" in raw:
        if use_goal.any():
            kind = cells.texts(kind)
            frame["bid_type"] = kind.where(~(use_goal & kind.isin(["cpa"])), "roi")
            frame.loc[use_goal & kind.isna(), "bid_type"] = "roi"
        return
    cpa_header = "bid" in header and header_key(header["bid"]) != "bid"
    derived = np.where(use_goal, "roi", np.where(frame["bid"].notna() & cpa_header, "cpa", None))  # type: ignore[call-overload]
    frame["bid_type"] = derived.astype(object)
    if (derived == "cpa").any():
        report.assume("files.assumed_cpa", file=file, header=header["bid"], n=int((derived == "cpa").sum()))
    if (derived == "roi").any():
        report.assume(
            "files.assumed_roi", file=file, header=header.get("roi_goal", ""), n=int((derived == "roi").sum())
        )
    if not len(frame) or not ("bid" in raw or "roi_goal" in raw):
        report.assume("files.no_bid_type", file=file)


def _channel_from_promotion(
    frame: pd.DataFrame,
    promotion: list[str],
    raw: dict[str, pd.Series],
    header: dict[str, str],
    rows: np.ndarray,
    file: str,
    report: Report,
) -> np.ndarray:
    """``channel`` from 推广类型 (and 推广方式 / 营销场景) where the file has no channel column; rows in error."""
    from connectors.files.headers import channel_from_promotion_type

    kinds = cells.texts(frame[promotion[0]]).fillna("")
    for col in promotion[1:]:
        kinds = kinds + " " + cells.texts(frame[col]).fillna("")
    kinds = kinds.str.strip().where(kinds.str.strip() != "", None)
    mapping = {t: channel_from_promotion_type(t) for t in kinds.dropna().unique()}
    derived_channel = kinds.map(mapping)
    unknown = (kinds.notna() & derived_channel.isna()).to_numpy()
    # 广告类型 usually holds the ad scene (通投广告/搜索广告/商城广告), not a channel: no error
    strict = promotion == ["promotion_type"] and header_key(header["promotion_type"]) == header_key("推广类型")
    if unknown.any() and strict:
        issue = cells.Issue(unknown, lambda v: f"unknown 推广类型 {v!r} (expected 标准推直播/标准推商品/"
                                               "全域推直播/全域推商品); add a channel column",
                            "cells.unknown_promotion")  # fmt: skip
        report.add_cells(file, rows, header["promotion_type"], raw["promotion_type"].tolist(), issue)
    channel = cells.texts(frame["channel"])
    frame["channel"] = channel.where(channel.notna(), derived_channel)
    report.assume("files.channel_from", file=file, headers=" + ".join(header[c] for c in promotion))
    return unknown & strict


def resolve_duplicates(frame: pd.DataFrame, header: dict[str, str], file: str, report: Report) -> pd.DataFrame:
    """Keep the last row per key; a later row that is not a restatement is an error.

    A restatement keeps spend and does not lower gmv or orders (late conversions
    only add). Rows are compared with the previous row of the same key.
    """
    import numpy as np

    key = list(KEY_COLUMNS)
    dup = _duplicated(frame)
    if not dup.any():
        return frame
    group = frame[dup].sort_values(key, kind="stable")
    prev = group.groupby(key, sort=False)[["spend", "gmv", "orders", "source_row"]].shift(1)
    has_prev = prev["source_row"].notna()
    checks = [
        ("spend", group["spend"].round(2) != prev["spend"].round(2), "spend {b:.2f} vs {a:.2f}"),
        ("gmv", group["gmv"].round(2) < prev["gmv"].round(2), "gmv fell from {a:.2f} to {b:.2f}"),
        ("orders", group["orders"] < prev["orders"], "orders fell from {a:.0f} to {b:.0f}"),
    ]
    flagged = np.zeros(len(group), dtype=bool)
    for col, differs, how in checks:
        mask = (has_prev & differs).to_numpy() & ~flagged
        flagged |= mask
        for i in np.flatnonzero(mask)[: report.limit]:
            row, before = group.iloc[i], prev.iloc[i]
            what = how.format(a=before[col], b=row[col]) if col != "spend" else how.format(a=row[col], b=before[col])
            report.kept.append(
                Problem(
                    file,
                    f"duplicate rows disagree: rows {int(before['source_row'])} and {int(row['source_row'])} are "
                    f"both campaign {row['campaign_id']} (account {row['account_id']}) on "
                    f"{row['date']:%Y-%m-%d}, but {what}; a later row may only restate gmv/orders upward",
                    row=int(row["source_row"]),
                    column=header[col],
                    key="cells.duplicate_rows",
                    fields={
                        "first": int(before["source_row"]),
                        "second": int(row["source_row"]),
                        "campaign": row["campaign_id"],
                        "account": row["account_id"],
                        "date": f"{row['date']:%Y-%m-%d}",
                        "what": what,
                    },
                )
            )
        report.count += int(mask.sum())
    return frame.drop_duplicates(key, keep="last").reset_index(drop=True)


def _duplicated(frame: pd.DataFrame) -> np.ndarray:
    """``frame.duplicated(KEY_COLUMNS, keep=False)`` from the columns' codes (pandas hashes every key
    column anew: 0.5 s at 3 M rows): the codes combined into one number per key (renumbered where
    the next product could overflow), counted in one slot per possible key, or per distinct key
    where the possible ones outnumber the rows."""
    import numpy as np
    import pandas as pd

    combined, size = np.zeros(len(frame), dtype=np.int64), 1
    for col in KEY_COLUMNS:
        codes, uniques = _codes(frame[col])
        if size * (len(uniques) + 1) >= 2**62:
            combined, seen = pd.factorize(combined)
            size = len(seen)
        combined = combined * (len(uniques) + 1) + codes + 1  # missing (-1) as a value of its own
        size *= len(uniques) + 1
    if size > 4 * len(frame) + 64:
        combined, seen = pd.factorize(combined)
        size = len(seen)
    return np.bincount(combined, minlength=size)[combined] > 1


def last_per_key_sorted(stats: pd.DataFrame) -> pd.DataFrame:
    """The last row per ``KEY_COLUMNS``, sorted by them (as ``drop_duplicates(keep="last")`` then a
    stable ``sort_values``), computed on integer ranks instead of comparing millions of texts."""
    import numpy as np

    keys = []
    for col in reversed(KEY_COLUMNS):  # np.lexsort: the last key is the primary one
        codes, uniques = _codes(stats[col])
        rank = np.empty(len(uniques), dtype=np.int64)
        rank[np.argsort(uniques, kind="stable")] = np.arange(len(uniques))
        keys.append(rank[codes])
    order = np.lexsort(keys)  # stable: rows of one key keep their order
    ranked = [k[order] for k in keys]
    last = np.ones(len(order), dtype=bool)
    if len(order) > 1:
        last[:-1] = np.any([k[1:] != k[:-1] for k in ranked], axis=0)
    return stats.take(order[last]).reset_index(drop=True)


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of a column: a code per row (-1 where missing) and the values the codes stand for.

    A categorical gives its own codes and categories (as an array, so that they sort as values, not
    as codes); a column of dates at midnight the days since its first, standing for every day of its
    span (a hash of millions of dates costs 0.1 s; they span a few hundred days).
    """
    import numpy as np
    import pandas as pd

    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(), values.cat.categories.to_numpy()
    if values.dtype.kind == "M" and len(values) and values.notna().all():
        moments = values.to_numpy()
        days = moments.astype("datetime64[D]")
        span = np.arange(days.min(), days.max() + 1)
        if len(span) <= len(values) and (days == moments).all():
            return (days - span[0]).astype(np.int64), span.astype(moments.dtype)
    codes, uniques = pd.factorize(values.to_numpy())
    return codes, uniques


def check_currency(stats: pd.DataFrame, report: Report) -> None:
    """One currency per account (an empty cell means CNY)."""
    import numpy as np

    # the common file (one currency per account) is told from the distinct (account, currency) pairs
    account, accounts = _codes(stats["account_id"])
    money, kinds = _codes(stats["currency"])
    cny = np.flatnonzero(kinds == "CNY")
    money = np.where(money < 0, cny[0] if len(cny) else len(kinds), money)  # an empty cell is CNY
    if len(np.unique(account.astype(np.int64) * (len(kinds) + 1) + money)) == len(accounts):
        return
    currency = stats["currency"].astype(object).fillna("CNY")
    first = currency.groupby(stats["account_id"].astype(object), sort=False).transform("first")
    mixed = (currency != first).to_numpy()
    for i in mixed.nonzero()[0][: report.limit]:
        row = stats.iloc[i]
        report.kept.append(
            Problem(
                row["source_file"],
                f"account {row['account_id']} mixes currencies: {currency.iloc[i]} here, "
                f"{first.iloc[i]} elsewhere; one account has one currency",
                row=int(row["source_row"]),
                column=report.headers.get(row["source_file"], {}).get("currency", "currency"),
                key="cells.mixed_currency",
                fields={"account": row["account_id"], "here": currency.iloc[i], "elsewhere": first.iloc[i]},
            )
        )
    report.count += int(mixed.sum())
