"""The fake platform's OAuth2 side: auth codes, token exchange, expiry and rotation.

A mixin of ``FakeQianchuan`` (it shares its lock, settings and counters):

- ``issue_auth_code`` / the authorization page hand out one-time codes valid
  10 minutes;
- ``oauth2/access_token`` trades a code for an access token (``access_ttl_s``)
  and a refresh token (``refresh_ttl_s``);
- ``oauth2/refresh_token`` needs ``grant_type=refresh_token`` (40108
  otherwise), rotates: the old refresh token dies (40107 when reused) and
  older access tokens stop working;
- business calls answer 40104 without a token, 40105 for an unknown one and
  40102 for an expired one (``expire_access_after_calls`` kills tokens mid-run).
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
from typing import Any

from connectors.qianchuan.fake.data import FakeAnswer, FakeSettings

__all__ = ["FakeOAuth"]


class FakeOAuth:
    settings: FakeSettings
    auth_codes: dict[str, float]
    access: dict[str, dict[str, Any]]
    refresh: dict[str, float]
    issued: list[str]
    clock_offset_s: float
    shop_id: int
    agent_id: int
    _lock: threading.RLock  # the world's lock (FakeQianchuan sets it)

    def issue_auth_code(self) -> str:
        with self._lock:
            code = "ac_" + secrets.token_hex(12)
            self.auth_codes[code] = self.now() + 600
            return code

    def now(self) -> float:
        return time.time() + self.clock_offset_s

    def expire_access_tokens(self) -> None:
        """Every access token issued so far stops working (a token dying mid-run)."""
        with self._lock:
            for info in self.access.values():
                info["expires"] = 0.0

    def _rid(self) -> str:
        return dt.datetime.now().strftime("%Y%m%d%H%M%S") + secrets.token_hex(8).upper()

    def _ok(self, data: dict[str, Any]) -> FakeAnswer:
        return FakeAnswer(200, {"code": 0, "message": "OK", "request_id": self._rid(), "data": data})

    def _err(self, code: int, message: str) -> FakeAnswer:
        return FakeAnswer(200, {"code": code, "message": message, "request_id": self._rid(), "data": {}})

    def _auth_page(self, query: dict[str, str]) -> FakeAnswer:
        if query.get("app_id") != self.settings.app_id:
            return FakeAnswer(400, html="<html>unknown app_id</html>")
        code = self.issue_auth_code()
        state = query.get("state", "")
        redirect = query.get("redirect_uri")
        if redirect:
            sep = "&" if "?" in redirect else "?"
            return FakeAnswer(302, location=f"{redirect}{sep}auth_code={code}&state={state}")
        return FakeAnswer(200, html=f"<html><body>授权成功 auth_code={code}&state={state}</body></html>")

    def _oauth(self, path: str, body: dict[str, Any]) -> FakeAnswer:
        s = self.settings
        if str(body.get("app_id")) != s.app_id or body.get("secret") != s.app_secret:
            return self._err(40101, "invalid app_id or secret")
        now = self.now()
        if path == "/open_api/oauth2/access_token/":
            if body.get("grant_type") != "auth_code":
                return self._err(40108, "wrong grant_type")
            code = str(body.get("auth_code"))
            expires = self.auth_codes.pop(code, None)
            if expires is None or expires < now:
                return self._err(40110, "auth_code已过期，请重新授权")
            return self._ok(self._issue(now))
        if path == "/open_api/oauth2/refresh_token/":
            if body.get("grant_type") != "refresh_token":
                return self._err(40108, "千川需要传入grant_type")
            token = str(body.get("refresh_token"))
            expires = self.refresh.get(token)
            if expires is None:
                return self._err(40107, "refresh token invalid")
            if expires < now:
                return self._err(40103, "refresh token expired")
            del self.refresh[token]  # rotation: the old refresh token dies now
            for info in self.access.values():
                info["expires"] = min(info["expires"], now)
            return self._ok(self._issue(now))
        return self._err(40001, f"unknown endpoint {path}")

    def _issue(self, now: float) -> dict[str, Any]:
        s = self.settings
        access = "at_" + secrets.token_hex(16)
        refresh = "rt_" + secrets.token_hex(16)
        self.access[access] = {"expires": now + s.access_ttl_s, "calls": 0}
        self.refresh[refresh] = now + s.refresh_ttl_s
        self.issued += [access, refresh]
        return {
            "access_token": access,
            "expires_in": int(s.access_ttl_s),
            "refresh_token": refresh,
            "refresh_token_expires_in": int(s.refresh_ttl_s),
            "advertiser_ids": [self.shop_id, self.agent_id],
        }

    def _check_token(self, token: str | None) -> FakeAnswer | None:
        if not token:
            return self._err(40104, "The access_token is empty.")
        info = self.access.get(token)
        if info is None:
            return self._err(40105, "access token is invalid")
        info["calls"] += 1
        limit = self.settings.expire_access_after_calls
        if limit is not None and info["calls"] > limit:
            info["expires"] = min(info["expires"], self.now())
        if info["expires"] <= self.now():
            return self._err(40102, "access token has expired")
        return None
