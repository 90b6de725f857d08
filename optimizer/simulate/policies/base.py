"""What a dry-run policy is: ``decide(day, campaigns, history, settings) -> changes``.

``day`` is the platform's current day; ``campaigns`` its ``CampaignState`` list;
``history`` a pandas frame of the daily stats as reported this morning
(columns of ``optimizer.store.stats.FRAME_COLUMNS``; ``spend``/``gmv`` floats
with 2 decimals, recent days still maturing); ``settings`` the guardrails.
``PolicyContext`` carries what a policy may know besides the data: the
platform rules and, for the oracle only, the ground truth. The registry of
named policies is ``optimizer.simulate.policies``; the guardrail arithmetic they
share is ``optimizer.decide.guardrails``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from connectors.base import CampaignState, Change
from connectors.rules import PlatformRules

if TYPE_CHECKING:
    import pandas as pd

    from optimizer.model.response import ResponseModel
    from optimizer.settings import Settings

__all__ = ["Policy", "PolicyContext", "PolicyFactory"]


@runtime_checkable
class Policy(Protocol):
    """Decides the day's changes; see the module docstring."""

    name: str

    def decide(
        self, day: dt.date, campaigns: Sequence[CampaignState], history: pd.DataFrame, settings: Settings
    ) -> list[Change]: ...


@dataclass(frozen=True)
class PolicyContext:
    """What a policy may know besides the data.

    ``truth(day)`` returns the ground-truth ``ResponseModel`` for the platform's
    current day; only the oracle may use it. ``None`` outside a simulation.
    """

    rules: PlatformRules = field(default_factory=PlatformRules)
    truth: Callable[[dt.date], ResponseModel] | None = None
    seed: int = 0


PolicyFactory = Callable[[PolicyContext], Policy]
