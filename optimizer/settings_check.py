"""Checks of the settings: what a config file may not hold, and validation errors as ``Problem``s.

* ``refused_in_file(data, source)``: in the TOML file itself, ``true``/``false``
  where a number is expected (``max_change_pct = true`` would load as 1.0) and
  any secret (``app_secret``, access and refresh tokens, keys, passwords): each
  refused naming the file, the key, and the expected type or the environment
  variable to use instead.
* ``problems(exc, source, data)``: a pydantic ``ValidationError`` as one
  ``Problem`` per key, naming the key and the allowed range.
"""

from __future__ import annotations

import re
import types
import typing
from decimal import Decimal
from typing import Any

import annotated_types
from pydantic import BaseModel, ValidationError

from connectors.errors import Problem
from optimizer.i18n import WordedError, keyed_problem

__all__ = ["allowed_range", "key_name", "problems", "refused_in_file"]

_SECRET_KEY = re.compile(r"secret|password|passwd|(^|_)token$|access_token|refresh_token|api_key|private_key", re.I)
_NOT_SECRET = {"token_file"}
_SECRET_ENV = {
    ("qianchuan", "app_secret"): "SPENDOPT_QIANCHUAN_APP_SECRET",
    ("qianchuan", "secret"): "SPENDOPT_QIANCHUAN_APP_SECRET",
    ("", "secret_key"): "SPENDOPT_SECRET_KEY",
}


def _settings_model() -> type[BaseModel]:
    from optimizer.settings import Settings

    return Settings


def _numeric(annotation: Any) -> bool:
    """A number type (int, float, Decimal), optional or in a tuple of numbers; ``bool`` is not a number here."""
    if annotation in (int, float, Decimal):
        return True
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, tuple):
        args = [a for a in typing.get_args(annotation) if a is not type(None) and a is not Ellipsis]
        return bool(args) and all(_numeric(a) for a in args)
    return False


def _model_of(annotation: Any) -> type[BaseModel] | None:
    for a in (annotation, *typing.get_args(annotation)):
        if isinstance(a, type) and issubclass(a, BaseModel):
            return a
    return None


def _bool_key(annotation: Any) -> str:
    """The message for true/false where this number type is expected."""
    if annotation is int or (typing.get_args(annotation) and int in typing.get_args(annotation)):
        return "config.bool_for_whole"
    return "config.bool_for_list" if typing.get_origin(annotation) is tuple else "config.bool_for_number"


def _secret_env(section: str, key: str) -> str | None:
    """The environment variable that holds this secret (``None``: tokens, which come from ``connect``)."""
    if key.lower() in ("access_token", "refresh_token"):
        return None
    env = _SECRET_ENV.get((section, key.lower())) or _SECRET_ENV.get(("", key.lower()))
    if env is None and section == "notify":  # the bots' variables: SPENDOPT_NOTIFY_FEISHU_SECRET, ...
        env = "SPENDOPT_NOTIFY_" + key.upper()
    if env is None:
        env = "SPENDOPT_" + (f"{section.upper()}__" if section else "") + key.upper()
    return env


def refused_in_file(data: dict[str, Any], source: str) -> list[Problem]:
    """Booleans where numbers are expected, and secrets, in a config file's ``data``."""
    found: list[Problem] = []

    def walk(model: type[BaseModel] | None, values: dict[str, Any], path: tuple[Any, ...]) -> None:
        fields = model.model_fields if model is not None else {}
        for key, value in values.items():
            loc = (*path, key)
            section = str(path[0]) if path else ""
            if key not in _NOT_SECRET and _SECRET_KEY.search(str(key)) and not isinstance(value, dict):
                env = _secret_env(section, key)
                if env is None:
                    found.append(keyed_problem(source, "config.secret_tokens", key=key_name(loc)))
                else:
                    found.append(keyed_problem(source, "config.secret_env", key=key_name(loc), env=env))
                continue
            field = fields.get(key)
            annotation = field.annotation if field is not None else None
            sub = _model_of(annotation) if annotation is not None else None
            if isinstance(value, dict):
                walk(sub, value, loc)
            elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                for n, item in enumerate(value):
                    walk(sub, item, (*loc, n))
            elif annotation is not None and _numeric(annotation):
                items = value if isinstance(value, list) else [value]
                if any(isinstance(v, bool) for v in items):
                    shown = str(value).lower() if isinstance(value, bool) else repr(value)
                    found.append(keyed_problem(source, _bool_key(annotation), key=key_name(loc), shown=shown))

    walk(_settings_model(), data, ())
    return found


def key_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if not parts:
        return "(top level)"
    if len(parts) == 1:
        return parts[0]
    if parts[0] == "channel" and len(parts) >= 2 and parts[1].isdigit():
        rest = ".".join(parts[2:])
        return f"[[channel]] #{int(parts[1]) + 1}" + (f" {rest}" if rest else "")
    return f"[{parts[0]}] {'.'.join(parts[1:])}"


def allowed_range(loc: tuple[Any, ...]) -> str | None:
    model: Any = _settings_model()
    field = None
    for part in loc:
        if isinstance(part, int) or (isinstance(part, str) and part.isdigit()):
            continue
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return None
        field = fields[part]
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        model = next((a for a in (annotation, *args) if isinstance(a, type) and issubclass(a, BaseModel)), None)
    if field is None:
        return None
    kinds = {"ge": annotated_types.Ge, "gt": annotated_types.Gt, "le": annotated_types.Le, "lt": annotated_types.Lt}
    bounds = {
        name: getattr(meta, name) for meta in field.metadata for name, kind in kinds.items() if isinstance(meta, kind)
    }
    return _range_words(bounds)


_BOUND = {"ge": "{} <=", "gt": "{} <", "le": "<= {}", "lt": "< {}"}


def _range_words(bounds: dict[str, Any]) -> str | None:
    """``0 <= value <= 100`` from bounds named ``ge``, ``gt``, ``le``, ``lt`` (``None`` without any)."""
    low = next((_BOUND[k].format(v) for k, v in bounds.items() if k in ("ge", "gt")), None)
    high = next((_BOUND[k].format(v) for k, v in bounds.items() if k in ("le", "lt")), None)
    if low is None and high is None:
        return None
    return " ".join(p for p in (low, "value", high) if p)


_TYPE_KEYS = {
    "int_parsing": "config.not_whole",
    "int_type": "config.not_whole",
    "int_from_float": "config.not_whole",
    "float_parsing": "config.not_number",
    "float_type": "config.not_number",
    "decimal_parsing": "config.not_number",
    "decimal_type": "config.not_number",
    "bool_parsing": "config.not_bool",
    "bool_type": "config.not_bool",
    "string_type": "config.not_text",
    "list_type": "config.not_list",
    "tuple_type": "config.not_list",
}
_BOUNDS = {"greater_than_equal": "ge", "greater_than": "gt", "less_than_equal": "le", "less_than": "lt"}


def problems(exc: ValidationError, source: str, data: dict[str, Any]) -> list[Problem]:
    """One ``Problem`` per key of a ``ValidationError``, worded in ``optimizer/i18n/config.py``."""
    return [_problem(err, source) for err in exc.errors()]


def _problem(err: Any, source: str) -> Problem:
    loc = tuple(err["loc"])
    key = key_name(loc)
    kind = err["type"]
    settings = _settings_model()
    if kind == "extra_forbidden":
        if loc and loc[0] in settings.model_fields and len(loc) == 2:
            section = settings.model_fields[str(loc[0])].annotation
            if isinstance(section, type) and issubclass(section, BaseModel):
                known = ", ".join(section.model_fields)
                return keyed_problem(source, "config.unknown_key_in", key=key, section=str(loc[0]), known=known)
        if len(loc) == 1:
            return keyed_problem(source, "config.unknown_top", key=key, known=", ".join(settings.model_fields))
        return keyed_problem(source, "config.unknown_key", key=key)
    if kind == "missing":
        return keyed_problem(source, "config.missing", key=key)
    error = (err.get("ctx") or {}).get("error")
    if isinstance(error, WordedError):  # the settings' own checks name their keys
        return keyed_problem(source, error.key, **error.fields)
    given = repr(err["input"]) if "input" in err and not isinstance(err["input"], dict) else "..."
    if kind in _BOUNDS:
        bound = _BOUNDS[kind]
        allowed = allowed_range(loc) or _range_words({bound: err["ctx"][bound]})
        return keyed_problem(source, "config.out_of_range", key=key, given=given, allowed=allowed)
    if kind in _TYPE_KEYS:
        return keyed_problem(source, _TYPE_KEYS[kind], key=key, given=given)
    if kind == "literal_error":
        return keyed_problem(source, "config.not_one_of", key=key, given=given, expected=err["ctx"]["expected"])
    detail = str(error) if error is not None else err["msg"]
    return keyed_problem(source, "config.other", key=key, given=given, detail=detail)
