"""The signatures each chat service documents for its custom bots.

Feishu / Lark custom bot (签名校验): the string ``timestamp + "\\n" + secret``
is the HMAC-SHA256 *key*, the message is empty; the digest is base64-encoded
and sent as ``sign`` in the JSON body next to ``timestamp`` (seconds, within an
hour of the server's clock).

DingTalk custom robot (加签): HMAC-SHA256 with the secret (``SEC...``) as the
key over ``timestamp_ms + "\\n" + secret``; the digest is base64-encoded, then
URL-encoded (UTF-8) and sent on the URL as ``&timestamp=...&sign=...``
(``timestamp`` in milliseconds, within an hour).

WeCom group robot: no signature; the key in the webhook URL is the credential.

Generic webhook (ours): header ``X-Spendopt-Timestamp`` (Unix seconds) and
``X-Spendopt-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>``
over the raw request body, so a receiver can verify origin and freshness.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse

__all__ = ["dingtalk_sign", "feishu_sign", "webhook_signature"]


def feishu_sign(timestamp: int, secret: str) -> str:
    """``base64(HMAC-SHA256(key = f"{timestamp}\\n{secret}", message = b""))``."""
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def dingtalk_sign(timestamp_ms: int, secret: str) -> str:
    """``urlencode(base64(HMAC-SHA256(key = secret, message = f"{timestamp_ms}\\n{secret}")))``."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=`` + hex HMAC-SHA256 of ``f"{timestamp}." + body`` with ``secret``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()
