"""Plain descriptions of what arrived from Telegram, made by handlers for services."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sender:
    update_id: int
    telegram_user_id: int
    chat_id: int
    language_code: str | None = None


@dataclass(frozen=True)
class InboundMessage:
    sender: Sender
    message_id: int
    kind: str  # text, photo, voice, video, audio, document, sticker, other
    text: str | None  # the text, or a media caption
    media_ref: str | None = None  # Telegram file id of the media, if any
    reply_to_message_id: int | None = None
    edited: bool = False


@dataclass(frozen=True)
class WaitingMessage:
    """A stored message not yet handled, as much of it as triage reads (its words)."""

    update_id: int
    telegram_user_id: int
    chat_id: int
    message_id: int
    text: str  # the text, or a media caption
    edited: bool = False
