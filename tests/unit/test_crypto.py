"""The cipher: which key sealed a token (by its signature alone), re-sealing, and damage."""

from __future__ import annotations

import pytest

from bot.errors import DecryptionFailed
from storage.crypto import Cipher, fingerprint, generate_key

A, B, C = (generate_key().encode() for _ in range(3))


def test_the_key_of_a_token_is_found_by_its_position_newest_first() -> None:
    both = Cipher([B, A])
    assert both.key_index(Cipher([A]).seal("x")) == 1
    assert both.key_index(both.seal("x")) == 0
    assert both.key_index(Cipher([C]).seal("x")) is None


@pytest.mark.parametrize(
    "token",
    ["", "not a token", "gAAAAA", "gAAAAAé", "AAAA" * 30],
    ids=["empty", "plain", "too short", "not ascii", "wrong version"],
)
def test_what_is_not_a_token_has_no_key_and_does_not_open(token: str) -> None:
    cipher = Cipher([A])
    assert cipher.key_index(token) is None
    with pytest.raises(DecryptionFailed):
        cipher.open(token)


def test_a_damaged_token_has_no_key_and_does_not_open() -> None:
    cipher = Cipher([A])
    token = cipher.seal("the river dream")
    damaged = token[:20] + ("B" if token[20] != "B" else "C") + token[21:]
    assert cipher.key_index(damaged) is None
    with pytest.raises(DecryptionFailed):
        cipher.open(damaged)
    with pytest.raises(DecryptionFailed):
        cipher.rotate(damaged)


def test_reseal_moves_a_token_to_the_newest_key_and_leaves_others_alone() -> None:
    both = Cipher([B, A])
    old = Cipher([A]).seal("earlier words")
    moved = both.reseal(old)
    assert both.key_index(moved) == 0 and Cipher([B]).open(moved) == "earlier words"
    assert both.reseal(moved) == moved  # already under the newest key
    lost = Cipher([C]).seal("x")
    assert both.reseal(lost) == lost  # no key opens it: kept as it is


def test_keys_are_named_by_a_short_fingerprint_in_their_order() -> None:
    cipher = Cipher([B, A])
    assert cipher.fingerprints == (fingerprint(B), fingerprint(A))
    assert all(len(f) == 8 and int(f, 16) >= 0 for f in cipher.fingerprints)
    assert fingerprint(A) != fingerprint(B)
    assert fingerprint(A + b"\n") == fingerprint(A)  # as written in .env or not
