"""Simulated Telegram users: they write to the bot, press its buttons, send media, block it."""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from ._formatting import utf16_len
from ._inspection import WAIT_SECONDS
from ._models import CallbackRecord, SentMessage
from ._world import ChatState, World

if TYPE_CHECKING:
    from ._server import FakeTelegram

__all__ = ["FakeUser"]

_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_TINY_JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")
_TINY_OGG = b"OggS" + bytes(60)
_TINY_WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8 " + bytes(14)


class HasMessageId(Protocol):
    """A SentMessage, a ``telegram.Message`` or anything else with a message_id."""

    @property
    def message_id(self) -> int: ...


def _message_id(message: HasMessageId | int) -> int:
    return message if isinstance(message, int) else message.message_id


def command_entities(text: str) -> list[dict[str, Any]]:
    """``bot_command`` entities as Telegram's server adds them to incoming text."""
    return [
        {"type": "bot_command", "offset": utf16_len(text[: m.start()]), "length": utf16_len(m[0])}
        for m in _COMMAND_RE.finditer(text)
    ]


class FakeUser:
    """A Telegram user in a private chat with the bot (``chat.id == user.id``).

    Every action queues the Update Telegram would produce and returns it as a dict.
    """

    def __init__(
        self,
        telegram: FakeTelegram,
        world: World,
        user_id: int,
        first_name: str,
        language_code: str | None,
        username: str | None,
        last_name: str | None = None,
    ) -> None:
        self._telegram = telegram
        self._world = world
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.language_code = language_code
        self.username = username

    def __repr__(self) -> str:
        return f"FakeUser(id={self.id}, first_name={self.first_name!r})"

    # ------------------------------------------------------------------ JSON
    @property
    def chat_id(self) -> int:
        return self.id

    def to_json(self) -> dict[str, Any]:
        """The Bot API ``User`` object."""
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    @property
    def _chat(self) -> ChatState:
        return self._world.chats[self.id]

    def _message(self, **content: Any) -> dict[str, Any]:
        state = self._chat
        if state.blocked:
            self.unblock_bot()  # the client's "Restart" button unblocks before sending
        state.started = True
        message_id = state.new_message_id()
        message = {
            "message_id": message_id,
            "from": self.to_json(),
            "chat": self._world.chat_json(state),
            "date": self._world.now_date(),
            **content,
        }
        state.messages[message_id] = message
        return self._world.updates.put("message", copy.deepcopy(message))

    # ------------------------------------------------------------------ text
    def send_text(self, text: str, *, reply_to: int | None = None) -> dict[str, Any]:
        """Send ``text``; ``/commands`` in it get ``bot_command`` entities."""
        content: dict[str, Any] = {"text": text}
        entities = command_entities(text)
        if entities:
            content["entities"] = entities
        if reply_to is not None:
            content["reply_to_message"] = self._replied(reply_to)
        return self._message(**content)

    def send_command(self, command: str, *args: str) -> dict[str, Any]:
        """``send_command("/start", "abc")`` sends ``/start abc``."""
        if not command.startswith("/"):
            command = "/" + command
        return self.send_text(" ".join([command, *args]))

    def reply_to(self, message: HasMessageId | int, text: str) -> dict[str, Any]:
        """Reply (Telegram's "Reply" action) to one of the chat's messages."""
        message_id = _message_id(message)
        return self.send_text(text, reply_to=message_id)

    def _replied(self, message_id: int) -> dict[str, Any]:
        found = self._chat.messages.get(message_id)
        if found is None:
            raise LookupError(f"no message {message_id} in chat {self.id}")
        replied = copy.deepcopy(found)
        replied.pop("reply_to_message", None)
        return replied

    def edit(self, message_id: int, new_text: str) -> dict[str, Any]:
        """Edit one of this user's own text messages (an ``edited_message`` update)."""
        stored = self._chat.messages.get(message_id)
        if stored is None or stored.get("from", {}).get("id") != self.id:
            raise LookupError(f"user {self.id} has no message {message_id} to edit")
        stored["text"] = new_text
        stored["edit_date"] = self._world.now_date()
        entities = command_entities(new_text)
        if entities:
            stored["entities"] = entities
        else:
            stored.pop("entities", None)
        return self._world.updates.put("edited_message", copy.deepcopy(stored))

    # ------------------------------------------------------------------ media
    def send_photo(
        self, caption: str | None = None, *, content: bytes = _TINY_JPEG
    ) -> dict[str, Any]:
        sizes = []
        for width, height in ((90, 67), (320, 240), (800, 600)):
            stored = self._world.new_file(
                content, kind="photo", mime_type="image/jpeg", extension="jpg"
            )
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "width": width,
                    "height": height,
                    "file_size": len(content),
                }
            )
        return self._message(photo=sizes, **_caption(caption))

    def send_voice(self, duration: int = 3, *, content: bytes = _TINY_OGG) -> dict[str, Any]:
        stored = self._world.new_file(content, kind="voice", mime_type="audio/ogg", extension="oga")
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(content),
        }
        return self._message(voice=voice)

    def send_document(
        self,
        file_name: str = "x.pdf",
        caption: str | None = None,
        *,
        content: bytes = b"%PDF-1.4\n%%EOF\n",
        mime_type: str = "application/pdf",
    ) -> dict[str, Any]:
        ext = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        stored = self._world.new_file(
            content, kind="document", mime_type=mime_type, file_name=file_name, extension=ext
        )
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        return self._message(document=document, **_caption(caption))

    def send_sticker(self, emoji: str = "👍") -> dict[str, Any]:
        stored = self._world.new_file(
            _TINY_WEBP, kind="sticker", mime_type="image/webp", extension="webp"
        )
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": len(_TINY_WEBP),
        }
        return self._message(sticker=sticker)

    # ------------------------------------------------------------------ buttons
    def press(
        self,
        message: HasMessageId | int,
        callback_data: str | None = None,
        *,
        text: str | None = None,
        forge: bool = False,
    ) -> str:
        """Press an inline button of a bot message; return the callback query id.

        Pick the button by ``callback_data`` or by its label (``text=``). The button must be
        on the message as it is now, unless ``forge=True`` (a modified client sending any
        data). Whether the bot answered is in ``telegram.callback(query_id)``.
        """
        message_id = _message_id(message)
        sent = self._chat.bot_messages.get(message_id)
        if sent is None or sent.deleted:
            raise LookupError(f"the bot has no (undeleted) message {message_id} in chat {self.id}")
        if text is not None:
            callback_data = sent.callback_data_for(text)
        if callback_data is None:
            raise ValueError("press() needs callback_data or text=")
        if not forge and callback_data not in [data for _, data in sent.buttons]:
            raise LookupError(
                f"message {message_id} has no button with callback_data {callback_data!r}; "
                f"buttons: {sent.buttons}"
            )
        query_id = str(4_000_000_000_000_000 + self._world.next_id())
        self._world.callbacks[query_id] = CallbackRecord(
            id=query_id,
            chat_id=self.id,
            user_id=self.id,
            message_id=message_id,
            data=callback_data,
            pressed_at=self._world.clock(),
            forged=forge,
        )
        chat_instance = str(int(hashlib.sha1(f"{self.id}".encode()).hexdigest()[:15], 16))
        self._world.updates.put(
            "callback_query",
            {
                "id": query_id,
                "from": self.to_json(),
                "message": sent.to_message(),
                "chat_instance": chat_instance,
                "data": callback_data,
            },
        )
        return query_id

    def buttons(self, message: HasMessageId | int | None = None) -> list[tuple[str, str | None]]:
        """``(text, callback_data)`` of the inline buttons of ``message`` (default: last)."""
        if message is None:
            return self.last_message.buttons
        return self._chat.bot_messages[_message_id(message)].buttons

    # ------------------------------------------------------------------ membership
    def block_bot(self) -> dict[str, Any]:
        """Block the bot: sends to this chat now fail with 403; a my_chat_member update."""
        self._chat.blocked = True
        return self._member_update("member", "kicked")

    def unblock_bot(self) -> dict[str, Any]:
        self._chat.blocked = False
        return self._member_update("kicked", "member")

    def _member_update(self, old: str, new: str) -> dict[str, Any]:
        def member(status: str) -> dict[str, Any]:
            body: dict[str, Any] = {"user": dict(self._world.bot_user), "status": status}
            if status == "kicked":
                body["until_date"] = 0
            return body

        return self._world.updates.put(
            "my_chat_member",
            {
                "chat": self._world.chat_json(self._chat),
                "from": self.to_json(),
                "date": self._world.now_date(),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            },
        )

    @property
    def blocked(self) -> bool:
        return self._chat.blocked

    # ------------------------------------------------------------------ what the bot did
    @property
    def messages(self) -> list[SentMessage]:
        """Everything the bot sent to this chat, in order (deleted ones flagged)."""
        return list(self._chat.bot_messages.values())

    @property
    def last_message(self) -> SentMessage:
        messages = self.messages
        if not messages:
            raise LookupError(f"the bot has sent nothing to user {self.id}")
        return messages[-1]

    @property
    def texts(self) -> list[str]:
        return [m.text or "" for m in self.messages]

    @property
    def chat_actions(self) -> list[str]:
        return [action for _, action in self._chat.chat_actions]

    @property
    def command_menu(self) -> list[str]:
        """Commands in this user's menu, from setMyCommands (Telegram's scope rules)."""
        menu = self._world.effective_commands(self.id, self.language_code or "")
        return [c["command"] for c in menu]

    @property
    def command_menu_entries(self) -> list[tuple[str, str]]:
        """``(command, description)`` pairs of this user's menu, as the client lists them."""
        menu = self._world.effective_commands(self.id, self.language_code or "")
        return [(c["command"], c["description"]) for c in menu]

    @property
    def history(self) -> list[dict[str, Any]]:
        """The chat as the user's client shows it now: every message still there, both
        directions, in order, as Bot API ``Message`` JSON (bot messages after their edits)."""
        messages = self._chat.messages
        return [copy.deepcopy(messages[key]) for key in sorted(messages)]

    async def wait_for_message(
        self,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = WAIT_SECONDS,  # noqa: ASYNC109  (the tests' waiting API)
    ) -> SentMessage:
        """The bot's next not-yet-awaited message to this chat (see FakeTelegram)."""
        return await self._telegram.wait_for_message(self.id, predicate, timeout=timeout)


def _caption(caption: str | None) -> dict[str, Any]:
    if caption is None:
        return {}
    content: dict[str, Any] = {"caption": caption}
    entities = command_entities(caption)
    if entities:
        content["caption_entities"] = entities
    return content
