"""Sends one outbox message through the Bot API, or edits one it sent, and turns PTB's errors
into DeliveryError."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.delivery.retry import DeliveryError, DeliveryErrorKind
from bot.domain.outgoing import Outgoing

# Telegram's answer to an edit that changes nothing: the message already says it (an edit
# retried after its answer was lost, say), so the edit is done.
NOT_MODIFIED = "message is not modified"


class MessageSender(Protocol):
    async def send(self, chat_id: int, message: Outgoing) -> int:
        """Send; return Telegram's message id or raise DeliveryError."""
        ...

    async def edit(self, chat_id: int, message_id: int, message: Outgoing) -> None:
        """Make the sent message ``message_id`` say ``message``, with exactly its buttons
        (none: the buttons are taken off); raise DeliveryError if Telegram refuses."""
        ...


def keyboard(message: Outgoing) -> InlineKeyboardMarkup | None:
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
            for row in message.buttons
        ]
    )


@contextmanager
def delivery_errors() -> Iterator[None]:
    """PTB's exceptions as the retry policy's DeliveryError kinds."""
    try:
        yield
    except RetryAfter as exc:
        retry = exc.retry_after
        seconds = retry if isinstance(retry, int | float) else retry.total_seconds()
        raise DeliveryError(DeliveryErrorKind.RATE_LIMITED, "429", float(seconds)) from None
    except Forbidden as exc:
        raise DeliveryError(DeliveryErrorKind.BLOCKED, exc.message[:120]) from None
    except BadRequest as exc:
        if "chat not found" in exc.message.lower():
            raise DeliveryError(DeliveryErrorKind.CHAT_NOT_FOUND, exc.message[:120]) from None
        raise DeliveryError(DeliveryErrorKind.BAD_REQUEST, exc.message[:120]) from None
    except TimedOut as exc:
        if isinstance(exc.__cause__, httpx.ConnectTimeout | httpx.PoolTimeout):
            # never left this machine: a plain retry, not an ambiguous one
            raise DeliveryError(DeliveryErrorKind.SERVER_ERROR, exc.message[:120]) from None
        raise DeliveryError(DeliveryErrorKind.TIMEOUT, exc.message[:120]) from None
    except NetworkError as exc:
        if isinstance(exc.__cause__, httpx.ReadError | httpx.RemoteProtocolError):
            # the connection dropped after the request went out, before its answer: it may
            # have been sent, so trying again is ambiguous (as for a timeout)
            raise DeliveryError(DeliveryErrorKind.TIMEOUT, exc.message[:120]) from None
        # a 5xx answer, or a connection that never carried the request: not sent
        raise DeliveryError(DeliveryErrorKind.SERVER_ERROR, exc.message[:120]) from None


class TelegramSender:
    """The one road from the outbox to Telegram."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, chat_id: int, message: Outgoing) -> int:
        with delivery_errors():
            document = message.meta.get("document")
            photo = message.meta.get("photo")
            if photo:
                sent = await self._bot.send_photo(
                    chat_id=chat_id,
                    photo=InputFile(base64.b64decode(photo["content"]), filename=photo["name"]),
                    caption=message.text or None,
                    reply_markup=keyboard(message),
                    parse_mode=message.parse_mode,
                )
            elif document:
                sent = await self._bot.send_document(
                    chat_id=chat_id,
                    document=InputFile(
                        base64.b64decode(document["content"]), filename=document["name"]
                    ),
                    caption=message.text[:1024] or None,
                )
            else:
                sent = await self._bot.send_message(
                    chat_id=chat_id,
                    text=message.text,
                    reply_markup=keyboard(message),
                    parse_mode=message.parse_mode,
                )
        return sent.message_id

    async def edit(self, chat_id: int, message_id: int, message: Outgoing) -> None:
        try:
            with delivery_errors():
                # editMessageText without reply_markup takes the inline keyboard off
                await self._bot.edit_message_text(
                    chat_id=chat_id,
                    message_id=message_id,
                    text=message.text,
                    reply_markup=keyboard(message),
                    parse_mode=message.parse_mode,
                )
        except DeliveryError as error:
            if error.kind is DeliveryErrorKind.BAD_REQUEST and NOT_MODIFIED in error.detail.lower():
                return
            raise
