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

__all__ = ["allowed_range", "key_name", "problems", "refused_in_file"]

_SECRET_KEY = re.compile(r"secret|password|passwd|(^|_)token$|access_token|refresh_token|api_key|private_key", re.I)
_NOT_SECRET = {"token_file"}
_SECRET_ENV = {
    ("qianchuan", "app_secret"): "SPENDOPT_QIANCHUAN_APP_SECRET",
    ("qianchuan", "secret"): "SPENDOPT_QIANCHUAN_APP_SECRET",
    ("", "secret_key"): "SPENDOPT_SECRET_KEY",
}
_TOKENS = (
    "tokens come from `spendopt connect qianchuan` and are kept encrypted outside the repository "
    "(key in SPENDOPT_SECRET_KEY)"
)


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


def _type_word(annotation: Any) -> str:
    if annotation is int or (typing.get_args(annotation) and int in typing.get_args(annotation)):
        return "a whole number"
    return "a list of numbers" if typing.get_origin(annotation) is tuple else "a number"


def _secret_env(section: str, key: str) -> str:
    if key.lower() in ("access_token", "refresh_token"):
        return _TOKENS
    env = _SECRET_ENV.get((section, key.lower())) or _SECRET_ENV.get(("", key.lower()))
    if env is None and section == "notify":  # the bots' variables: SPENDOPT_NOTIFY_FEISHU_SECRET, ...
        env = "SPENDOPT_NOTIFY_" + key.upper()
    if env is None:
        env = "SPENDOPT_" + (f"{section.upper()}__" if section else "") + key.upper()
    return f"set the environment variable {env} instead"


def refused_in_file(data: dict[str, Any], source: str) -> list[Problem]:
    """Booleans where numbers are expected, and secrets, in a config file's ``data``."""
    found: list[Problem] = []

    def walk(model: type[BaseModel] | None, values: dict[str, Any], path: tuple[Any, ...]) -> None:
        fields = model.model_fields if model is not None else {}
        for key, value in values.items():
            loc = (*path, key)
            section = str(path[0]) if path else ""
            if key not in _NOT_SECRET and _SECRET_KEY.search(str(key)) and not isinstance(value, dict):
                found.append(
                    Problem(source, f"{key_name(loc)}: secrets never go in a config file; {_secret_env(section, key)}")
                )
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
                    found.append(
                        Problem(source, f"{key_name(loc)} = {shown}: expected {_type_word(annotation)}, not true/false")
                    )

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
    low = high = None
    for meta in field.metadata:
        if isinstance(meta, annotated_types.Ge):
            low = f"{meta.ge} <="
        elif isinstance(meta, annotated_types.Gt):
            low = f"{meta.gt} <"
        elif isinstance(meta, annotated_types.Le):
            high = f"<= {meta.le}"
        elif isinstance(meta, annotated_types.Lt):
            high = f"< {meta.lt}"
    if low is None and high is None:
        return None
    return " ".join(p for p in (low, "value", high) if p)


def problems(exc: ValidationError, source: str, data: dict[str, Any]) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        key = key_name(loc)
        if err["type"] == "extra_forbidden":
            message = f"unknown key {key}"
            if loc and loc[0] in _settings_model().model_fields and len(loc) == 2:
                section = _settings_model().model_fields[str(loc[0])].annotation
                if isinstance(section, type) and issubclass(section, BaseModel):
                    message += f" (known keys in [{loc[0]}]: {', '.join(section.model_fields)})"
            elif len(loc) == 1:
                message += f" (known sections and keys: {', '.join(_settings_model().model_fields)})"
        else:
            allowed = allowed_range(loc)
            given = err.get("input")
            message = f"{key} = {given!r}: {err['msg']}" if "input" in err and len(loc) > 0 else f"{key}: {err['msg']}"
            if allowed:
                message += f" (allowed: {allowed})"
        problems.append(Problem(source, message))
    return problems
