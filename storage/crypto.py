"""Encryption at rest for journal text, notes, evidence and outbound payloads.

Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) through ``MultiFernet``, so that
rotation is a configuration change: the first key of ``EMBER_ENCRYPTION_KEY`` seals new
text, every listed key can open old text, and :meth:`Cipher.rotate` re-seals a token under
the first key. Chosen over hand-rolled AES-GCM because it versions, authenticates and
timestamps tokens for us and its rotation story is built in.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.errors import DecryptionFailed, InvalidValue


def generate_key() -> str:
    """A fresh random key, printable, for ``EMBER_ENCRYPTION_KEY``."""
    return Fernet.generate_key().decode()


class Cipher:
    """Seals and opens text with the configured keys (first key seals, all keys open)."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise InvalidValue("at least one encryption key is needed")
        self._fernet = MultiFernet([Fernet(k) for k in keys])

    def seal(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
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
        except InvalidToken:
            raise DecryptionFailed(
                "stored text cannot be opened with the configured keys"
            ) from None
