"""The reason of one row, worded row by row: the reference the column-wise ``reasons.words`` is checked against.

This is how ``optimizer.decide.reasons`` worded a row before it worded whole
columns at once (one ``t`` call per clause and number); ``test_reasons_fast_path``
holds the two to the same words on random rows.
"""

from __future__ import annotations

import math

from optimizer.decide.reasons import SPEND_TOLERANCE, RowFacts
from optimizer.i18n import t

_EPS = 0.005


def _finite(x: float) -> bool:
    return x is not None and math.isfinite(x)


def _money(x: float, lang: str | None, currency: str) -> str:
    if x is None or math.isinf(x):
        return t("reasons.no_cap", lang=lang)
    if math.isnan(x):
        return t("reasons.not_available", lang=lang)
    amount = f"{x:,.0f}" if abs(x) >= 100 or x == 0 else f"{x:,.2f}"
    if currency == "CNY":
        return t("reasons.money", lang=lang, amount=amount)
    return t("reasons.money_other", lang=lang, amount=amount, currency=currency)


def _ratio(x: float, lang: str | None, digits: int = 2) -> str:
    return f"{x:.{digits}f}" if _finite(x) else t("reasons.not_available", lang=lang)


def _pct(new: float, old: float) -> str:
    return f"{(new - old) / old * 100:+.0f}%" if _finite(new) and _finite(old) and old > 0 else ""


def _budget_dir(f: RowFacts) -> int:
    if not _finite(f.budget):
        return 0
    if not _finite(f.current_budget):
        return -1  # a first cap only lowers what it may spend
    return (f.budget > f.current_budget + _EPS) - (f.budget < f.current_budget - _EPS)


def _bid_dir(f: RowFacts) -> int:
    """+1 when the bid moves towards more delivery (higher CPA bid, lower ROI target)."""
    if not (_finite(f.bid) and _finite(f.current_bid)):
        return 0
    raw = (f.bid > f.current_bid + _EPS) - (f.bid < f.current_bid - _EPS)
    return -raw if f.bid_type == "roi" else raw


def _spend_dir(f: RowFacts) -> int:
    if not (_finite(f.spend) and _finite(f.spend_now)):
        return 0
    scale = max(abs(f.spend_now), 1.0)
    change = (f.spend - f.spend_now) / scale
    return (change > SPEND_TOLERANCE) - (change < -SPEND_TOLERANCE)


def _kept_paused(f: RowFacts) -> bool:
    return f.paused_now and not f.budget > 0


def _driver(f: RowFacts, lang: str | None, kept: bool) -> str:
    m, thr = _ratio(f.marginal_roi, lang), _ratio(f.threshold, lang)
    if not _finite(f.threshold):
        return t("reasons.driver_no_threshold", lang=lang, m=m)
    near = _finite(f.marginal_roi) and abs(f.marginal_roi - f.threshold) <= 0.05 * max(abs(f.threshold), 0.1)
    below = _finite(f.marginal_roi) and f.marginal_roi < f.threshold and not near
    if kept and below:
        return t("reasons.driver_kept_paused", lang=lang, m=m, thr=thr)
    if f.action == "pause" and below:
        return t("reasons.driver_pause", lang=lang, m=m, thr=thr)
    if near or not _finite(f.marginal_roi):
        key = "driver_at"
    elif below:
        key = "driver_below_capped" if f.capped_days > 0 else "driver_below"
    else:
        key = "driver_capped_above" if f.capped_days > 0 else "driver_above"
    return t(f"reasons.{key}", lang=lang, m=m, thr=thr, capped=f.capped_days, seen=f.seen_days)


def _moves(f: RowFacts, lang: str | None, kept: bool, budget_dir: int, bid: int) -> list[str]:
    cur = f.currency
    before, after = _money(f.current_budget, lang, cur), _money(f.budget, lang, cur)
    if kept:
        return [t("reasons.budget_kept_paused", lang=lang, before=before)]
    if f.action == "pause":
        parts = [t("reasons.budget_paused", lang=lang, before=before)]
    elif f.action == "resume":
        parts = [t("reasons.budget_resumed", lang=lang, after=after)]
    elif not _finite(f.current_budget) and _finite(f.budget):
        parts = [t("reasons.budget_first_cap", lang=lang, after=after)]
    elif budget_dir:
        parts = [
            t("reasons.budget_move", lang=lang, before=before, after=after, pct=_pct(f.budget, f.current_budget) or "-")
        ]
    else:
        parts = [t("reasons.budget_kept", lang=lang, before=before)]
    if bid and f.action != "pause":
        pct = _pct(f.bid, f.current_bid)
        if f.bid_type == "roi":
            parts.append(
                t("reasons.goal_move", lang=lang, before=f"{f.current_bid:.2f}", after=f"{f.bid:.2f}", pct=pct)
            )
        else:
            parts.append(
                t(
                    "reasons.bid_move",
                    lang=lang,
                    before=_money(f.current_bid, lang, cur),
                    after=_money(f.bid, lang, cur),
                    pct=pct,
                )
            )
    return parts


def reason_by_row(f: RowFacts, lang: str | None = None) -> str:
    """One sentence: driver, what moves, the forecast, notes; then why a person must look."""
    sep = t("reasons.sep", lang=lang)
    kept, budget, bid = _kept_paused(f), _budget_dir(f), _bid_dir(f)
    parts = [_driver(f, lang, kept), *_moves(f, lang, kept, budget, bid)]
    if f.action != "pause" and not kept:
        roi = _ratio(f.roi, lang)
        if budget and bid and budget != bid:
            pct = _pct(f.spend, f.spend_now) if f.spend_now > 0 else "-"
            parts.append(
                t(
                    "reasons.forecast_opposite",
                    lang=lang,
                    before=_money(f.spend_now, lang, f.currency),
                    after=_money(f.spend, lang, f.currency),
                    pct=pct,
                    roi=roi,
                )
            )
        elif _spend_dir(f):
            parts.append(
                t(
                    "reasons.forecast",
                    lang=lang,
                    before=_money(f.spend_now, lang, f.currency),
                    after=_money(f.spend, lang, f.currency),
                    roi=roi,
                )
            )
        else:
            parts.append(t("reasons.forecast_flat", lang=lang, after=_money(f.spend, lang, f.currency), roi=roi))
    elif _finite(f.roi7):
        parts.append(t("reasons.roi7", lang=lang, roi=_ratio(f.roi7, lang)))
    if f.explored:
        parts.append(t("reasons.explored", lang=lang))
    if f.bid_note == "settling":
        parts.append(t("reasons.bid_settling", lang=lang, days=f.settle_days))
    elif f.bid_note == "locked":
        parts.append(t("reasons.bid_locked", lang=lang))
    sentence = sep.join(parts)
    if f.review:
        why = t("reasons.list_sep", lang=lang).join(
            t(f"reasons.{key}", lang=lang, **fields) for key, fields in f.review
        )
        sentence += t("reasons.review_sep", lang=lang) + t("reasons.review", lang=lang, why=why)
    return sentence + t("reasons.end", lang=lang)
