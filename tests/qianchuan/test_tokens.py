"""The token store: encrypted at rest, and a crash never loses the only valid token."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from pydantic import SecretStr

from connectors.errors import AuthError
from connectors.qianchuan.tokens import TokenSet, TokenStore, new_key

NOW = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)


def token_set(n: int) -> TokenSet:
    return TokenSet(
        app_id="42",
        access_token=SecretStr(f"access-secret-{n}"),
        access_expires_at=NOW + dt.timedelta(days=1),
        refresh_token=SecretStr(f"refresh-secret-{n}"),
        refresh_expires_at=NOW + dt.timedelta(days=30),
        advertiser_ids=("1710000000000007",),
        issued_at=NOW + dt.timedelta(minutes=n),
    )


def test_tokens_round_trip_and_are_encrypted_on_disk(tmp_path):
    store = TokenStore(tmp_path / "t.enc", key=new_key())
    store.save(token_set(1))
    loaded = store.load()
    assert loaded == token_set(1)
    raw = (tmp_path / "t.enc").read_bytes()
    assert b"secret" not in raw and b"access" not in raw
    assert oct(os.stat(tmp_path / "t.enc").st_mode & 0o777) == "0o600"


def test_tokens_never_show_in_repr_or_str(tmp_path):
    text = repr(token_set(1)) + str(token_set(1))
    assert "access-secret" not in text and "refresh-secret" not in text


def test_rotation_keeps_the_newest_set(tmp_path):
    store = TokenStore(tmp_path / "t.enc", key=new_key())
    store.save(token_set(1))
    store.save(token_set(2))
    assert store.load().refresh_token.get_secret_value() == "refresh-secret-2"


def test_a_crash_after_writing_the_new_file_but_before_the_swap_keeps_the_new_token(tmp_path):
    key = new_key()
    store = TokenStore(tmp_path / "t.enc", key=key)
    store.save(token_set(1))
    # simulate the crash: the new set is fully written to t.enc.new, the swap never ran
    other = TokenStore(tmp_path / "other.enc", key=key)
    other.save(token_set(2))
    os.replace(tmp_path / "other.enc", tmp_path / "t.enc.new")
    assert store.load().refresh_token.get_secret_value() == "refresh-secret-2"


def test_a_crash_while_writing_leaves_the_previous_token_readable(tmp_path):
    store = TokenStore(tmp_path / "t.enc", key=new_key())
    store.save(token_set(1))
    (tmp_path / "t.enc.new").write_bytes(b"gAAAAA-half-written")  # torn write of the next set
    assert store.load().refresh_token.get_secret_value() == "refresh-secret-1"


def test_a_crash_between_moving_the_old_file_aside_and_the_swap_loses_nothing(tmp_path):
    key = new_key()
    store = TokenStore(tmp_path / "t.enc", key=key)
    store.save(token_set(1))
    os.replace(tmp_path / "t.enc", tmp_path / "t.enc.prev")
    other = TokenStore(tmp_path / "o.enc", key=key)
    other.save(token_set(2))
    os.replace(tmp_path / "o.enc", tmp_path / "t.enc.new")
    assert store.load().refresh_token.get_secret_value() == "refresh-secret-2"


def test_a_wrong_key_is_a_clear_error_not_a_silent_reset(tmp_path):
    TokenStore(tmp_path / "t.enc", key=new_key()).save(token_set(1))
    with pytest.raises(AuthError, match="cannot be decrypted"):
        TokenStore(tmp_path / "t.enc", key=new_key()).load()


def test_a_missing_key_says_how_to_make_one(tmp_path, monkeypatch):
    monkeypatch.delenv("SPENDOPT_SECRET_KEY", raising=False)
    with pytest.raises(AuthError, match="SPENDOPT_SECRET_KEY"):
        TokenStore(tmp_path / "t.enc").save(token_set(1))


def test_never_authorized_loads_none(tmp_path):
    assert TokenStore(tmp_path / "t.enc", key=new_key()).load() is None
