"""What a person reads, in their language: ``t(key, **fields)``.

The API (everyone uses it for every sentence, label and heading a person reads)::

    from optimizer.i18n import t, use_language

    t("cli.imported_rows", rows=1200)          # in the current language (default zh-CN)
    t("cli.imported_rows", lang="en", rows=1200)
    with use_language(settings.ui.language):   # the CLI does this once per command
        ...

* ``LANGUAGES = ("zh-CN", "en")``; ``DEFAULT_LANGUAGE = "zh-CN"`` (``[ui] language``).
* A key is ``<catalog>.<name>``. The catalog is the module ``optimizer/i18n/<catalog>.py``,
  loaded on first use; it holds ``CATALOG = {name: {"zh-CN": ..., "en": ...}}``. Keep one
  catalog per area (``cli``, ``reasons``, ``report``, ``review``, ``files``, ``simulate``...)
  so engineers do not edit one file at once; ``tests/i18n`` checks that every entry has both
  languages with the same ``{fields}``.
* Texts are ``str.format`` templates: ``{budget:,.0f}``, ``{pct:.0f}`` work. Callers pass
  numbers, not pre-formatted strings, where a unit or precision belongs to the sentence.
* An unknown key or a missing field raises ``KeyError`` (a typo must fail a test, not show
  a key to a user).
* The current language lives in a ``contextvars.ContextVar`` (per thread/task, never global
  state shared across runs): ``use_language`` sets it for a block and restores it after.
  Library code that has a ``Settings`` passes ``lang=settings.ui.language`` explicitly.
* ``problem_text(problem)`` renders a ``connectors.errors.Problem``: connectors cannot import
  the optimizer, so a Problem may carry ``key`` (in the ``files`` catalog) and ``fields``;
  without a key its English ``message`` is shown as it is.
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib
import itertools
import re
import string
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from connectors.errors import Problem

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "Language",
    "WordedError",
    "catalog",
    "command_language",
    "current_language",
    "input_error_text",
    "keyed_problem",
    "problem_text",
    "set_command_language",
    "t",
    "t_rows",
    "use_language",
]

Language = Literal["zh-CN", "en"]
LANGUAGES: tuple[str, ...] = ("zh-CN", "en")
DEFAULT_LANGUAGE: Language = "zh-CN"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("spendopt_language", default=DEFAULT_LANGUAGE)
_catalogs: dict[str, Mapping[str, Mapping[str, str]]] = {}
_templates: dict[tuple[str, str], str] = {}  # (key, language) -> template: ``t`` looks each up once
_positional: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {}  # the same, fields numbered: ``t_rows``'s


def catalog(name: str) -> Mapping[str, Mapping[str, str]]:
    """The entries of ``optimizer/i18n/<name>.py`` (``KeyError`` if there is no such catalog)."""
    if name not in _catalogs:
        if not name.isidentifier():
            raise KeyError(f"no message catalog {name!r}")
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError:
            raise KeyError(f"no message catalog {name!r} (optimizer/i18n/{name}.py)") from None
        _catalogs[name] = module.CATALOG
    return _catalogs[name]


def current_language() -> str:
    """The language ``t`` uses when not told: set by ``use_language``, default zh-CN."""
    return _current.get()


@contextlib.contextmanager
def use_language(lang: str | None) -> Iterator[str]:
    """Within the block ``t`` speaks ``lang`` (``None`` = leave it as it is)."""
    if lang is None:
        yield _current.get()
        return
    _check(lang)
    token = _current.set(lang)
    try:
        yield lang
    finally:
        _current.reset(token)


def t(key: str, /, *, lang: str | None = None, **fields: Any) -> str:
    """The text of ``key`` in ``lang`` (default: the current language) with ``fields`` filled in."""
    lang = lang or _current.get()
    template = _templates.get((key, lang))
    if template is None:
        template = _templates[key, lang] = _template(key, lang)
    return template.format(**fields) if fields or "{" in template else template


def t_rows(key: str, /, *, lang: str | None = None, rows: int, **fields: Any) -> list[str]:
    """``t(key, **fields)`` for ``rows`` rows at once: each field a list (or tuple) of one value per row, one
    value for every row, or a function giving the list, called only if the text uses the field.

    What ``t`` gives row by row, without a dict and a call per row: the template is
    numbered once (``{pct:.0f}`` -> ``{0:.0f}``) and ``str.format`` is mapped over the
    columns, so whole groups of reasons are worded at C speed.
    """
    lang = lang or _current.get()
    numbered = _positional.get((key, lang))
    if numbered is None:
        numbered = _positional[key, lang] = _numbered(_template(key, lang))
    text, names = numbered
    if not names:
        return [text.format()] * rows
    given = {name: v() if callable(v := fields[name]) else v for name in set(names)}  # each field made once
    columns = [v if isinstance(v, list | tuple) else itertools.repeat(v, rows) for v in map(given.__getitem__, names)]
    return list(map(text.format, *columns))


def _numbered(template: str) -> tuple[str, tuple[str, ...]]:
    """``template`` with its fields numbered in order of appearance, and their names."""
    parts: list[str] = []
    names: list[str] = []
    for literal, field, spec, conversion in string.Formatter().parse(template):
        parts.append(literal.replace("{", "{{").replace("}", "}}"))
        if field is None:
            continue
        if "{" in (spec or ""):
            raise ValueError(f"t_rows cannot fill a nested field in {template!r}")
        name = re.match(r"[^.\[]*", field).group()  # type: ignore[union-attr]  # it matches any string
        rest = field[len(name) :] + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
        parts.append(f"{{{len(names)}{rest}}}")
        names.append(name)
    return "".join(parts), tuple(names)


def _template(key: str, lang: str) -> str:
    """The template of ``key`` in ``lang`` (``KeyError`` for an unknown language, catalog or key)."""
    _check(lang)
    area, _, name = key.partition(".")
    entries = catalog(area)
    if name not in entries:
        raise KeyError(f"no message {key!r} in optimizer/i18n/{area}.py")
    return entries[name][lang]


def fields_of(template: str) -> set[str]:
    """The ``{field}`` names a template uses (for the catalog consistency test)."""
    return {f.split(".")[0].split("[")[0] for _, f, _, _ in string.Formatter().parse(template) if f}


def keyed_problem(
    file: str, key: str, /, *, row: int | None = None, column: str | None = None, **fields: Any
) -> Problem:
    """A ``Problem`` worded by ``key``: English in ``str()``, the user's language through ``problem_text``."""
    from connectors.errors import Problem

    message = t(key, lang="en", **fields)
    return Problem(file, message, row=row, column=column, key=key, fields=fields)


class WordedError(ValueError):
    """A ``ValueError`` worded by a catalog ``key``: English in ``str()``; ``settings_check`` rewords it by
    ``key`` and ``fields`` in the reader's language."""

    def __init__(self, key: str, /, **fields: Any) -> None:
        self.key, self.fields = key, fields
        super().__init__(t(key, lang="en", **fields))


def problem_text(problem: Problem, *, lang: str | None = None) -> str:
    """``file:row:column: message`` with the message in ``lang`` when the problem has a key."""
    key = getattr(problem, "key", None)
    if not key:
        return str(problem)
    message = t(key, lang=lang, **dict(getattr(problem, "fields", None) or {}))
    return f"{problem.where}: {message}"


def _check(lang: str) -> None:
    if lang not in LANGUAGES:
        raise KeyError(f"unknown language {lang!r} (known: {', '.join(LANGUAGES)})")


def input_error_text(error: Any, *, lang: str | None = None) -> str:
    """An ``InputError``'s problems, one per line, in ``lang``."""
    lines = [problem_text(p, lang=lang) for p in error.problems]
    if error.more:
        lines.append(t("cli.more_problems", lang=lang, more=error.more))
    return "\n".join(lines)


@contextlib.contextmanager
def command_language() -> Iterator[None]:
    """The scope of one CLI command: ``set_command_language`` inside it lasts until the block ends."""
    start = _current.get()
    try:
        yield
    finally:
        _current.set(start)


def set_command_language(lang: str) -> None:
    """Speak ``lang`` for the rest of the current command (the CLI calls it once the settings are read)."""
    _check(lang)
    _current.set(lang)
