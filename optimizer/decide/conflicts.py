"""Guardrails that cannot all hold: the best plan that keeps the hard rules and comes closest to the rest.

An account is never left unmanaged because its guardrails conflict. The hard
rules always hold: the budget and bid steps, the minimum budget, the total
(``budget.total_daily``) and the platform's rules (they are in the candidates
and the total row). The soft ones, ``objective.roi_floor``,
``channel[c].max_share`` and ``channel[c].min_share``, are kept in the order of
``objective.guardrail_priority`` (first = kept longest). When the solver names
a conflict (``InfeasibleError``), the lowest-priority soft kind among the named
guardrails is relaxed by the least that makes the plan feasible::

    roi_floor  F  ->  F (1 - s)
    min_share  lo ->  lo (1 - s)              (the named channels only)
    max_share  hi ->  hi + s (1 - hi)         (the named channels only)

with ``s in (0, 1]`` the smallest feasible share found by bisection
(``BISECTIONS`` solves); if even ``s = 1`` conflicts, that kind stays fully
relaxed and the next one is relaxed the same way. Each relaxation is a
``Conflict`` that the plan states (first line of the command's output, the
report, and the reason of every row it affects).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from optimizer.errors import InfeasibleError

if TYPE_CHECKING:
    from optimizer.settings import Settings

__all__ = ["BISECTIONS", "SOFT_GUARDRAILS", "Conflict", "solve_closest"]

SOFT_GUARDRAILS = ("objective.roi_floor", "channel.max_share", "channel.min_share")
BISECTIONS = 7


@dataclass(frozen=True)
class Conflict:
    """One soft guardrail the plan could not keep: its configured and its planned value."""

    guardrail: str  # e.g. "objective.roi_floor" or "channel[qianchuan.search].min_share"
    channel: str | None  # the channel whose rows it affects (None: every row)
    configured: float
    planned: float
    explanation: str  # why the solver could not keep it as configured

    @property
    def message(self) -> str:
        """One sentence in the current language (``optimizer.i18n``)."""
        from optimizer.i18n import t

        return t(
            "decisions.conflict",
            guardrail=self.guardrail,
            configured=self.configured,
            planned=self.planned,
            why=self.explanation,
        )


def _kind(name: str) -> str | None:
    if name == "objective.roi_floor":
        return name
    if name.startswith("channel[") and name.endswith("].max_share"):
        return "channel.max_share"
    if name.startswith("channel[") and name.endswith("].min_share"):
        return "channel.min_share"
    return None


def _channel(name: str) -> str:
    return name[len("channel[") : name.rindex("]")]


def _relaxed(settings: Settings, kind: str, channels: set[str], s: float) -> Settings:
    if kind == "objective.roi_floor":
        objective = settings.objective.model_copy(update={"roi_floor": settings.objective.roi_floor * (1 - s)})
        return settings.model_copy(update={"objective": objective})
    out = []
    for ch in settings.channel:
        if ch.name in channels and kind == "channel.min_share":
            ch = ch.model_copy(update={"min_share": ch.min_share * (1 - s)})
        elif ch.name in channels and kind == "channel.max_share":
            ch = ch.model_copy(update={"max_share": ch.max_share + s * (1 - ch.max_share)})
        out.append(ch)
    return settings.model_copy(update={"channel": out})


def _value(settings: Settings, kind: str, channel: str | None) -> float:
    if kind == "objective.roi_floor":
        return settings.objective.roi_floor
    ch = next(c for c in settings.channel if c.name == channel)
    return ch.min_share if kind == "channel.min_share" else ch.max_share


A = TypeVar("A")


def solve_closest(solve: Callable[[Settings], A], settings: Settings) -> tuple[A, tuple[Conflict, ...], Settings]:
    """``solve(settings)``, or on a conflict of soft guardrails the closest feasible plan.

    Returns ``(allocation, conflicts, planned settings)``: what was relaxed and
    the settings the plan keeps (``settings`` itself when nothing conflicts).

    Re-raises the ``InfeasibleError`` when the hard rules alone conflict (no soft
    guardrail named, or every named one already relaxed).
    """
    try:
        return solve(settings), (), settings
    except InfeasibleError as exc:
        error = exc
    priority: list[str] = list(settings.objective.guardrail_priority)
    current, conflicts, tried = settings, [], set[str]()
    while True:
        kind_of = {n: k for n in error.guardrails if (k := _kind(n)) is not None}
        named = list(kind_of)
        kinds = sorted(set(kind_of.values()) - tried, key=lambda k: -priority.index(k))
        if not kinds:
            raise error
        kind = kinds[0]
        tried.add(kind)
        channels = {_channel(n) for n in named if kind_of[n] == kind and n.startswith("channel[")}
        s, result = _smallest_relaxation(solve, current, kind, channels)
        relaxed = _relaxed(current, kind, channels, s)
        targets: list[str | None] = [*sorted(channels)] or [None]
        for ch in targets:
            name = kind if ch is None else f"channel[{ch}].{kind.split('.', 1)[1]}"
            conflicts.append(
                Conflict(name, ch, _value(settings, kind, ch), _value(relaxed, kind, ch), error.explanation)
            )
        current = relaxed
        if result is not None:
            return result, tuple(conflicts), current
        try:
            return solve(current), tuple(conflicts), current
        except InfeasibleError as exc:
            error = exc


def _smallest_relaxation(
    solve: Callable[[Settings], A], settings: Settings, kind: str, channels: set[str]
) -> tuple[float, A | None]:
    """``(s, allocation)`` for the smallest feasible ``s`` found; ``(1.0, None)`` when ``s = 1`` conflicts too."""
    try:
        best = solve(_relaxed(settings, kind, channels, 1.0))
    except InfeasibleError:
        return 1.0, None
    lo, hi = 0.0, 1.0
    for _ in range(BISECTIONS):
        mid = 0.5 * (lo + hi)
        try:
            best = solve(_relaxed(settings, kind, channels, mid))
            hi = mid
        except InfeasibleError:
            lo = mid
    return hi, best  # ``best`` is the solve at ``hi``: ``hi`` moves only on a feasible solve
