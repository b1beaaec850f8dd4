"""The state behind the simulator: chats, messages, files, callback queries, commands, updates."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._models import CallbackRecord, SentMessage, UploadedFile, bad_request
from ._updates import UpdateQueue

if TYPE_CHECKING:
    from ._users import FakeUser

__all__ = ["ChatState", "StoredFile", "World"]


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    mime_type: str = "application/octet-stream"
    file_name: str | None = None


@dataclass
class ChatState:
    """A private chat between the bot and one fake user (``chat.id == user.id``)."""

    user: FakeUser
    started: bool = True
    """False: the user never wrote to the bot; sends fail with 403 until they do."""
    blocked: bool = False
    next_message_id: int = 1
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    """Every message of the chat (both directions) as Bot API ``Message`` JSON."""
    bot_messages: dict[int, SentMessage] = field(default_factory=dict)
    chat_actions: list[tuple[float, str]] = field(default_factory=list)

    @property
    def chat_id(self) -> int:
        return self.user.id

    def new_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


class World:
    def __init__(
        self,
        *,
        token: str,
        bot_username: str,
        bot_first_name: str,
        clock: Callable[[], float],
        wall_clock: Callable[[], float],
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.bot_user: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.clock = clock
        self.wall_clock = wall_clock
        self.chats: dict[int, ChatState] = {}
        self.sent: list[SentMessage] = []
        self.files: dict[str, StoredFile] = {}
        self.callbacks: dict[str, CallbackRecord] = {}
        self.commands: dict[tuple[str, int | None, int | None, str], list[dict[str, str]]] = {}
        self.updates = UpdateQueue(clock, self.notify)
        self._ids = itertools.count(1)
        self._tick: asyncio.Event | None = None

    # ------------------------------------------------------------------ notification
    def bind_loop(self) -> None:
        self._tick = asyncio.Event()

    def notify(self) -> None:
        """Wake everyone waiting for a change (long polls, webhook, ``wait_*``)."""
        if self._tick is not None:
            self._tick.set()
            self._tick = asyncio.Event()

    async def wait_change(self, timeout: float) -> None:  # noqa: ASYNC109  (the tests' waiting API)
        """Sleep until the next :meth:`notify` or ``timeout`` seconds."""
        tick = self._tick
        if tick is None or timeout <= 0:
            await asyncio.sleep(max(timeout, 0))
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await tick.wait()

    # ------------------------------------------------------------------ helpers
    def now_date(self) -> int:
        return int(self.wall_clock())

    def chat(self, chat_id: int) -> ChatState:
        """The chat or ``400 Bad Request: chat not found``."""
        state = self.chats.get(chat_id)
        if state is None:
            raise bad_request("chat not found")
        return state

    def chat_json(self, state: ChatState) -> dict[str, Any]:
        user = state.user
        chat: dict[str, Any] = {"id": user.id, "type": "private", "first_name": user.first_name}
        if user.last_name:
            chat["last_name"] = user.last_name
        if user.username:
            chat["username"] = user.username
        return chat

    def new_file(
        self,
        content: bytes,
        *,
        kind: str,
        mime_type: str = "application/octet-stream",
        file_name: str | None = None,
        extension: str = "bin",
    ) -> StoredFile:
        n = next(self._ids)
        digest = hashlib.sha1(content + n.to_bytes(8, "big")).hexdigest()
        stored = StoredFile(
            file_id=f"{kind[:3].upper()}-{n}-{digest[:24]}",
            file_unique_id=f"U{n}{digest[:10]}",
            file_path=f"{kind}s/file_{n}.{extension}",
            content=content,
            mime_type=mime_type,
            file_name=file_name,
        )
        self.files[stored.file_id] = stored
        return stored

    def file_from_param(self, value: Any, *, kind: str, default_name: str) -> StoredFile:
        """Resolve a media parameter: an upload, a known ``file_id``, or a URL."""
        if isinstance(value, UploadedFile):
            ext = value.file_name.rsplit(".", 1)[-1] if "." in value.file_name else "bin"
            return self.new_file(
                value.content,
                kind=kind,
                mime_type=value.mime_type,
                file_name=value.file_name,
                extension=ext,
            )
        if isinstance(value, str) and value:
            if value in self.files:
                return self.files[value]
            if value.startswith(("http://", "https://")):
                return self.new_file(value.encode(), kind=kind, file_name=default_name)
            raise bad_request("wrong file identifier/HTTP URL specified")
        raise bad_request(f"there is no {kind} in the request")

    def next_id(self) -> int:
        return next(self._ids)

    # ------------------------------------------------------------------ commands
    def effective_commands(self, chat_id: int, language_code: str = "") -> list[dict[str, str]]:
        """The command menu a user of private chat ``chat_id`` sees (Telegram's scope order)."""
        keys: list[tuple[str, int | None, int | None]] = [
            ("chat_member", chat_id, chat_id),
            ("chat", chat_id, None),
            ("all_private_chats", None, None),
            ("default", None, None),
        ]
        for kind, chat, user in keys:
            for lang in (language_code, ""):
                found = self.commands.get((kind, chat, user, lang))
                if found is not None:
                    return copy.deepcopy(found)
        return []
