"""Numbers that people type or that arrive in button data, read strictly.

``str.isdigit()`` accepts "²" and "٣", which ``int()`` then refuses or reads, and a
forged button can carry a number no database column holds. Every such number goes through
:func:`parse_number`: ASCII digits only, at most ten of them, never above a maximum.
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]{1,10}")
MAX_ID = 2_147_483_647  # the largest id a database integer column holds


def parse_number(text: str | None, maximum: int = MAX_ID) -> int | None:
    """The whole number ``text`` spells, or ``None`` when it is not one we can use."""
    if text is None:
        return None
    text = text.strip()
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if value <= maximum else None


def parse_scale_answer(text: str | None, maximum: int = 10) -> int | None:
    """The point on a 0–``maximum`` scale a whole message names ("7", "7/10"), or ``None``.

    Only a message that is nothing but the number (optionally "out of" the scale's top) is
    read as an answer; "I'd say 7 but yesterday 2" is words, and stays words.
    """
    if text is None:
        return None
    number, slash, top = text.strip().partition("/")
    if slash and top.strip() != str(maximum):
        return None
    return parse_number(number, maximum=maximum)
