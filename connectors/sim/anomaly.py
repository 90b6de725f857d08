"""Injected anomalies: the simulated platform misbehaving on purpose, to test alerts.

A scenario's ``[[anomaly]]`` rows (``Scenario.anomaly``) each break one campaign
from day ``start_day`` for ``days`` days, starting at ``at`` (0-1) of the first
day and from the start of the later ones:

=============  =====================================================================
kind           effect
=============  =====================================================================
``conversion`` GMV and orders times ``factor`` (0.5: conversion halves)
``stop``       no delivery after ``at`` (the plan silently stops spending)
``pacing``     spend accrues ``factor`` times faster after ``at`` (3: pacing
               triples), until the budget runs out
``runaway``    a 全域-style plan: spend accrues ``factor`` times faster and ROI is
               times ``roi_factor`` (spend up, ROI under target)
=============  =====================================================================

``effects(anomalies, index, t)`` turns the rows active on day ``t`` into
per-campaign multipliers, plus each campaign's intraday clock ``g(f)``: the
share of a normal day's spend accrued by fraction ``f`` of the day (``f`` for a
normal campaign). ``injected(outcome, effects, budget)`` applies them to the
day the market family realised, whatever the family: spend times the day's
average rate (never over the budget), GMV and orders with it (GMV ~
spend^0.7 when spend rises, in proportion when it falls), times the ROI and
conversion factors.
Tests and benchmarks only: a real account has no such table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AnomalySpec", "DayEffects", "effects", "injected"]


class AnomalySpec(BaseModel):
    """One injected anomaly (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["conversion", "stop", "pacing", "runaway"]
    campaign_id: str = Field(min_length=1)
    start_day: int = Field(description="simulated day it starts (0 = first simulated day)")
    days: int = Field(1, ge=1, le=400)
    at: float = Field(0.0, ge=0, lt=1, description="fraction of the first day at which it starts")
    factor: float | None = Field(None, ge=0, le=20, description="default: 0.5 conversion, 3 pacing, 2.5 runaway")
    roi_factor: float = Field(0.4, gt=0, le=1, description="runaway only: ROI multiplier")

    @property
    def strength(self) -> float:
        if self.factor is not None:
            return self.factor
        return {"conversion": 0.5, "stop": 0.0, "pacing": 3.0, "runaway": 2.5}[self.kind]

    def onset(self, t: int) -> float | None:
        """Fraction of day ``t`` at which the anomaly is in force (None: not on ``t``)."""
        if not self.start_day <= t < self.start_day + self.days:
            return None
        return self.at if t == self.start_day else 0.0


@dataclass(frozen=True)
class DayEffects:
    """Per-campaign multipliers for one day (``(n,)`` arrays) and the intraday clock."""

    demand: np.ndarray  # the day's demand times this (the whole-day average rate)
    roi: np.ndarray
    conversion: np.ndarray  # GMV and orders times this
    onset: np.ndarray  # fraction of the day the anomaly starts (1 = none today)
    rate: np.ndarray  # spend rate after the onset, relative to normal

    @property
    def any(self) -> bool:
        return bool(np.any(self.onset < 1))

    def clock(self, fraction: float) -> np.ndarray:
        """``g(f)``: share of a normal day's spend accrued by ``fraction``."""
        before = np.minimum(fraction, self.onset)
        return before + self.rate * np.maximum(fraction - self.onset, 0.0)


def effects(anomalies: Sequence[AnomalySpec], index: Mapping[str, int], t: int) -> DayEffects:
    """The ``DayEffects`` of the anomalies active on day ``t`` (``index``: campaign id -> position)."""
    n = len(index)
    demand, roi, conversion = np.ones(n), np.ones(n), np.ones(n)
    onset, rate = np.ones(n), np.ones(n)
    for a in anomalies:
        start = a.onset(t)
        if start is None or a.campaign_id not in index:
            continue
        i = index[a.campaign_id]
        if a.kind == "conversion":
            conversion[i] *= a.strength
            continue
        onset[i], rate[i] = start, a.strength
        demand[i] = start + a.strength * (1 - start)
        if a.kind == "runaway":
            roi[i] *= a.roi_factor
    return DayEffects(demand, roi, conversion, onset, rate)


def injected(outcome: dict[str, np.ndarray], fx: DayEffects, budget: np.ndarray) -> dict[str, np.ndarray]:
    """The day's outcome with ``fx`` applied (see the module docstring); the input is not changed."""
    out = dict(outcome)
    spend = np.asarray(outcome["spend"], dtype=float)
    new_spend = np.round(np.minimum(spend * fx.demand, np.where(budget > 0, budget, 0.0)), 2)
    new_spend = np.where(fx.onset < 1, new_spend, spend)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(spend > 0, new_spend / spend, 0.0)
    gmv_ratio = np.where(ratio > 1, ratio**0.7, ratio) * fx.roi * fx.conversion
    out["spend"] = new_spend
    out["gmv"] = np.where(new_spend > 0, np.round(np.asarray(outcome["gmv"], dtype=float) * gmv_ratio, 2), 0.0)
    for key, scale in (("orders", gmv_ratio), ("impressions", ratio), ("clicks", ratio)):
        if key in outcome:
            out[key] = np.round(np.asarray(outcome[key], dtype=float) * scale).astype(np.int64)
    return out
