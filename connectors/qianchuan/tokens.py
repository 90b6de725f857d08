"""The OAuth2 token set and its encrypted, crash-safe store.

Qianchuan rotates the refresh token on every refresh: the old one dies as the
new one is issued, so the new set must reach the disk before anything else
happens, and a crash while writing must leave the previous file whole.

The store is one file outside the repository
(``$XDG_DATA_HOME/spendopt/qianchuan-tokens.enc`` by default), encrypted with
Fernet (AES-128-CBC + HMAC-SHA256) under the key in ``SPENDOPT_SECRET_KEY``.
A refresh holds ``TokenStore.locked()`` (an ``flock`` on ``<file>.lock``) and
first re-reads the file: if another process already refreshed, its tokens are
adopted instead of spending the (now dead) old refresh token. A save writes ``<file>.new``, fsyncs it, keeps the previous file as
``<file>.prev`` and swaps the new one in with ``os.replace`` (atomic on POSIX),
then fsyncs the folder. A load reads ``<file>``, falling back to ``<file>.new``
(a crash after the write but before the swap) and ``<file>.prev``, and picks
the newest readable set. Plain-text tokens never touch the disk, the logs or
an exception message: they are ``SecretStr`` everywhere.

Why a file and not a database table: the connector must not import the
optimizer's store, tokens are per machine rather than per store, and a file is
easy to keep out of backups and shared databases.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from connectors.durable import fsync_dir as _fsync_dir
from connectors.errors import AuthError

__all__ = ["KEY_ENV", "TokenSet", "TokenStore", "new_key"]

KEY_ENV = "SPENDOPT_SECRET_KEY"


def new_key() -> str:
    """A fresh key for ``SPENDOPT_SECRET_KEY``."""
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


class TokenSet(BaseModel):
    """One authorization: the tokens and when they expire (UTC)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    app_id: str = Field(min_length=1)
    access_token: SecretStr
    access_expires_at: dt.datetime = Field(description="UTC time the access token stops working")
    refresh_token: SecretStr
    refresh_expires_at: dt.datetime = Field(description="UTC time the refresh token stops working")
    advertiser_ids: tuple[str, ...] = Field(
        (), description="account ids the user authorized (shop, agent or advertiser)"
    )
    issued_at: dt.datetime = Field(description="UTC time of the exchange or refresh that produced this set")

    @classmethod
    def from_response(cls, app_id: str, data: dict, now: dt.datetime, advertiser_ids: tuple[str, ...] = ()) -> TokenSet:
        """Build from the ``data`` of ``oauth2/access_token`` or ``oauth2/refresh_token``."""
        try:
            ids = data.get("advertiser_ids") or advertiser_ids
            return cls(
                app_id=app_id,
                access_token=SecretStr(str(data["access_token"])),
                access_expires_at=now + dt.timedelta(seconds=int(data["expires_in"])),
                refresh_token=SecretStr(str(data["refresh_token"])),
                refresh_expires_at=now + dt.timedelta(seconds=int(data["refresh_token_expires_in"])),
                advertiser_ids=tuple(str(i) for i in ids),
                issued_at=now,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise AuthError(f"token answer lacks a field or has a bad value ({type(exc).__name__})") from None

    def access_left(self, now: dt.datetime) -> float:
        return (self.access_expires_at - now).total_seconds()

    def _plain(self) -> dict:
        data = self.model_dump(mode="json")
        data["access_token"] = self.access_token.get_secret_value()
        data["refresh_token"] = self.refresh_token.get_secret_value()
        return data


class TokenStore:
    """Encrypted token file with write-new-then-swap saves.

    ``key`` defaults to ``$SPENDOPT_SECRET_KEY`` (a Fernet key: ``new_key()``).
    """

    def __init__(self, path: Path | str, key: str | None = None) -> None:
        self.path = Path(path)
        self._key = key if key is not None else os.environ.get(KEY_ENV, "")

    def _fernet(self):
        from cryptography.fernet import Fernet

        if not self._key:
            raise AuthError(
                f"{KEY_ENV} is not set: tokens are stored encrypted. Create a key with "
                '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"` '
                f"and export it as {KEY_ENV}"
            )
        try:
            return Fernet(self._key.encode() if isinstance(self._key, str) else self._key)
        except (ValueError, TypeError):
            raise AuthError(f"{KEY_ENV} is not a valid Fernet key (32 url-safe base64-encoded bytes)") from None

    @property
    def _new(self) -> Path:
        return self.path.with_name(self.path.name + ".new")

    @property
    def _prev(self) -> Path:
        return self.path.with_name(self.path.name + ".prev")

    def save(self, tokens: TokenSet) -> None:
        """Persist ``tokens`` so that a crash at any point leaves a readable set."""
        blob = self._fernet().encrypt(json.dumps(tokens._plain()).encode())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._new, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, blob)
            os.fsync(fd)
        finally:
            os.close(fd)
        if self.path.exists():
            try:
                os.replace(self.path, self._prev)
                os.link(self._prev, self.path)  # keep a current file during the swap
            except OSError:
                pass
        os.replace(self._new, self.path)
        _fsync_dir(self.path.parent)

    def load(self) -> TokenSet | None:
        """The newest readable token set, or ``None`` if never authorized."""
        found: list[TokenSet] = []
        bad = 0
        for candidate in (self.path, self._new, self._prev):
            if not candidate.exists():
                continue
            tokens = self._read(candidate)
            if tokens is None:
                bad += 1
            else:
                found.append(tokens)
        if not found:
            if bad:
                raise AuthError(
                    f"the token file {self.path} cannot be decrypted with {KEY_ENV}: wrong key or damaged file; "
                    "run `spendopt connect qianchuan` again"
                )
            return None
        return max(found, key=lambda t: t.issued_at)

    def _read(self, path: Path) -> TokenSet | None:
        from cryptography.fernet import InvalidToken

        try:
            plain = self._fernet().decrypt(path.read_bytes())
            return TokenSet.model_validate(json.loads(plain))
        except (InvalidToken, ValueError, OSError):
            return None

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold an exclusive lock on ``<file>.lock`` (other processes wait): a
        refresh and its save happen under it, so two processes sharing the file
        (the daily job and a manual pull) never both spend the same refresh token."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if sys.platform != "win32":  # Windows has no fcntl: one process at a time is on the user
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def clear(self) -> None:
        for p in (self.path, self._new, self._prev):
            p.unlink(missing_ok=True)
