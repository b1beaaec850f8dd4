"""Encryption at rest for journal text, notes, evidence and queued payloads.

Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) through ``MultiFernet``, so that
rotation is a configuration change: the first key of ``EMBER_ENCRYPTION_KEY`` seals new
text, every listed key can open old text, and :meth:`Cipher.rotate` re-seals a token under
the first key (``ember keys rotate`` does it for every stored value). Chosen over
hand-rolled AES-GCM because it versions, authenticates and timestamps tokens for us and
its rotation story is built in.

A token does not name its key, but its HMAC does: :meth:`Cipher.key_index` finds which
configured key signed a token by checking the signature alone (no decryption), which is
how rotation skips values already under the newest key and how ``ember keys check``
counts what each key still holds.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.errors import DecryptionFailed, InvalidValue

_VERSION = 0x80  # the Fernet token format's version byte
_HEADER = 1 + 8 + 16  # version, timestamp, IV
_MAC = 32  # HMAC-SHA256


def generate_key() -> str:
    """A fresh random key, printable, for ``EMBER_ENCRYPTION_KEY``."""
    return Fernet.generate_key().decode()


def fingerprint(key: bytes) -> str:
    """A short name for a key that gives nothing of it away (the start of its SHA-256)."""
    return hashlib.sha256(key.strip()).hexdigest()[:8]


class Cipher:
    """Seals and opens text with the configured keys (first key seals, all keys open)."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise InvalidValue("at least one encryption key is needed")
        self._fernet = MultiFernet([Fernet(k) for k in keys])
        # Fernet's signing key is the first half of the decoded key
        self._signing_keys = [base64.urlsafe_b64decode(k)[:16] for k in keys]
        self.fingerprints = tuple(fingerprint(k) for k in keys)

    def seal(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise DecryptionFailed(
                "stored text cannot be opened with the configured keys"
            ) from None

    def seal_optional(self, text: str | None) -> str | None:
        return None if text is None else self.seal(text)

    def open_optional(self, token: str | None) -> str | None:
        return None if token is None else self.open(token)

    def rotate(self, token: str) -> str:
        """Re-seal ``token`` under the first key (for key rotation)."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            raise DecryptionFailed(
                "stored text cannot be opened with the configured keys"
            ) from None

    def reseal(self, token: str) -> str:
        """``token`` under the first key when another configured key sealed it; otherwise
        as it is (for sealed values copied from one row to another)."""
        index = self.key_index(token)
        return token if index in (0, None) else self.rotate(token)

    def key_index(self, token: str) -> int | None:
        """Which configured key sealed ``token`` (0 is the newest), or None when no
        configured key did or the token is damaged. Checks the signature only: cheap."""
        try:
            data = base64.urlsafe_b64decode(token.encode("ascii"))
        except (binascii.Error, UnicodeError, ValueError):
            return None
        if len(data) < _HEADER + _MAC or data[0] != _VERSION:
            return None
        body, mac = data[:-_MAC], data[-_MAC:]
        for index, signing_key in enumerate(self._signing_keys):
            expected = hmac.new(signing_key, body, hashlib.sha256).digest()
            if hmac.compare_digest(expected, mac):
                return index
        return None
