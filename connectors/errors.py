"""The error tree, grouped by what the caller should do about an error.

::

    SpendoptError                      every error spendopt raises on purpose
    ├── InputError                     bad user input (file, config): exit code 2,
    │                                  one message naming file:row:column per problem
    └── ConnectorError                 a platform call went wrong; carries code,
        │                              message and request_id
        ├── RetriableError             try again after a back-off
        │   ├── ManualChangePending    an account without API: a person changes the console,
        │   │                          the next export settles it (never retried)
        │   ├── RateLimitedError       40100, 40110 on business endpoints
        │   └── TransientError         50000, HTTP 5xx, timeouts, dropped connections
        ├── FatalError                 retrying cannot help; stop and tell a person
        │   ├── AuthError              token expired/invalid, re-authorization needed
        │   │   └── TokenExpiredError  40102/40105: the client refreshes once and
        │   │                          retries; fatal only if that fails too
        │   ├── PermissionDeniedError  40002: the token may not touch this account
        │   ├── BadRequestError        40001, 40003 and other parameter errors
        │   └── PlatformRuleError      an update breaks a delivery rule (min budget,
        │                              step >= 100, bid <= budget, ...), raised by the
        │                              client-side check and by the simulated platform
        └── SkippableError             one bad record; log it and carry on

Only ``RetriableError`` is retried. Messages are built in ``__init__`` so every
raise site reads the same, and the platform's ``request_id`` is kept on the error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "AuthError",
    "BadRequestError",
    "ConnectorError",
    "FatalError",
    "InputError",
    "ManualChangePending",
    "PermissionDeniedError",
    "PlatformRuleError",
    "Problem",
    "RateLimitedError",
    "RetriableError",
    "SkippableError",
    "SpendoptError",
    "TokenExpiredError",
    "TransientError",
]


class SpendoptError(Exception):
    """Root of every error spendopt raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is and what is wrong.

    ``row`` is the 1-based line number a spreadsheet shows (the header is row 1);
    ``None`` for problems of the whole file or of a config key.

    ``key`` and ``fields`` (optional) name the message in the optimizer's
    catalogs (``optimizer/i18n/files.py``) so the CLI can show it in the user's
    language; ``message`` is the English text, used by ``str()``.
    """

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    key: str | None = field(default=None, compare=False)
    fields: Mapping[str, Any] | None = field(default=None, compare=False, hash=False)

    @property
    def where(self) -> str:
        """``file:row:column`` (the parts that are known)."""
        where = self.file
        if self.row is not None:
            where += f":{self.row}"
        if self.column is not None:
            where += f":{self.column}"
        return where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class InputError(SpendoptError):
    """Bad input from a user: a file to import or a configuration file.

    Holds every problem found (up to the reader's limit) so a user fixes them in
    one pass; the message lists them one per line.
    """

    exit_code = 2

    def __init__(self, problems: list[Problem] | Problem, *, more: int = 0) -> None:
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        self.more = more
        lines = [str(p) for p in self.problems]
        if more:
            lines.append(f"... and {more} more problems")
        super().__init__("\n".join(lines))


class ConnectorError(SpendoptError):
    """A platform call failed. ``code`` is the platform's error code (0 if none)."""

    def __init__(
        self,
        message: str,
        *,
        code: int = 0,
        request_id: str | None = None,
        endpoint: str | None = None,
    ) -> None:
        self.code = code
        self.request_id = request_id
        self.endpoint = endpoint
        self.platform_message = message
        parts = [message]
        if code:
            parts.append(f"code {code}")
        if endpoint:
            parts.append(f"endpoint {endpoint}")
        if request_id:
            parts.append(f"request_id {request_id}")
        super().__init__(parts[0] + (f" ({', '.join(parts[1:])})" if len(parts) > 1 else ""))


class RetriableError(ConnectorError):
    """Try again after a back-off: the same call may succeed later."""


class ManualChangePending(RetriableError):
    """The account has no API: a person makes the change in the console.

    Raised by the file-backed connector (``connectors.files.account``) for
    every write. It is a ``RetriableError`` on purpose: the outcome is not
    known yet, so the change stays pending, and the next read of the account
    (the next console export) settles it, confirmed when the export shows the
    new value. Nothing is ever sent and nothing is retried.
    """

    def __init__(self, what: str, *, note: str = "") -> None:
        self.what = what
        self.note = note
        text = f"awaiting manual change in the console: {what}"
        super().__init__(text + (f" ({note})" if note else ""), request_id=note[:128] or None)


class RateLimitedError(RetriableError):
    """The platform says the calls come too fast (Qianchuan 40100 / 40110)."""


class TransientError(RetriableError):
    """A server error, time-out or dropped connection (Qianchuan 50000, HTTP 5xx)."""


class FatalError(ConnectorError):
    """Retrying cannot help; a person has to act."""


class AuthError(FatalError):
    """The token is expired or invalid and cannot be refreshed: re-authorize."""


class TokenExpiredError(AuthError):
    """The access token expired or is invalid (Qianchuan 40102 / 40105).

    A client with a refresh token refreshes once and retries; when that does
    not help the error reaches the caller as the fatal ``AuthError`` it is."""


class PermissionDeniedError(FatalError):
    """The token may not read or change this account (Qianchuan 40002)."""


class BadRequestError(FatalError):
    """The platform rejected the request's parameters (Qianchuan 40001, 40003)."""


class PlatformRuleError(FatalError):
    """An update breaks one of the platform's delivery rules.

    Raised before sending by the client-side check and by the simulated
    platform, with the same type, so callers handle both alike. ``rule`` names
    the rule (``min_budget``, ``min_step``, ``bid_above_budget``, ...).
    """

    def __init__(self, rule: str, message: str, *, campaign_id: str | None = None) -> None:
        self.rule = rule
        self.campaign_id = campaign_id
        prefix = f"campaign {campaign_id}: " if campaign_id else ""
        super().__init__(f"{prefix}{message} [rule {rule}]")


class SkippableError(ConnectorError):
    """One bad record; log it with its request_id and carry on with the rest."""
