"""Plain records the simulator keeps: what the bot sent, every API call, button presses, faults."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "ApiError",
    "CallbackRecord",
    "EditRecord",
    "Fault",
    "RecordedCall",
    "SentMessage",
    "UploadedFile",
    "WebhookAttempt",
]


class ApiError(Exception):
    """An error answer of the Bot API: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> ApiError:
    """``400 Bad Request: <reason>``."""
    return ApiError(400, f"Bad Request: {reason}")


def forbidden(reason: str) -> ApiError:
    """``403 Forbidden: <reason>``."""
    return ApiError(403, f"Forbidden: {reason}")


@dataclass(frozen=True)
class UploadedFile:
    """A file the bot uploaded (multipart part) or that a fake user sent."""

    file_name: str
    content: bytes
    mime_type: str = "application/octet-stream"

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class EditRecord:
    """One successful edit of a bot message (the state before the edit is kept here)."""

    at: float
    method: str
    old_text: str | None
    old_reply_markup: dict[str, Any] | None


@dataclass
class SentMessage:
    """A message the bot sent (``send*`` methods). Mutated in place by edits and deletes."""

    chat_id: int
    message_id: int
    method: str
    date: int
    sent_at: float
    """Clock time at which the fake accepted the message."""
    text: str | None = None
    """Text after entity parsing (markup removed); for media messages this is the caption."""
    raw_text: str | None = None
    """Text exactly as the bot sent it (markup included)."""
    parse_mode: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    file: UploadedFile | None = None
    file_id: str | None = None
    """For media messages: the ``file_id`` (the one the bot passed, or a new one on upload)."""
    params: dict[str, Any] = field(default_factory=dict)
    edits: list[EditRecord] = field(default_factory=list)
    deleted: bool = False
    edit_date: int | None = None
    message_json: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def kind(self) -> str:
        """``"text"``, ``"photo"``, ``"document"``, ... (from the method name)."""
        return "text" if self.method == "sendMessage" else self.method[4:].lower()

    @property
    def caption(self) -> str | None:
        return None if self.method == "sendMessage" else self.text

    @property
    def buttons(self) -> list[tuple[str, str | None]]:
        """Inline keyboard buttons as ``(text, callback_data)``, row by row."""
        return [(b.get("text", ""), b.get("callback_data")) for b in self._inline_buttons()]

    @property
    def button_rows(self) -> list[list[tuple[str, str | None]]]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [[(b.get("text", ""), b.get("callback_data")) for b in row] for row in rows]

    def _inline_buttons(self) -> list[dict[str, Any]]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]

    def callback_data_for(self, text: str) -> str:
        """The callback_data of the button labelled ``text`` (exact match)."""
        for label, data in self.buttons:
            if label == text and data is not None:
                return data
        raise LookupError(
            f"no callback button {text!r} on message {self.message_id}: {self.buttons}"
        )

    def to_message(self) -> dict[str, Any]:
        """The Bot API ``Message`` object of the current state of this message."""
        return copy.deepcopy(self.message_json)


@dataclass
class RecordedCall:
    """One HTTP request to the Bot API."""

    method: str
    """Method name as sent (case preserved); ``"?"`` if the path had none."""
    params: dict[str, Any]
    """Parameters with numbers, booleans and JSON objects decoded; uploads as UploadedFile."""
    arrived_at: float
    http_method: str = "POST"
    status: int | None = None
    """HTTP status returned; None while in flight or when the connection was dropped."""
    finished_at: float | None = None
    response: dict[str, Any] | None = None
    fault: str | None = None
    """``"error"``, ``"timeout"`` or ``"drop"`` when an injected fault answered this call."""

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class CallbackRecord:
    """An inline-button press by a fake user and what the bot answered."""

    id: str
    chat_id: int
    user_id: int
    message_id: int
    data: str
    pressed_at: float
    forged: bool = False
    answered: bool = False
    answered_at: float | None = None
    answer_text: str | None = None
    show_alert: bool = False


@dataclass
class WebhookAttempt:
    """One POST of an update to the bot's webhook."""

    update_id: int
    started_at: float
    status: int | None = None
    error: str | None = None
    finished_at: float | None = None


FaultKind = Literal["error", "timeout", "drop"]


@dataclass
class Fault:
    """An injected failure for the next ``count`` calls of ``method`` (optionally one chat)."""

    kind: FaultKind
    method: str
    count: int = 1
    chat_id: int | None = None
    status: int = 500
    description: str = "Internal Server Error"
    retry_after: int | None = None
    after_processing: bool = False
    delay: float = 0.0

    def matches(self, method: str, chat_id: int | None) -> bool:
        if self.count <= 0 or self.method.lower() not in (method.lower(), "*"):
            return False
        return self.chat_id is None or self.chat_id == chat_id
