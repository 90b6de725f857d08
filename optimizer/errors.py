"""Errors the optimizer raises on purpose, grouped by what the caller should do.

::

    SpendoptError                 (connectors.errors) root of every deliberate error
    └── OptimizerError            the optimizer could not produce an answer
        └── InfeasibleError       the guardrails contradict each other: no allocation
                                  satisfies them all. A person must loosen one of the
                                  named guardrails; retrying cannot help.

Messages are built in ``__init__`` so every raise site reads the same.
"""

from __future__ import annotations

from collections.abc import Sequence

from connectors.errors import SpendoptError

__all__ = ["InfeasibleError", "OptimizerError"]


class OptimizerError(SpendoptError):
    """The optimizer could not produce an allocation."""


class InfeasibleError(OptimizerError):
    """No allocation satisfies every guardrail.

    ``guardrails`` names the conflicting settings (``budget.total_daily``,
    ``objective.roi_floor``, ``channel[qianchuan.live].min_share``,
    ``budget.max_change_pct``, ``locked campaigns``, ...) so that a person knows
    which to loosen; ``explanation`` says why in plain words.
    """

    exit_code = 3

    def __init__(self, guardrails: Sequence[str], explanation: str) -> None:
        self.guardrails = tuple(guardrails)
        self.explanation = explanation
        names = ", ".join(self.guardrails) if self.guardrails else "(unknown)"
        super().__init__(f"the guardrails conflict ({names}): {explanation}")
