"""Reading Bot API parameters from a query string, a form, multipart data or JSON.

Telegram accepts all four; python-telegram-bot sends form fields (multipart when a file is
uploaded) whose non-string values are JSON-encoded, so ``chat_id`` arrives as ``"42"`` and
``reply_markup`` as a JSON string. :func:`decode_params` turns them back into values.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ._models import UploadedFile, bad_request

__all__ = ["Params", "decode_params"]

# Parameters whose string form is JSON (numbers, booleans, objects, arrays).
_JSON_NAMES = frozenset(
    {
        "chat_id",
        "message_id",
        "message_ids",
        "from_chat_id",
        "message_thread_id",
        "reply_to_message_id",
        "offset",
        "limit",
        "timeout",
        "user_id",
        "cache_time",
        "duration",
        "width",
        "height",
        "max_connections",
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "reply_parameters",
        "link_preview_options",
        "disable_notification",
        "protect_content",
        "disable_web_page_preview",
        "show_alert",
        "drop_pending_updates",
        "allow_sending_without_reply",
        "has_spoiler",
        "show_caption_above_media",
        "disable_content_type_detection",
        "supports_streaming",
        "media",
        "sticker_format",
    }
)


def _decode(name: str, value: Any) -> Any:
    if isinstance(value, str) and name in _JSON_NAMES:
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def decode_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Decode JSON-encoded form values and resolve ``attach://<name>`` upload references."""
    values = {name: _decode(name, value) for name, value in raw.items()}
    for name, value in list(values.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            part = value[len("attach://") :]
            if isinstance(values.get(part), UploadedFile):
                values[name] = values.pop(part)
    return values


class Params:
    """Typed access to decoded parameters, raising Telegram's 400 errors."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def __contains__(self, name: str) -> bool:
        return self.values.get(name) is not None

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def get_int(
        self, name: str, default: int | None = None, *, required: bool = False
    ) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return default
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        try:
            return int(str(value))
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def get_float(self, name: str, default: float) -> float:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def get_str(
        self, name: str, default: str | None = None, *, required: bool = False
    ) -> str | None:
        value = self.values.get(name)
        if value is None:
            if required:
                raise bad_request(f"{name} is empty")
            return default
        if isinstance(value, UploadedFile):
            raise bad_request(f"{name} must be a string")
        return value if isinstance(value, str) else json.dumps(value)

    def get_bool(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def get_json(self, name: str) -> Any:
        value = self.values.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def chat_id(self) -> int:
        value = self.values.get("chat_id")
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return int(str(value))
        except ValueError:
            # "@username" works for public channels only, never for private chats.
            raise bad_request("chat not found") from None
