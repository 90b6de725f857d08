"""What a user pastes back after authorizing: a bare code, the redirect URL, or the page text."""

from __future__ import annotations

import pytest

from connectors.errors import AuthError
from connectors.qianchuan.auth import authorization_url, read_auth_code
from connectors.qianchuan.settings import QianchuanSettings


@pytest.mark.parametrize(
    "pasted",
    [
        "ac_123abc",
        "  ac_123abc\n",
        "http://127.0.0.1:9/callback?auth_code=ac_123abc&state=S1",
        "https://example.com/cb?state=S1&auth_code=ac_123abc",
        "<html><body>授权成功 auth_code=ac_123abc&state=S1</body></html>",
    ],
)
def test_the_code_is_found_in_what_users_paste(pasted):
    assert read_auth_code(pasted, "S1") == "ac_123abc"


def test_a_url_from_another_attempt_is_refused():
    with pytest.raises(AuthError, match="state does not match"):
        read_auth_code("http://x/cb?auth_code=ac_1&state=OTHER", "S1")


@pytest.mark.parametrize("pasted", ["", "   ", "not a code with spaces", "http://x/cb?auth_code=&state=S1"])
def test_nothing_usable_is_a_clear_error(pasted):
    with pytest.raises(AuthError):
        read_auth_code(pasted, "S1")


def test_the_authorization_url_carries_app_state_and_redirect():
    settings = QianchuanSettings(
        app_id="1800000000000001", redirect_uri="http://127.0.0.1:9/callback", auth_url="https://qc.test/oauth.html"
    )
    url = authorization_url(settings, "S1")
    assert url.startswith("https://qc.test/oauth.html?app_id=1800000000000001&state=S1")
    assert "redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcallback" in url
