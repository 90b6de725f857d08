"""The chat bots spendopt can post to, each in its service's documented format.

=========  =====================================  ==============================  ===============
bot        environment (URL, then secret)         message                         rate limit
=========  =====================================  ==============================  ===============
feishu     SPENDOPT_NOTIFY_FEISHU_WEBHOOK,        ``msg_type: interactive`` card  5/s, 100/min
           SPENDOPT_NOTIFY_FEISHU_SECRET          (Lark: same, larksuite host)
dingtalk   SPENDOPT_NOTIFY_DINGTALK_WEBHOOK,      ``msgtype: markdown``           20/min
           SPENDOPT_NOTIFY_DINGTALK_SECRET
wecom      SPENDOPT_NOTIFY_WECOM_WEBHOOK          ``msgtype: markdown``           20/min
           (the key is in the URL)                (content <= 4096 bytes)
webhook    SPENDOPT_NOTIFY_WEBHOOK_URL,           JSON, HMAC-SHA256 header        60/min
           SPENDOPT_NOTIFY_WEBHOOK_SECRET
=========  =====================================  ==============================  ===============

Signatures: ``optimizer.notify.signing``. A bot's URL and secret are
``SecretStr``: they never appear in a repr, a log line or an error message
(errors name the bot, never its address).

Each bot answers ``check(response)``: nothing when the service accepted the
message; ``BotRateLimited`` (wait, then send the same message again),
``BotUnavailable`` (5xx or network: retry with back-off) or ``BotRejected``
(bad signature, bad key: retrying cannot help) otherwise. Feishu answers
``{"code": 0}``; DingTalk and WeCom ``{"errcode": 0}``; all three answer HTTP
200 with an error code in the body when they refuse.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import SecretStr

from connectors.errors import SpendoptError
from optimizer.notify.digest import Notice, digest_title, text_of
from optimizer.notify.signing import dingtalk_sign, feishu_sign, webhook_signature

__all__ = [
    "Bot",
    "BotError",
    "BotRateLimited",
    "BotRejected",
    "BotUnavailable",
    "DingTalkBot",
    "FeishuBot",
    "WeComBot",
    "WebhookBot",
    "bots_from_env",
]


class BotError(SpendoptError):
    """A bot did not take a message. The message names the bot, never its URL."""

    def __init__(self, bot: str, what: str) -> None:
        self.bot = bot
        super().__init__(f"{bot}: {what}")


class BotRateLimited(BotError):
    """The service says: too many messages; send this one again later."""


class BotUnavailable(BotError):
    """5xx, time-out or a dropped connection: retry with back-off."""


class BotRejected(BotError):
    """Bad signature, key or body: retrying cannot help; a person must fix the setup."""


Request = tuple[str, dict[str, str], bytes]


@dataclass(frozen=True)
class Bot:
    """A chat bot endpoint. Subclasses say how a digest becomes a request."""

    url: SecretStr = field(repr=False)
    secret: SecretStr | None = field(default=None, repr=False)
    name: ClassVar[str] = "bot"
    limits: ClassVar[tuple[tuple[int, float], ...]] = ((20, 60.0),)
    max_bytes: ClassVar[int] = 16_000
    max_notices: ClassVar[int] = 200
    rate_codes: ClassVar[frozenset[int]] = frozenset()

    def _secret(self) -> str | None:
        return self.secret.get_secret_value() if self.secret is not None else None

    def body(self, notices: Sequence[Notice], language: str, now: float) -> dict[str, Any]:
        raise NotImplementedError

    def request(self, notices: Sequence[Notice], language: str, now: float) -> Request:
        """URL, headers and the JSON body for one digest, signed at ``now`` (Unix seconds)."""
        body = json.dumps(self.body(notices, language, now), ensure_ascii=False).encode()
        return self.url.get_secret_value(), {"Content-Type": "application/json; charset=utf-8"}, body

    def fits(self, notices: Sequence[Notice], language: str) -> bool:
        """Whether one message can carry ``notices``."""
        if len(notices) > self.max_notices:
            return False
        return len(json.dumps(self.body(notices, language, 0), ensure_ascii=False).encode()) <= self.max_bytes

    def check(self, status: int, payload: Any) -> None:
        """Raise the ``BotError`` that says what the answer means; nothing when accepted."""
        if status == 429:
            raise BotRateLimited(self.name, "HTTP 429")
        if status >= 500:
            raise BotUnavailable(self.name, f"HTTP {status}")
        if status >= 400:
            raise BotRejected(self.name, f"HTTP {status}")
        code = _code(payload)
        if code in (None, 0):
            return
        message = str(_field(payload, "msg", "errmsg", "StatusMessage") or "")[:200]
        if code in self.rate_codes:
            raise BotRateLimited(self.name, f"code {code} {message}".strip())
        raise BotRejected(self.name, f"code {code} {message}".strip())


def _field(payload: Any, *names: str) -> Any:
    if not isinstance(payload, dict):
        return None
    return next((payload[n] for n in names if n in payload), None)


def _code(payload: Any) -> int | None:
    value = _field(payload, "code", "errcode", "StatusCode")
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return -1


_TEMPLATE = {"info": "blue", "warning": "orange", "critical": "red"}


@dataclass(frozen=True)
class FeishuBot(Bot):
    """Feishu / Lark custom bot: an interactive card, signed in the body when a secret is set."""

    name: ClassVar[str] = "feishu"
    limits: ClassVar[tuple[tuple[int, float], ...]] = ((5, 1.0), (100, 60.0))
    max_bytes: ClassVar[int] = 18_000  # the service takes request bodies up to 20 KB
    max_notices: ClassVar[int] = 40  # one card element per notice; cards stay short enough to read
    rate_codes: ClassVar[frozenset[int]] = frozenset({9499, 11232, 11233})

    def body(self, notices: Sequence[Notice], language: str, now: float) -> dict[str, Any]:
        from optimizer.notify.digest import LEVELS

        worst = max(notices, key=lambda n: LEVELS.index(n.level)).level
        elements: list[dict[str, Any]] = []
        for i, notice in enumerate(notices):
            if i:
                elements.append({"tag": "hr"})
            elements.append({"tag": "div", "text": {"tag": "lark_md", "content": text_of(notice, language)}})
        card = {
            "config": {"wide_screen_mode": True},
            "header": {
                "title": {"tag": "plain_text", "content": digest_title(notices, language)},
                "template": _TEMPLATE[worst],
            },
            "elements": elements,
        }
        out: dict[str, Any] = {}
        secret = self._secret()
        if secret:
            timestamp = int(now)
            out = {"timestamp": str(timestamp), "sign": feishu_sign(timestamp, secret)}
        return {**out, "msg_type": "interactive", "card": card}


@dataclass(frozen=True)
class DingTalkBot(Bot):
    """DingTalk custom robot: markdown; signed on the URL (``timestamp`` ms and ``sign``) when a secret is set."""

    name: ClassVar[str] = "dingtalk"
    limits: ClassVar[tuple[tuple[int, float], ...]] = ((20, 60.0),)
    max_bytes: ClassVar[int] = 18_000  # the service refuses messages over 20,000 bytes
    rate_codes: ClassVar[frozenset[int]] = frozenset({130101, 410100})

    def body(self, notices: Sequence[Notice], language: str, now: float) -> dict[str, Any]:
        title = digest_title(notices, language)
        text = "\n\n".join([f"#### {title}", *(text_of(n, language).replace("\n", "\n\n") for n in notices)])
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}

    def request(self, notices: Sequence[Notice], language: str, now: float) -> Request:
        url, headers, body = super().request(notices, language, now)
        secret = self._secret()
        if secret:
            timestamp_ms = int(now * 1000)
            joiner = "&" if "?" in url else "?"
            url = f"{url}{joiner}timestamp={timestamp_ms}&sign={dingtalk_sign(timestamp_ms, secret)}"
        return url, headers, body


@dataclass(frozen=True)
class WeComBot(Bot):
    """WeCom (企业微信) group robot: markdown; the key in the URL is the credential."""

    name: ClassVar[str] = "wecom"
    limits: ClassVar[tuple[tuple[int, float], ...]] = ((20, 60.0),)
    max_bytes: ClassVar[int] = 4_096  # of the markdown content, as the service counts it
    rate_codes: ClassVar[frozenset[int]] = frozenset({45009})

    def body(self, notices: Sequence[Notice], language: str, now: float) -> dict[str, Any]:
        title = digest_title(notices, language)
        content = "\n".join([f"### {title}", *(text_of(n, language, bullet="> ") for n in notices)])
        return {"msgtype": "markdown", "markdown": {"content": content}}

    def fits(self, notices: Sequence[Notice], language: str) -> bool:
        if len(notices) > self.max_notices:
            return False
        return len(self.body(notices, language, 0)["markdown"]["content"].encode()) <= self.max_bytes


@dataclass(frozen=True)
class WebhookBot(Bot):
    """Any HTTPS endpoint: spendopt's JSON, signed in ``X-Spendopt-Signature`` when a secret is set."""

    name: ClassVar[str] = "webhook"
    limits: ClassVar[tuple[tuple[int, float], ...]] = ((60, 60.0),)
    max_bytes: ClassVar[int] = 64_000

    def body(self, notices: Sequence[Notice], language: str, now: float) -> dict[str, Any]:
        return {
            "source": "spendopt",
            "language": language,
            "title": digest_title(notices, language),
            "notices": [n.model_dump(mode="json") for n in notices],
        }

    def request(self, notices: Sequence[Notice], language: str, now: float) -> Request:
        url, headers, body = super().request(notices, language, now)
        secret = self._secret()
        if secret:
            timestamp = int(now)
            headers = {
                **headers,
                "X-Spendopt-Timestamp": str(timestamp),
                "X-Spendopt-Signature": webhook_signature(secret, timestamp, body),
            }
        return url, headers, body


_ENV = (
    (FeishuBot, "SPENDOPT_NOTIFY_FEISHU_WEBHOOK", "SPENDOPT_NOTIFY_FEISHU_SECRET"),
    (DingTalkBot, "SPENDOPT_NOTIFY_DINGTALK_WEBHOOK", "SPENDOPT_NOTIFY_DINGTALK_SECRET"),
    (WeComBot, "SPENDOPT_NOTIFY_WECOM_WEBHOOK", None),
    (WebhookBot, "SPENDOPT_NOTIFY_WEBHOOK_URL", "SPENDOPT_NOTIFY_WEBHOOK_SECRET"),
)


def bots_from_env(env: Mapping[str, str] | None = None) -> list[Bot]:
    """The bots whose webhook variable is set (secrets and URLs come from the environment only).

    Raises ``InputError`` naming the variable (never its value) when a URL is not http(s).
    """
    from connectors.errors import InputError, Problem

    env = os.environ if env is None else env
    bots: list[Bot] = []
    for cls, url_var, secret_var in _ENV:
        url = (env.get(url_var) or "").strip()
        if not url:
            continue
        if not url.startswith(("https://", "http://")):
            raise InputError(Problem("environment", f"{url_var} must be an http(s) URL"))
        secret = (env.get(secret_var) or "").strip() if secret_var else ""
        bots.append(cls(url=SecretStr(url), secret=SecretStr(secret) if secret else None))
    return bots
