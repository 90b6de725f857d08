"""What a notification carries, and how many of them share one chat message.

A ``Notice`` is one thing to tell the team (an alert, the morning summary, a
failed run). Chat bots take few messages a minute, so notices are packed into
*digests*: as many notices per message as the service's size limit allows, in
the order they were raised, none left out. A notice too large for one message
on its own is cut to fit, with a mark that it was cut.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["LEVELS", "Level", "Notice", "digest_title", "pack", "text_of"]

Level = Literal["info", "warning", "critical"]
LEVELS: tuple[Level, ...] = ("info", "warning", "critical")


def words(language: str) -> dict[str, str]:
    """The notify wording in ``language`` (the ``notify`` catalog of ``optimizer.i18n``)."""
    from optimizer.i18n import LANGUAGES, t

    lang = language if language in LANGUAGES else "zh-CN"
    return {key: t(f"notify.{key}", lang=lang, n="{n}") for key in ("digest", "info", "warning", "critical", "cut")}


class Notice(BaseModel):
    """One thing to tell the team; ``key`` names it (an alert id, a run id) so a sender can say what arrived."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(min_length=1, description="what this notice is about, unique among those sent together")
    level: Level = "warning"
    title: str = Field(min_length=1, description="one line")
    lines: tuple[str, ...] = Field((), description="details, one per line (light markdown: **bold** only)")


def digest_title(notices: Sequence[Notice], language: str) -> str:
    """One notice: its own title; several: how many, led by the worst level."""
    if len(notices) == 1:
        return notices[0].title
    w = words(language)
    worst = max(notices, key=lambda n: LEVELS.index(n.level)).level
    return f"[{w[worst]}] " + w["digest"].format(n=len(notices))


def text_of(notice: Notice, language: str, *, bullet: str = "- ") -> str:
    """A notice as markdown-ish lines: a bold title then its details."""
    w = words(language)
    head = f"**[{w[notice.level]}] {notice.title}**"
    return "\n".join([head, *(f"{bullet}{line}" for line in notice.lines)])


def _cut(notice: Notice, fits: Callable[[list[Notice]], bool], language: str) -> Notice:
    """``notice`` with its lines (then its title) shortened until it fits a message alone."""
    mark = words(language)["cut"]
    lines = list(notice.lines)
    while lines:
        lines.pop()
        candidate = notice.model_copy(update={"lines": (*lines, mark)})
        if fits([candidate]):
            return candidate
    title = notice.title
    while len(title) > 1:
        title = title[: len(title) // 2]
        candidate = notice.model_copy(update={"title": title + "…", "lines": (mark,)})
        if fits([candidate]):
            return candidate
    raise ValueError("a notice cannot fit the service's message size even when cut")


def pack(notices: Sequence[Notice], fits: Callable[[list[Notice]], bool], language: str) -> list[list[Notice]]:
    """Split ``notices`` (in order) into the fewest consecutive digests that each ``fits``; none dropped."""
    out: list[list[Notice]] = []
    current: list[Notice] = []
    for notice in notices:
        if fits([*current, notice]):
            current.append(notice)
            continue
        if current:
            out.append(current)
        current = [notice] if fits([notice]) else [_cut(notice, fits, language)]
    if current:
        out.append(current)
    return out
