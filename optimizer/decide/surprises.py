"""Guardrails that are obeyed but would surprise the person who set them, said out loud.

Two settings can do what they say and still empty an account:

* a total (``budget.total_daily``) below what today's live budgets can reach by
  steps alone, ``(1 - budget.max_change_pct) x`` today's total: the plan must
  pause campaigns to meet it;
* a floor (``objective.roi_floor``) that no live campaign's forecast ROI at
  today's budget and bid reaches: every campaign the floor holds back is paused.

``surprises`` returns one sentence for each (the CLI prints them on its first
line, the report opens with them). ``check_channel_names`` refuses a
``[[channel]]`` whose name matches no campaign of the account: a typo there
would otherwise steer nothing, or ask a share of an empty channel.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from connectors.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from optimizer.decide.solve import Allocation
    from optimizer.model.features import History
    from optimizer.model.response import ResponseModel
    from optimizer.settings import Settings

__all__ = ["check_channel_names", "surprises"]


def check_channel_names(settings: Settings, channels: Iterable[str]) -> None:
    """Raise ``InputError`` (exit 2) naming each ``[[channel]]`` no campaign belongs to."""
    from optimizer.i18n import keyed_problem

    present = sorted({str(c) for c in channels})
    problems = [
        keyed_problem(
            settings.source,
            "decisions.channel_unknown",
            column=f"channel[{ch.name}].name",
            name=ch.name,
            known=", ".join(present) or "-",
        )
        for ch in settings.channel
        if ch.name not in present
    ]
    if problems:
        raise InputError(problems)


def surprises(
    history: History, model: ResponseModel, states: pd.DataFrame, allocation: Allocation, settings: Settings
) -> tuple[str, ...]:
    """The sentences for a total far below today's and a floor no campaign meets (see the module docstring)."""
    import numpy as np

    from optimizer.i18n import t

    budget = states["budget"].to_numpy(dtype=float, na_value=np.nan)
    live = (states["status"].astype(str).to_numpy() != "paused") & np.isfinite(budget) & (budget > 0)
    if not live.any():
        return ()
    after = allocation.table["budget"].to_numpy(dtype=float, na_value=np.nan)
    paused = int((live & (after == 0)).sum())
    out = []
    today = float(budget[live].sum())
    total = settings.budget.total_daily
    step = settings.budget.max_change_pct / 100
    if total is not None and float(total) < (1 - step) * today:
        out.append(
            t(
                "decisions.total_far_below",
                total=float(total),
                today=today,
                share=float(total) / today,
                step=settings.budget.max_change_pct,
                paused=paused,
            )
        )
    floor = settings.objective.roi_floor
    if floor and floor > 0:
        bid = states["bid"].to_numpy(dtype=float, na_value=np.nan)
        forecast = model.predict(np.where(live, budget, 0.0)[:, None], bid[:, None])
        spend, gmv = forecast.spend[:, 0], forecast.gmv[:, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            roi = np.where(live & (spend > 0), gmv / spend, np.nan)
        if np.isfinite(roi).any() and np.nanmax(roi) < floor:
            best = int(np.nanargmax(roi))
            out.append(
                t(
                    "decisions.floor_none_meets",
                    floor=floor,
                    best=float(roi[best]),
                    campaign=str(history.campaign_name[best]),
                    paused=paused,
                )
            )
    return tuple(out)
