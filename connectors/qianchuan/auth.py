"""Authorization: the one-time OAuth2 flow behind ``spendopt connect qianchuan``.

1. ``authorization_url`` builds the page the user opens (``app_id``, ``state``,
   ``redirect_uri``); after consent the platform redirects to
   ``redirect_uri?auth_code=...&state=...``.
2. ``read_auth_code`` accepts what the user pastes: the bare code or the whole
   redirected URL (then ``state`` is checked).
3. ``exchange_auth_code`` trades the code (valid 10 minutes, once) for the
   token set at ``oauth2/access_token`` and saves it encrypted at once.

``connect`` runs the three steps with injected ``ask``/``say`` so the CLI stays
thin; tokens are never printed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlencode

from connectors.clock import utc_now
from connectors.errors import AuthError
from connectors.qianchuan.settings import QianchuanSettings
from connectors.qianchuan.tokens import TokenSet, TokenStore
from connectors.qianchuan.transport import ACCESS_TOKEN_PATH, ApiClient, _app_id

__all__ = ["authorization_url", "connect", "exchange_auth_code", "read_auth_code"]


def authorization_url(settings: QianchuanSettings, state: str) -> str:
    """The URL the user opens to authorize the app."""
    if not settings.app_id:
        raise AuthError("SPENDOPT_QIANCHUAN_APP_ID is not set")
    query = {"app_id": settings.app_id, "state": state, "material_auth": 1}
    if settings.redirect_uri:
        query["redirect_uri"] = settings.redirect_uri
    return f"{settings.auth_url}?{urlencode(query)}"


def read_auth_code(pasted: str, state: str | None) -> str:
    """The auth_code from a bare code or a pasted redirect URL (whose state must match; ``None``: not checked)."""
    text = pasted.strip()
    if "auth_code=" not in text:
        if not text or any(c.isspace() for c in text):
            raise AuthError("no auth_code given: paste the code, or the whole URL you were sent to")
        return text
    found = re.search(r"[?&\s]?auth_code=([^&\s\"'<>#]*)", text)
    code = unquote(found.group(1)) if found else ""
    got = re.search(r"[?&]state=([^&\s\"'<>#]*)", text)
    got_state = unquote(got.group(1)) if got else ""
    if state is not None and got_state and got_state != state:
        raise AuthError("the pasted URL belongs to another authorization attempt (state does not match); start again")
    if not code:
        raise AuthError("the pasted URL has no auth_code")
    return code


async def exchange_auth_code(
    settings: QianchuanSettings,
    code: str,
    store: TokenStore,
    *,
    transport: Any = None,
    clock: Callable[[], dt.datetime] = utc_now,
) -> TokenSet:
    """Trade ``code`` for tokens and save them (encrypted) before returning."""
    body = {
        "app_id": _app_id(settings.app_id),
        "secret": settings.secret(),
        "grant_type": "auth_code",
        "auth_code": code,
    }
    async with ApiClient(settings, store, transport=transport, clock=clock) as client:
        resp = await client.call("POST", ACCESS_TOKEN_PATH, body=body, auth=False, idempotent=False)
    tokens = TokenSet.from_response(settings.app_id, resp.data, clock())
    store.save(tokens)
    return tokens


def connect(
    settings: QianchuanSettings,
    *,
    ask: Callable[[str], str],
    say: Callable[[str], None],
    store: TokenStore | None = None,
    transport: Any = None,
    auth_code: str | None = None,
) -> TokenSet:
    """The interactive flow: ``say`` the authorization URL, ``ask`` for the code, exchange and save.

    The caller words the invitation around the URL and the sentence after it (in the reader's
    language: connectors hold no prose a person reads).

    With ``auth_code`` (the code, or the redirected URL, of an authorization
    started by an earlier run: its state is not checked) nothing is asked."""
    store = store or TokenStore(settings.resolved_token_file())
    store._fernet()  # fail early, before the user clicks anything, if the key is missing
    settings.secret()
    if auth_code is not None:
        code = read_auth_code(auth_code, None)
    else:
        state = secrets.token_urlsafe(12)
        say(authorization_url(settings, state))
        code = read_auth_code(ask("auth_code"), state)
    return asyncio.run(exchange_auth_code(settings, code, store, transport=transport))
