"""Shared by the report tests: a small run fitted and recommended, and a spy on the curves chart."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

import optimizer.report
from optimizer.decide.recommend import recommend
from optimizer.model.features import build_history
from optimizer.model.fit import fit
from optimizer.settings import Settings


def recommended_run(frame: pd.DataFrame) -> tuple[Any, Any, pd.DataFrame]:
    """``(history, model, rows)`` of ``frame`` (daily stats) with every budget 10 % up, for 2026-11-21."""
    settings = Settings()
    history = build_history(frame, settings.model)
    model = fit(history, settings.model)
    budget = np.round(history.current_budget * 1.1, 2)
    rows = recommend(
        history, model, budget, history.current_bid, settings, run_id="r", effective_date=dt.date(2026, 11, 21)
    )
    return history, model, rows


def spy_on_curves(monkeypatch) -> list[tuple[int, Any]]:
    """``(top_n, face)`` of every curves chart ``write_report`` draws from now on (it still draws them)."""
    seen: list[tuple[int, Any]] = []
    draw = optimizer.report._curves

    def spy(history, model, frame, path, top_n, face):
        seen.append((top_n, face))
        return draw(history, model, frame, path, top_n, face)

    monkeypatch.setattr(optimizer.report, "_curves", spy)
    return seen
