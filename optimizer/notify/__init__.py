"""Notifications: Feishu / Lark, DingTalk, WeCom and a signed JSON webhook.

::

    Notice (digest.py) -> Notifier.send (send.py): per bot, pack into digests,
      wait for the bot's rate limit, sign and post (bots.py, signing.py)

Bots come from the environment only (``bots_from_env``); ``[notify] enabled``
switches all of them off. ``notifier_from_settings`` builds the notifier the
jobs use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from optimizer.notify.bots import (
    Bot,
    BotError,
    BotRateLimited,
    BotRejected,
    BotUnavailable,
    DingTalkBot,
    FeishuBot,
    WebhookBot,
    WeComBot,
    bots_from_env,
)
from optimizer.notify.digest import Notice, pack
from optimizer.notify.send import BotReport, DeliveryReport, Notifier, RateLimiter

if TYPE_CHECKING:
    from optimizer.settings import Settings

__all__ = [
    "Bot",
    "BotError",
    "BotRateLimited",
    "BotRejected",
    "BotReport",
    "BotUnavailable",
    "DeliveryReport",
    "DingTalkBot",
    "FeishuBot",
    "Notice",
    "Notifier",
    "RateLimiter",
    "WeComBot",
    "WebhookBot",
    "bots_from_env",
    "notifier_from_settings",
    "pack",
]


def notifier_from_settings(settings: Settings, **kwargs: Any) -> Notifier:
    """A ``Notifier`` for the bots in the environment, in ``[ui] language``, obeying ``[notify]``."""
    notify = settings.notify
    ui = getattr(settings, "ui", None)
    language = str(getattr(ui, "language", None) or "zh-CN")
    return Notifier(
        bots_from_env(),
        language=language,
        enabled=notify.enabled,
        timeout_s=notify.timeout_s,
        max_retries=notify.max_retries,
        max_wait_s=notify.max_wait_s,
        **kwargs,
    )
