"""What Ember reads of a raw Telegram update before handling it: the chat it belongs to
(a chat's updates are handled in order), and a person's words, for triage. Pure."""

from __future__ import annotations

import json
from typing import Any

from bot.services.inbound import WaitingMessage


def chat_of(raw: dict[str, Any]) -> int | None:
    """The chat an update belongs to (its updates are handled in order), if it names one."""
    for kind in ("message", "edited_message", "callback_query", "my_chat_member"):
        body = raw.get(kind)
        if not isinstance(body, dict):
            continue
        for path in (("chat", "id"), ("message", "chat", "id"), ("from", "id")):
            node: Any = body
            for key in path:
                node = node.get(key) if isinstance(node, dict) else None
            if isinstance(node, int):
                return node
    return None


def waiting_message(update_id: int, raw: dict[str, Any]) -> WaitingMessage | None:
    """What triage reads of a stored update: a person's words (text or caption), if any;
    commands and buttons are not journal entries and keep their place."""
    message = raw.get("message") or raw.get("edited_message")
    if not isinstance(message, dict):
        return None
    sender = message.get("from") or {}
    words = message.get("text") if message.get("text") is not None else message.get("caption")
    if not isinstance(words, str) or not words.strip() or words.startswith("/"):
        return None
    if sender.get("is_bot") or not isinstance(sender.get("id"), int):
        return None
    return WaitingMessage(
        update_id=update_id,
        telegram_user_id=sender["id"],
        chat_id=int((message.get("chat") or {}).get("id", sender["id"])),
        message_id=int(message.get("message_id", 0)),
        text=words,
        edited="edited_message" in raw,
    )


def is_original_of(payload: str, edit: WaitingMessage) -> bool:
    """The stored update ``payload`` (JSON) is the first version of the message ``edit``
    changes."""
    try:
        message = json.loads(payload).get("message") or {}
    except (ValueError, TypeError, AttributeError):
        return False
    return (
        message.get("message_id") == edit.message_id
        and (message.get("chat") or {}).get("id") == edit.chat_id
    )
