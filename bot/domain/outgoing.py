"""What Ember wants to say: a message with optional buttons, independent of Telegram types,
and what became of it in the outbox."""

from __future__ import annotations

import base64
import enum
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.errors import InvalidValue

TELEGRAM_TEXT_LIMIT = 4096


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its time (not_before) and a free slot
    CLAIMED = "claimed"  # held by a worker, not yet attempted; goes back plainly if it dies
    SENDING = "sending"  # the request may have left; a dead worker's row returns ambiguous
    SENT = "sent"  # Telegram accepted it (telegram_message_id is set)
    FAILED = "failed"  # gave up: blocked, chat gone, or retries exhausted (last_error says)
    CANCELLED = "cancelled"  # withdrawn before sending (e.g. its prompt was cancelled)
    PARKED = "parked"  # cannot be opened (key removed, or damaged): set aside, last_error says

    @property
    def settled(self) -> bool:
        """Nothing will change by itself any more: an edit of this message may go (or is not
        needed; a parked message was never sent)."""
        return self in (
            OutboxStatus.SENT,
            OutboxStatus.FAILED,
            OutboxStatus.CANCELLED,
            OutboxStatus.PARKED,
        )


@dataclass(frozen=True)
class Button:
    label: str
    data: str  # callback data, at most 64 bytes, e.g. "ack:17"


@dataclass(frozen=True)
class Outgoing:
    """One message to one chat. ``buttons`` are rows of inline buttons."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    parse_mode: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for row in self.buttons:
            for b in row:
                if len(b.data.encode()) > 64:
                    raise InvalidValue(f"callback data over 64 bytes: {b.data[:20]}…")

    def to_json(self) -> str:
        return json.dumps(
            {
                "text": self.text,
                "buttons": [[[b.label, b.data] for b in row] for row in self.buttons],
                "parse_mode": self.parse_mode,
                "meta": self.meta,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, raw: str) -> Outgoing:
        data = json.loads(raw)
        return cls(
            text=data["text"],
            buttons=tuple(tuple(Button(lbl, d) for lbl, d in row) for row in data["buttons"]),
            parse_mode=data.get("parse_mode"),
            meta=data.get("meta") or {},
        )


def utf16_length(text: str) -> int:
    """Telegram's measure of a text: UTF-16 code units (an emoji outside the BMP is two)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _fitting(text: str, limit: int) -> int:
    """How many characters from the start of ``text`` fit in ``limit`` UTF-16 units."""
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            return i
    return len(text)


def split_text(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Split text into Telegram-sized pieces, preferring paragraph and line breaks.

    Sizes are counted as Telegram counts them, in UTF-16 units, so a journal full of
    emoji splits where Telegram would otherwise refuse it; a cut never falls inside an
    HTML tag or character entity.
    """
    if utf16_length(text) <= limit:
        return [text]
    parts: list[str] = []
    rest = text
    while utf16_length(rest) > limit:
        fit = _fitting(rest, limit)
        cut = rest.rfind("\n\n", 0, fit)
        if cut < fit // 2:
            cut = rest.rfind("\n", 0, fit)
        if cut < fit // 2:
            cut = rest.rfind(" ", 0, fit)
        if cut < fit // 2:
            cut = fit
        opened = max(rest.rfind("<", 0, cut), rest.rfind("&", 0, cut))
        closed = max(rest.rfind(">", 0, cut), rest.rfind(";", 0, cut))
        if opened > closed and opened > 0 and cut - opened < 64:
            cut = opened  # not inside a tag or an entity
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return [p for p in parts if p]


def pack(blocks: Sequence[str], first_limit: int, limit: int) -> list[str]:
    """``blocks`` (paragraphs, e.g. one per participant) in pieces of at most ``first_limit``
    UTF-16 units for the first piece (a photo's caption) and ``limit`` for the others.

    Cut between blocks where possible; a block too long for a piece is cut between its
    lines, a line too long between words; only a single word longer than a whole piece
    is cut inside it. Blocks in one piece are separated by a blank line.
    """
    pieces: list[str] = []
    current = ""

    def room() -> int:
        return first_limit if not pieces else limit

    def close() -> None:
        nonlocal current
        if current.strip():
            pieces.append(current.rstrip())
        current = ""

    def add(unit: str, joiner: str) -> bool:
        """Append ``unit`` to the current piece if it fits there."""
        nonlocal current
        candidate = f"{current}{joiner}{unit}" if current else unit
        if utf16_length(candidate) <= room():
            current = candidate
            return True
        return False

    for block in blocks:
        if add(block, "\n\n"):
            continue
        if utf16_length(block) <= limit:  # fits a piece of its own: start one
            close()
            if add(block, ""):
                continue
        # too long for any piece: its lines fill this piece and the next ones
        for line_no, line in enumerate(block.split("\n")):
            joiner = "\n" if line_no else "\n\n"
            if add(line, joiner):
                continue
            close()
            if add(line, ""):
                continue
            for word in line.split(" "):
                if add(word, " "):
                    continue
                close()
                while not add(word, ""):
                    cut = max(_fitting(word, room()), 1)
                    pieces.append(word[:cut])
                    word = word[cut:]
    close()
    return pieces


def photo(png: bytes, name: str) -> dict[str, str]:
    """An image as an outgoing message's ``meta["photo"]``: sent with sendPhoto, the
    message's text as its caption (at most 1,024 UTF-16 units)."""
    return {"name": name, "content": base64.b64encode(png).decode("ascii")}
