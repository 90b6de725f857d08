"""The words of many rows, prepared column by column, are the words of each row made on its own.

``recommend`` prepares the facts of all rows as columns and words each label
case and each clause's catalog entry once for all its rows. Here random rows (NaN
and infinite budgets and bids, paused campaigns, equal values, thin data,
exploration, other currencies) are worded both ways: by a plain per-row loop that
builds each ``RowFacts`` from numpy scalars, computes its label from scratch and
words its reason clause by clause (``reasons_by_row``), and by the path
``recommend`` takes.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from optimizer.decide import reasons
from optimizer.decide.reasons import RowFacts
from optimizer.decide.recommend import _explain, _Forecasts, _pct_change, actions
from optimizer.i18n import t
from optimizer.settings import Settings
from tests.recommend import reasons_by_row
from tests.recommend.reasons_by_row import _bid_dir, _budget_dir, _finite, _kept_paused, _spend_dir, reason_by_row


def _label_from_scratch(f: RowFacts, lang: str) -> str:
    """``action_label`` without its per-case memory: every word looked up for this row."""
    if _kept_paused(f):
        return t("reasons.label_kept_paused", lang=lang)
    if f.action in ("pause", "resume"):
        return t(f"reasons.label_{f.action}", lang=lang)
    budget, bid = _budget_dir(f), _bid_dir(f)
    if not budget and not bid:
        return t("reasons.label_hold", lang=lang)
    moves = []
    if budget:
        up = "up" if budget > 0 else "down"
        moves.append(
            t("reasons.move_first_cap" if not _finite(f.current_budget) else f"reasons.move_budget_{up}", lang=lang)
        )
    if bid:
        kind = "goal" if f.bid_type == "roi" else "bid"
        moves.append(t(f"reasons.move_{kind}_{'up' if f.bid > f.current_bid else 'down'}", lang=lang))
    word = {1: "more", -1: "less", 0: "flat"}[_spend_dir(f)]
    label = t(f"reasons.label_{word}", lang=lang, moves=t("reasons.list_sep", lang=lang).join(moves))
    return t("reasons.label_opposite", lang=lang, label=label) if budget and bid and budget != bid else label


def _pick(rng: np.random.Generator, n: int, values: list[float], share: float) -> np.ndarray:
    """``(n,)`` random values in ``[0.5, 2] * 1000``, a ``share`` of them replaced by one of ``values``."""
    out = rng.uniform(0.5, 2.0, n) * 1000
    special = rng.random(n) < share
    out[special] = rng.choice(values, special.sum())
    return out


def _rows(seed: int, n: int = 300):
    rng = np.random.default_rng(seed)
    bid_type = rng.choice(np.array(["cpa", "roi", "none"], dtype=object), n)
    status = rng.choice(np.array(["active", "paused", "learning"], dtype=object), n)
    current_budget = _pick(rng, n, [math.inf, math.nan, 0.0, 1000.0, 50.0], 0.3)
    budget = np.where(rng.random(n) < 0.3, current_budget, _pick(rng, n, [0.0, math.inf, 1000.0, 1000.004], 0.3))
    budget = np.where(np.isnan(budget), 800.0, budget)
    current_bid = np.where(bid_type == "none", math.nan, _pick(rng, n, [math.nan, 30.0, 3.0], 0.2) / 100)
    bid = np.where(
        bid_type == "none", math.nan, np.where(rng.random(n) < 0.3, current_bid, current_bid * rng.uniform(0.8, 1.2, n))
    )
    spend = np.where(budget > 0, _pick(rng, n, [0.0, 1000.0, math.nan], 0.2), 0.0)
    spend_now = np.where(status == "paused", 0.0, _pick(rng, n, [0.0, 1000.0, 1005.0], 0.3))
    roi = np.where(spend > 0.005, rng.uniform(0.5, 5, n), math.nan)
    marginal = _pick(rng, n, [math.nan, 2.1, 2.15, -0.5], 0.3) / 400
    censored = rng.random((n, 30)) < 0.3
    observed = (rng.random((n, 30)) < 0.8) & (rng.random((n, 1)) < 0.9)  # a tenth saw no day at all
    spend7 = np.where(rng.random(n) < 0.2, 0.0, rng.uniform(0, 5000, n))
    gmv7 = rng.uniform(0, 15000, n)
    history = SimpleNamespace(
        n=n,
        bid_type=bid_type,
        status=status,
        current_budget=current_budget,
        current_bid=current_bid,
        currency=rng.choice(np.array(["CNY", "", "USD"], dtype=object), n, p=[0.8, 0.1, 0.1]),
        capped_last=lambda days: (censored[:, -days:].sum(axis=1), observed[:, -days:].sum(axis=1)),
        last_days=lambda days: (spend7, gmv7),
    )
    model = SimpleNamespace(
        days=rng.integers(1, 60, n),
        thin=rng.random(n) < 0.2,
        pooling_weight=rng.random(n),
        bid_settling=rng.random(n) < 0.1,
        bid_locked=rng.random(n) < 0.1,
        predict=lambda b, bid_: SimpleNamespace(spend=spend_now[:, None]),
    )
    act = actions(bid_type, status, current_budget, budget, current_bid, bid)
    threshold = float(rng.choice([2.1, math.nan]))
    forecasts = _Forecasts(budget, bid, spend, roi, marginal, threshold)
    explored = None if seed % 2 else rng.random(n) < 0.1
    return history, model, act, forecasts, explored


def _one_by_one(h, model, settings: Settings, act, f: _Forecasts, explored, spend_now, lang: str):
    """Each row's facts from numpy scalars, its label from scratch, its reason."""
    budget_pct, bid_pct = _pct_change(f.budget, h.current_budget), _pct_change(f.bid, h.current_bid)
    limit = settings.review.auto_apply_max_change_pct
    capped7, seen7 = h.capped_last(7)
    spend7, gmv7 = h.last_days(7)
    first_cap = ~np.isfinite(h.current_budget) & np.isfinite(f.budget) & (f.budget > 0)
    out = []
    for i in range(h.n):
        a = act[i]
        why: list[tuple[str, dict]] = [(f"why_{a}", {})] if a in ("pause", "resume") else []
        if np.isfinite(budget_pct[i]) and budget_pct[i] > limit + 1e-9:
            why.append(("why_budget", {"pct": budget_pct[i], "limit": limit}))
        if np.isfinite(bid_pct[i]) and bid_pct[i] > limit + 1e-9:
            why.append(("why_bid", {"pct": bid_pct[i], "limit": limit}))
        if first_cap[i]:
            why.append(("why_first_cap", {}))
        if a != "hold" and model.thin[i]:
            why.append(("why_thin", {"days": int(model.days[i]), "pooled": float(model.pooling_weight[i])}))
        held = not (np.isfinite(bid_pct[i]) and bid_pct[i] > 0.05)
        note = "settling" if model.bid_settling[i] and held else "locked" if model.bid_locked[i] and held else None
        facts = RowFacts(
            a, str(h.bid_type[i]), h.status[i] == "paused",
            float(h.current_budget[i]) if np.isfinite(h.current_budget[i]) else math.inf,
            float(f.budget[i]), float(h.current_bid[i]), float(f.bid[i]), float(spend_now[i]), float(f.spend[i]),
            float(f.roi[i]), float(f.marginal_roi[i]), float(f.threshold), int(capped7[i]), int(seen7[i]) or 7,
            float(gmv7[i] / spend7[i]) if spend7[i] > 0 else math.nan, bool(explored is not None and explored[i]),
            note, settings.model.bid_settle_days, tuple(why), str(h.currency[i]) if h.currency[i] else "CNY",
        )  # fmt: skip
        out.append((_label_from_scratch(facts, lang), reason_by_row(facts, lang), "review" if why else "auto"))
    return out


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_column_wise_words_are_the_per_row_words(seed, lang, monkeypatch):
    monkeypatch.setenv("SPENDOPT_UI__LANGUAGE", lang)  # the environment wins over arguments
    h, model, act, f, explored = _rows(seed)
    settings = Settings()
    assert settings.ui.language == lang
    labels, reasons, decisions, spend_now = _explain(h, model, settings, act, f, explored)
    expected = _one_by_one(h, model, settings, act, f, explored, spend_now, lang)
    assert list(zip(labels, reasons, decisions, strict=True)) == expected
    assert len(set(labels)) > 5 and "review" in decisions and "auto" in decisions  # the rows cover many cases


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_money_of_a_column_is_the_money_of_each_amount(lang):
    """Amounts from 100 up are formatted as rounded integers: the same words as the float format, at the edges too."""
    edges = [0.0, -0.0, 0.004, 99.994, 99.995, 99.5, 100.0, 100.5, 101.5, -100.5, 2.5e6 + 0.5, 2.0**53 - 1, 2.0**53]
    amounts = np.array([*edges, 1e17, -250.49, 12.5, math.inf, -math.inf, math.nan] * 3)
    currency = np.array(["CNY"] * 19 + ["USD"] * 19 + ["HKD"] * 19, dtype=object)
    rows = np.arange(len(amounts))[::-1]  # any rows, in any order
    worded = reasons._money(amounts, currency, lang)(rows)
    assert worded == [reasons_by_row._money(float(amounts[i]), lang, currency[i]) for i in rows]


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_ratios_of_a_column_are_the_ratios_of_each_value(lang):
    """A column of one value (the account threshold) is formatted once; -0.0 keeps its sign, NaN is n/a."""
    for column in ([2.1] * 4, [-0.0, 0.0, -0.0], [-0.0] * 3, [math.nan] * 2, [1.005, math.inf, 3.0]):
        values = np.array(column)
        worded = reasons._ratio(values, lang)(np.arange(len(values)))
        assert worded == [reasons_by_row._ratio(v, lang) for v in column]
