"""Sends one outbox message through the Bot API and turns PTB's errors into DeliveryError."""

from __future__ import annotations

import base64
from typing import Protocol

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.delivery.retry import DeliveryError, DeliveryErrorKind
from bot.domain.outgoing import Outgoing


class MessageSender(Protocol):
    async def send(self, chat_id: int, message: Outgoing) -> int:
        """Send; return Telegram's message id or raise DeliveryError."""
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


class TelegramSender:
    """The one road from the outbox to Telegram."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, chat_id: int, message: Outgoing) -> int:
        try:
            document = message.meta.get("document")
            if document:
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
            raise DeliveryError(DeliveryErrorKind.SERVER_ERROR, exc.message[:120]) from None
        return sent.message_id
