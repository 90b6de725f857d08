"""The words of a recommendation row: its ``action_label`` and its ``reason``, from its numbers.

The one place reason text is made (``recommend`` calls it; catalog
``optimizer/i18n/reasons.py``, zh-CN and en). Rules, pinned by the golden table
in ``tests/recommend/test_reasons_golden.py``:

* **The label follows the forecast spend.** ``加量`` / ``more spend`` when the
  spend forecast at the recommended settings is above the one at today's
  settings (by more than ``SPEND_TOLERANCE``), ``减量`` / ``less spend`` when
  below, ``消耗持平`` / ``spend unchanged`` otherwise; then what moves (budget
  up/down, bid up/down, ROI target up/down). When the budget and the bid push
  delivery in opposite directions the label says so. Pause, resume, hold and
  "stays paused" have their own labels. The contract's ``action`` is unchanged.
* **One sentence, main driver first, with units.** The driver is why the
  money moves (marginal ROI against the account threshold, capped days);
  then what moves (budget in 元 with its signed percent, bid in 元 or the ROI
  target), then the forecast (spend before -> after, ROI); then notes
  (exploration, bid kept) and, for review rows, why a person must look.
* **No ``nan`` in words**: a missing number is ``无`` / ``n/a``; a budget
  without cap is ``不限`` / ``no cap``.

**Column-wise.** ``words`` takes the facts of all rows as columns
(``FactColumns``): every choice above is a numpy mask, and each clause's rows
that share a catalog entry are worded at once (``optimizer.i18n.t_rows``), their
numbers formatted only for those rows. ``reason`` and ``action_label`` word one
row the same way (a one-row column).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from optimizer.i18n import current_language, t, t_rows

__all__ = ["SPEND_TOLERANCE", "FactColumns", "RowFacts", "Why", "action_label", "reason", "words"]

SPEND_TOLERANCE = 0.01
"""Relative change of the forecast spend below which the label says "spend unchanged"."""

_EPS = 0.005


@dataclass(frozen=True)
class RowFacts:
    """The numbers one row's words are made from (money in the account currency).

    Budgets: ``inf`` = no cap, ``0`` = paused. Bids: ``nan`` = no bid.
    ``review`` holds ``(key, fields)`` of the ``reasons`` catalog's ``why_*`` entries.
    """

    action: str
    bid_type: str
    paused_now: bool
    current_budget: float
    budget: float
    current_bid: float
    bid: float
    spend_now: float
    spend: float
    roi: float
    marginal_roi: float
    threshold: float
    capped_days: int = 0
    seen_days: int = 7
    roi7: float = math.nan
    explored: bool = False
    bid_note: str | None = None  # "settling" or "locked" when the bid is held for that reason
    settle_days: int = 0
    review: Sequence[tuple[str, dict]] = ()
    currency: str = "CNY"


@dataclass(frozen=True)
class Why:
    """One ``why_*`` entry of the ``reasons`` catalog for many rows: which rows carry it, and its fields
    (each an ``(n,)`` array read at those rows, or one value for all)."""

    key: str
    rows: np.ndarray
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class FactColumns:
    """``RowFacts`` of ``n`` rows, one ``(n,)`` array a field; ``review`` holds the ``Why`` entries in the
    order a row lists them (a row carries each at most once)."""

    action: np.ndarray
    bid_type: np.ndarray
    paused_now: np.ndarray
    current_budget: np.ndarray
    budget: np.ndarray
    current_bid: np.ndarray
    bid: np.ndarray
    spend_now: np.ndarray
    spend: np.ndarray
    roi: np.ndarray
    marginal_roi: np.ndarray
    threshold: np.ndarray
    capped_days: np.ndarray
    seen_days: np.ndarray
    roi7: np.ndarray
    explored: np.ndarray
    bid_note: np.ndarray
    settle_days: np.ndarray
    review: tuple[Why, ...]
    currency: np.ndarray

    @classmethod
    def of(cls, rows: Sequence[RowFacts]) -> FactColumns:
        """The columns of ``rows``: their ``review`` entries become one ``Why`` per place in the list and key."""
        columns = {
            f.name: np.array([getattr(r, f.name) for r in rows], dtype=_DTYPES.get(f.name, float))
            for f in fields(RowFacts)
            if f.name != "review"
        }
        return cls(**columns, review=_whys([tuple(r.review) for r in rows]))

    @property
    def reviewed(self) -> np.ndarray:
        """``(n,)`` whether a person must look at the row (it carries a ``why_*`` entry)."""
        out = np.zeros(len(self.action), dtype=bool)
        for why in self.review:
            out |= why.rows
        return out


_DTYPES: dict[str, Any] = {
    **dict.fromkeys(("action", "bid_type", "bid_note", "currency"), object),
    **dict.fromkeys(("paused_now", "explored"), bool),
    **dict.fromkeys(("capped_days", "seen_days", "settle_days"), np.int64),
}


def _whys(review: list[tuple[tuple[str, dict], ...]]) -> tuple[Why, ...]:
    """Per-row ``(key, fields)`` lists as ``Why`` columns, by place in the list and then key."""
    out = []
    for place in range(max(map(len, review), default=0)):
        keys = [r[place][0] if len(r) > place else None for r in review]
        for key in dict.fromkeys(k for k in keys if k is not None):
            rows = np.array([k == key for k in keys])
            names = dict.fromkeys(n for r, k in zip(review, keys, strict=True) if k == key for n in r[place][1])
            values = {
                n: np.array(
                    [r[place][1].get(n) if k == key else None for r, k in zip(review, keys, strict=True)], dtype=object
                )
                for n in names
            }
            out.append(Why(key, rows, values))
    return tuple(out)


def action_label(f: RowFacts, lang: str | None = None) -> str:
    """Short words for what the row does (see the module docstring)."""
    return words(FactColumns.of([f]), lang)[0][0]


def reason(f: RowFacts, lang: str | None = None) -> str:
    """One sentence: driver, what moves, the forecast, notes; then why a person must look."""
    return words(FactColumns.of([f]), lang)[1][0]


def words(f: FactColumns, lang: str | None = None) -> tuple[list[str], list[str]]:
    """``(labels, reasons)`` of every row: each label case and each clause's catalog entry worded once for
    all the rows that take it."""
    lang = lang or current_language()
    if not len(f.action):
        return [], []
    moves = _Moves.of(f)
    return _labels(f, moves, lang), _reasons(f, moves, lang)


@dataclass(frozen=True)
class _Moves:
    """Which way each row moves, ``(n,)`` each: budget, bid (+1 = towards more delivery: a higher CPA bid,
    a lower ROI target), forecast spend (-1/0/+1); kept paused, paused, resumed (bool)."""

    budget: np.ndarray
    bid: np.ndarray
    spend: np.ndarray
    kept: np.ndarray
    pause: np.ndarray
    resume: np.ndarray

    @classmethod
    def of(cls, f: FactColumns) -> _Moves:
        fin = np.isfinite
        with np.errstate(invalid="ignore", divide="ignore"):
            budget = np.where(fin(f.current_budget), _sign(f.budget, f.current_budget, _EPS), -1)
            raw = _sign(f.bid, f.current_bid, _EPS)
            change = (f.spend - f.spend_now) / np.maximum(np.abs(f.spend_now), 1.0)
        return cls(
            budget=np.where(fin(f.budget), budget, 0),
            bid=np.where(fin(f.bid) & fin(f.current_bid), np.where(f.bid_type == "roi", -raw, raw), 0),
            spend=np.where(fin(f.spend) & fin(f.spend_now), _sign(change, 0.0, SPEND_TOLERANCE), 0),
            kept=f.paused_now & ~(f.budget > 0),
            pause=f.action == "pause",
            resume=f.action == "resume",
        )


def _sign(new: np.ndarray, old: np.ndarray | float, tolerance: float) -> np.ndarray:
    """``(n,)`` +1 where ``new`` is above ``old`` by more than ``tolerance``, -1 below, 0 otherwise (and NaN)."""
    return (new > old + tolerance).astype(np.int8) - (new < old - tolerance).astype(np.int8)


_KINDS = ("kept_paused", "pause", "resume", "hold", "goal", "bid")


def _labels(f: FactColumns, d: _Moves, lang: str) -> list[str]:
    """Each row's label: the rows' ``_label`` cases found column-wise, each distinct case worded once."""
    still = (d.budget == 0) & (d.bid == 0)
    kind = np.select([d.kept, d.pause, d.resume, still, f.bid_type == "roi"], [0, 1, 2, 3, 4], 5)
    moving = kind >= 4
    case = np.stack(
        [
            kind,
            d.budget * moving,
            d.bid * moving,
            moving & (d.budget != 0) & ~np.isfinite(f.current_budget),
            moving & (d.bid != 0) & (f.bid > f.current_bid),
            d.spend * moving,
        ],
        axis=1,
    ).astype(np.int16)
    code = case @ np.array([108, 36, 12, 6, 3, 1], dtype=np.int16)  # one number a case: mixed radix 6.3.3.2.2.3
    _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    texts = [
        _label((_KINDS[k], b, bid, bool(cap), bool(up), s), lang) for k, b, bid, cap, up, s in case[first].tolist()
    ]
    return np.array(texts, dtype=object)[inverse].tolist()


@functools.cache
def _label(case: tuple[str, int, int, bool, bool, int], lang: str) -> str:
    """The label of a case ``(kind, budget dir, bid dir, first cap, bid raised, spend dir)`` (a few dozen
    cases: each is worded once per language). ``kind`` is ``kept_paused``, ``pause``, ``resume``, ``hold``
    (nothing moves) or ``goal`` / ``bid`` (which word the bid move takes)."""
    kind, budget, bid, first_cap, raw_up, spend = case
    if kind in ("kept_paused", "pause", "resume", "hold"):
        return t(f"reasons.label_{kind}", lang=lang)
    moves = []
    if budget:
        moves.append(
            t(
                "reasons.move_first_cap" if first_cap else f"reasons.move_budget_{'up' if budget > 0 else 'down'}",
                lang=lang,
            )
        )
    if bid:
        moves.append(t(f"reasons.move_{kind}_{'up' if raw_up else 'down'}", lang=lang))
    word = {1: "more", -1: "less", 0: "flat"}[spend]
    label = t(f"reasons.label_{word}", lang=lang, moves=t("reasons.list_sep", lang=lang).join(moves))
    if budget and bid and budget != bid:
        label = t("reasons.label_opposite", lang=lang, label=label)
    return label


_Field = Any  # an (n,) array read at a clause's rows, a function of those rows giving their texts, or one value


def _clause(
    case: np.ndarray, keys: Sequence[str], lang: str, values: Mapping[str, _Field], prefix: str = ""
) -> np.ndarray:
    """``(n,)`` object array: row ``i``'s text of catalog entry ``keys[case[i]]`` (``""`` where ``case`` is -1),
    each entry's rows worded at once; ``prefix`` (a separator) opens every text."""
    out = np.full(len(case), "", dtype=object)
    for code, key in enumerate(keys):
        rows = np.flatnonzero(case == code)
        if rows.size:
            texts = t_rows(f"reasons.{key}", lang=lang, rows=rows.size, **{k: _at(v, rows) for k, v in values.items()})
            out[rows] = [prefix + s for s in texts] if prefix else texts
    return out


def _at(value: _Field, rows: np.ndarray) -> Any:
    """``value`` for ``rows``, as ``t_rows`` takes it: a function it calls only if the text uses the field."""
    if isinstance(value, np.ndarray):
        return lambda: value[rows].tolist()
    if callable(value):
        return lambda: value(rows)
    return value


def _money(x: np.ndarray, currency: np.ndarray, lang: str) -> Callable[[np.ndarray], list[str]]:
    """The amounts ``x`` at some rows in words: ``5,600 元``, ``12.50 元``, ``80 USD``; ``inf`` is "no cap",
    NaN "n/a"; whole units from 100 up (and 0), cents below."""

    def at(rows: np.ndarray) -> list[str]:
        v, cur = x[rows], currency[rows]
        out = np.full(len(rows), t("reasons.not_available", lang=lang), dtype=object)
        out[np.isinf(v)] = t("reasons.no_cap", lang=lang)
        fin = np.isfinite(v)
        size = np.abs(v)
        exact = (size >= 100) & (size < 2.0**53)  # formatted as integers, which is the same and twice as fast
        whole = (size >= 2.0**53) | (v == 0)  # 0 too: it may be -0.0 ("-0")
        for code in dict.fromkeys(cur[fin].tolist()):  # mostly one: CNY
            mine = fin & (cur == code)
            exact_spec, whole_spec, cents_spec = _money_formats(code, lang)
            out[mine & exact] = list(map(exact_spec.format, np.rint(v[mine & exact]).astype(np.int64).tolist()))
            out[mine & whole] = list(map(whole_spec.format, v[mine & whole].tolist()))
            cents = mine & ~exact & ~whole
            out[cents] = list(map(cents_spec.format, v[cents].tolist()))
        return out.tolist()

    return at


_AMOUNT = "\x00"


@functools.cache
def _money_formats(currency: str, lang: str) -> tuple[str, str, str]:
    """``str.format`` patterns of an amount in ``currency`` rounded to an integer, a whole amount and a cents
    amount: the catalog's words around the amount (``{0:,.0f} 元``), so each is formatted and worded at once."""
    if currency == "CNY":
        words = t("reasons.money", lang=lang, amount=_AMOUNT)
    else:
        words = t("reasons.money_other", lang=lang, amount=_AMOUNT, currency=currency)
    pattern = words.replace("{", "{{").replace("}", "}}")
    return pattern.replace(_AMOUNT, "{0:,}"), pattern.replace(_AMOUNT, "{0:,.0f}"), pattern.replace(_AMOUNT, "{0:,.2f}")


def _formatted(values: np.ndarray, spec: str, ok: np.ndarray, missing: str) -> list[str]:
    """``spec.format(v)`` for each of ``values``, ``missing`` where not ``ok``; one value repeated (the account
    threshold) is formatted once."""
    bits = values.astype(float).view(np.int64)  # bit for bit: -0.0 is not 0.0 in words
    if len(values) and ok.all() and (bits == bits[0]).all():
        return [spec.format(float(values[0]))] * len(values)
    text = list(map(spec.format, values.tolist()))
    for i in np.flatnonzero(~ok).tolist():
        text[i] = missing
    return text


def _ratio(x: np.ndarray, lang: str) -> Callable[[np.ndarray], list[str]]:
    """``x`` at some rows with two decimals, "n/a" where it is not a number."""

    def at(rows: np.ndarray) -> list[str]:
        v = x[rows]
        return _formatted(v, "{:.2f}", np.isfinite(v), t("reasons.not_available", lang=lang))

    return at


def _pct(new: np.ndarray, old: np.ndarray, missing: str = "") -> Callable[[np.ndarray], list[str]]:
    """The signed change from ``old`` to ``new`` at some rows (``+12%``); ``missing`` where there is none."""

    def at(rows: np.ndarray) -> list[str]:
        a, b = new[rows], old[rows]
        with np.errstate(invalid="ignore", divide="ignore"):
            pct = (a - b) / b * 100
        return _formatted(pct, "{:+.0f}%", np.isfinite(a) & np.isfinite(b) & (b > 0), missing)

    return at


def _reasons(f: FactColumns, d: _Moves, lang: str) -> list[str]:
    """Each row's sentence: driver, what moves, the forecast, notes, why a person must look, the end."""
    sep = t("reasons.sep", lang=lang)
    parts = [
        _driver(f, d, lang),
        *_budget_and_bid(f, d, lang, sep),
        *_forecast(f, d, lang, sep),
        _clause(np.where(f.explored, 0, -1), ("explored",), lang, {}, sep),
        _clause(
            np.select([f.bid_note == "settling", f.bid_note == "locked"], [0, 1], -1),
            ("bid_settling", "bid_locked"),
            lang,
            {"days": f.settle_days},
            sep,
        ),
        _review(f, lang),
    ]
    ends = [t("reasons.end", lang=lang)] * len(f.action)
    return list(map("".join, zip(*(p.tolist() for p in parts), ends, strict=True)))


def _driver(f: FactColumns, d: _Moves, lang: str) -> np.ndarray:
    """Why the money moves: marginal ROI against the account threshold, capped days."""
    m, thr = f.marginal_roi, f.threshold
    known = np.isfinite(m)
    with np.errstate(invalid="ignore"):
        near = known & (np.abs(m - thr) <= 0.05 * np.maximum(np.abs(thr), 0.1))
        below = known & (m < thr) & ~near
    capped = f.capped_days > 0
    case = np.select(
        [~np.isfinite(thr), d.kept & below, d.pause & below, near | ~known, below & capped, below, capped],
        [0, 1, 2, 3, 4, 5, 6],
        7,
    )
    keys = ("no_threshold", "kept_paused", "pause", "at", "below_capped", "below", "capped_above", "above")
    values = {"m": _ratio(m, lang), "thr": _ratio(thr, lang), "capped": f.capped_days, "seen": f.seen_days}
    return _clause(case, [f"driver_{k}" for k in keys], lang, values)


def _budget_and_bid(f: FactColumns, d: _Moves, lang: str, sep: str) -> tuple[np.ndarray, ...]:
    """What moves: the budget (always said), then the bid in money or the ROI target (when it moves)."""
    cb, b = f.current_budget, f.budget
    case = np.select([d.kept, d.pause, d.resume, ~np.isfinite(cb) & np.isfinite(b), d.budget != 0], [0, 1, 2, 3, 4], 5)
    budget = _clause(
        case,
        ("budget_kept_paused", "budget_paused", "budget_resumed", "budget_first_cap", "budget_move", "budget_kept"),
        lang,
        {"before": _money(cb, f.currency, lang), "after": _money(b, f.currency, lang), "pct": _pct(b, cb, "-")},
        sep,
    )
    said = ~d.kept & (d.bid != 0) & ~d.pause
    goal = f.bid_type == "roi"
    cbid, bid, pct = f.current_bid, f.bid, _pct(f.bid, f.current_bid)
    goals = _clause(
        np.where(said & goal, 0, -1),
        ("goal_move",),
        lang,
        {"before": _ratio(cbid, lang), "after": _ratio(bid, lang), "pct": pct},
        sep,
    )
    money = {"before": _money(cbid, f.currency, lang), "after": _money(bid, f.currency, lang), "pct": pct}
    return budget, goals, _clause(np.where(said & ~goal, 0, -1), ("bid_move",), lang, money, sep)


def _forecast(f: FactColumns, d: _Moves, lang: str, sep: str) -> tuple[np.ndarray, np.ndarray]:
    """The forecast spend before -> after and its ROI for a live row; the last 7 days' ROI for the others."""
    live = ~d.pause & ~d.kept
    opposite = (d.budget != 0) & (d.bid != 0) & (d.budget != d.bid)
    pct, now = _pct(f.spend, f.spend_now), f.spend_now

    def opposite_pct(rows: np.ndarray) -> list[str]:
        return np.where(now[rows] > 0, np.array(pct(rows), dtype=object), "-").tolist()

    values = {
        "before": _money(now, f.currency, lang),
        "after": _money(f.spend, f.currency, lang),
        "pct": opposite_pct,
        "roi": _ratio(f.roi, lang),
    }
    case = np.select([live & opposite, live & (d.spend != 0), live], [0, 1, 2], -1)
    forecast = _clause(case, ("forecast_opposite", "forecast", "forecast_flat"), lang, values, sep)
    past = np.where(~live & np.isfinite(f.roi7), 0, -1)
    return forecast, _clause(past, ("roi7",), lang, {"roi": _ratio(f.roi7, lang)}, sep)


def _review(f: FactColumns, lang: str) -> np.ndarray:
    """``需审核：...`` / ``review: ...`` with the row's ``why_*`` entries, for the rows a person must look at."""
    reviewed = f.reviewed
    if not reviewed.any():
        return np.full(len(reviewed), "", dtype=object)
    list_sep = t("reasons.list_sep", lang=lang)
    rows = np.flatnonzero(reviewed)
    items = [_clause(np.where(w.rows, 0, -1), (w.key,), lang, w.fields, list_sep)[rows] for w in f.review]
    why = np.full(len(reviewed), "", dtype=object)
    why[rows] = [s[len(list_sep) :] for s in map("".join, zip(*(i.tolist() for i in items), strict=True))]
    return _clause(np.where(reviewed, 0, -1), ("review",), lang, {"why": why}, t("reasons.review_sep", lang=lang))
