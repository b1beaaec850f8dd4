"""What Ember wants to say: a message with optional buttons, independent of Telegram types."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot.errors import InvalidValue

TELEGRAM_TEXT_LIMIT = 4096


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


def split_text(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Split text into Telegram-sized pieces, preferring paragraph and line breaks."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n\n", 0, limit)
        if cut < limit // 2:
            cut = rest.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts
