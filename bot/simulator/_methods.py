"""Bot API methods that read or change chats and messages (everything but updates)."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from typing import Any

from ._commands import CommandMethods
from ._formatting import EntityParseError, parse_text, utf16_len
from ._models import ApiError, EditRecord, SentMessage, UploadedFile, bad_request, forbidden
from ._params import Params
from ._world import ChatState, World

__all__ = ["RATE_LIMITED_METHODS", "BotApiMethods"]

Handler = Callable[[Params], Awaitable[Any]]

#: Methods that send a new message and are therefore subject to flood control.
RATE_LIMITED_METHODS = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "sendvoice",
        "sendaudio",
        "sendvideo",
        "sendanimation",
        "sendsticker",
        "sendvideonote",
        "copymessage",
        "forwardmessage",
    }
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_MEDIA = {
    # method: (parameter, default mime type)
    "sendphoto": ("photo", "image/jpeg"),
    "senddocument": ("document", "application/octet-stream"),
    "sendvoice": ("voice", "audio/ogg"),
    "sendaudio": ("audio", "audio/mpeg"),
    "sendvideo": ("video", "video/mp4"),
    "sendanimation": ("animation", "video/mp4"),
    "sendsticker": ("sticker", "image/webp"),
}
_ACCEPTED_SETTERS = frozenset(
    {
        "setmydescription",
        "setmyshortdescription",
        "setmyname",
        "setchatmenubutton",
        "setmydefaultadministratorrights",
        "setmessagereaction",
    }
)
MAX_TEXT = 4096
MAX_CAPTION = 1024


class BotApiMethods:
    """Implements the chat and message methods on a :class:`World`.

    ``admit(chat_id)`` is called right before a message is accepted; it raises the 429
    when flood control refuses it.
    """

    def __init__(self, world: World, admit: Callable[[int], None]) -> None:
        self.world = world
        self.admit = admit
        self.handlers: dict[str, Handler] = {
            "getme": self.get_me,
            "sendmessage": self.send_message,
            "editmessagetext": self.edit_message_text,
            "editmessagecaption": self.edit_message_caption,
            "editmessagereplymarkup": self.edit_message_reply_markup,
            "deletemessage": self.delete_message,
            "deletemessages": self.delete_messages,
            "answercallbackquery": self.answer_callback_query,
            "sendchataction": self.send_chat_action,
            "getchat": self.get_chat,
            "getfile": self.get_file,
            "close": self.ok,
            "logout": self.ok,
        }
        self.handlers.update(CommandMethods(world).handlers)
        for method in _MEDIA:
            self.handlers[method] = self._media_sender(method)
        for method in _ACCEPTED_SETTERS:
            self.handlers[method] = self.ok

    # ------------------------------------------------------------------ basics
    async def ok(self, p: Params) -> bool:
        return True

    async def get_me(self, p: Params) -> dict[str, Any]:
        return {
            **self.world.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def get_chat(self, p: Params) -> dict[str, Any]:
        state = self.world.chat(p.chat_id())
        return {
            **self.world.chat_json(state),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def get_file(self, p: Params) -> dict[str, Any]:
        stored = self.world.files.get(p.get_str("file_id", required=True) or "")
        if stored is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    # ------------------------------------------------------------------ validation
    def _writable_chat(self, chat_id: int) -> ChatState:
        state = self.world.chat(chat_id)
        if state.blocked:
            raise forbidden("bot was blocked by the user")
        if not state.started:
            raise forbidden("bot can't initiate conversation with a user")
        return state

    def _text(self, p: Params, name: str, entities_name: str, limit: int) -> dict[str, Any]:
        raw = p.get_str(name)
        if name == "text" and not raw:
            raise bad_request("message text is empty")
        if raw is None:
            return {}
        parse_mode = p.get_str("parse_mode")
        try:
            plain, entities = parse_text(raw, parse_mode)
        except EntityParseError as exc:
            raise ApiError(400, str(exc)) from None
        explicit = p.get_json(entities_name)
        if explicit and not parse_mode:
            entities = list(explicit)
        if name == "text" and not plain.strip():
            raise bad_request("text must be non-empty")
        if utf16_len(plain) > limit:  # Telegram counts UTF-16 code units
            raise bad_request(
                "message is too long" if name == "text" else "message caption is too long"
            )
        out: dict[str, Any] = {name: plain}
        if entities:
            out[entities_name] = entities
        return out

    def _reply_markup(self, p: Params) -> dict[str, Any] | None:
        markup = p.get_json("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard")
        if rows is None:
            return markup
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array'
            )
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise bad_request('can\'t find field "text"')
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise bad_request("BUTTON_DATA_INVALID")
                if len(button) == 1:
                    raise bad_request("text buttons are unallowed in the inline keyboard")
        return markup

    def _reply_to(self, p: Params, state: ChatState) -> int | None:
        reply_to = p.get_int("reply_to_message_id")
        allow_missing = p.get_bool("allow_sending_without_reply")
        parameters = p.get_json("reply_parameters")
        if isinstance(parameters, dict) and parameters.get("message_id") is not None:
            reply_to = int(parameters["message_id"])
            allow_missing = bool(parameters.get("allow_sending_without_reply", allow_missing))
        if reply_to is None or reply_to in state.messages:
            return reply_to
        if allow_missing:
            return None
        raise bad_request("message to be replied not found")

    # ------------------------------------------------------------------ sending
    def _accept(
        self,
        method: str,
        p: Params,
        state: ChatState,
        content: dict[str, Any],
        *,
        text_key: str,
        reply_markup: dict[str, Any] | None,
        reply_to: int | None,
        file_id: str | None = None,
    ) -> dict[str, Any]:
        self.admit(state.chat_id)
        world = self.world
        message_id = state.new_message_id()
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": dict(world.bot_user),
            "chat": world.chat_json(state),
            "date": world.now_date(),
        }
        if reply_to is not None:
            replied = copy.deepcopy(state.messages[reply_to])
            replied.pop("reply_to_message", None)
            message["reply_to_message"] = replied
        message.update(content)
        if reply_markup is not None and "inline_keyboard" in reply_markup:
            message["reply_markup"] = reply_markup
        entities_key = "entities" if text_key == "text" else "caption_entities"
        upload = next((v for v in p.values.values() if isinstance(v, UploadedFile)), None)
        sent = SentMessage(
            chat_id=state.chat_id,
            message_id=message_id,
            method=_canonical(method),
            date=message["date"],
            sent_at=world.clock(),
            text=content.get(text_key),
            raw_text=p.get_str(text_key),
            parse_mode=p.get_str("parse_mode"),
            entities=list(content.get(entities_key, [])),
            reply_markup=reply_markup,
            reply_to_message_id=reply_to,
            file=upload,
            file_id=file_id,
            params=dict(p.values),
            message_json=message,
        )
        state.messages[message_id] = message
        state.bot_messages[message_id] = sent
        world.sent.append(sent)
        world.notify()
        return copy.deepcopy(message)

    async def send_message(self, p: Params) -> dict[str, Any]:
        state = self._writable_chat(p.chat_id())
        content = self._text(p, "text", "entities", MAX_TEXT)
        markup = self._reply_markup(p)
        reply_to = self._reply_to(p, state)
        return self._accept(
            "sendMessage",
            p,
            state,
            content,
            text_key="text",
            reply_markup=markup,
            reply_to=reply_to,
        )

    def _media_sender(self, method: str) -> Handler:
        param, default_mime = _MEDIA[method]

        async def send_media(p: Params) -> dict[str, Any]:
            state = self._writable_chat(p.chat_id())
            content = self._text(p, "caption", "caption_entities", MAX_CAPTION)
            markup = self._reply_markup(p)
            reply_to = self._reply_to(p, state)
            stored = self.world.file_from_param(p.raw(param), kind=param, default_name=param)
            media: dict[str, Any] = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": len(stored.content),
            }
            if param == "photo":
                content["photo"] = [{**media, "width": 320, "height": 240}]
            else:
                if param in ("document", "audio", "video", "animation"):
                    media["file_name"] = stored.file_name or f"{param}.bin"
                if param != "sticker":
                    media["mime_type"] = (
                        stored.mime_type
                        if stored.mime_type != "application/octet-stream"
                        else default_mime
                    )
                if param in ("voice", "audio", "video", "animation"):
                    media["duration"] = p.get_int("duration", 1)
                if param in ("video", "animation", "sticker"):
                    media.update(width=p.get_int("width", 512), height=p.get_int("height", 512))
                if param == "sticker":
                    media.update(type="regular", is_animated=False, is_video=False)
                content[param] = media
            return self._accept(
                method,
                p,
                state,
                content,
                text_key="caption",
                reply_markup=markup,
                reply_to=reply_to,
                file_id=stored.file_id,
            )

        return send_media

    # ------------------------------------------------------------------ editing
    def _editable(self, p: Params) -> tuple[ChatState, SentMessage]:
        if "inline_message_id" in p:
            raise bad_request("message to edit not found")
        state = self._writable_chat(p.chat_id())
        message_id = p.get_int("message_id", required=True)
        assert message_id is not None
        sent = state.bot_messages.get(message_id)
        if sent is None or sent.deleted:
            if message_id in state.messages:
                raise bad_request("message can't be edited")
            raise bad_request("message to edit not found")
        return state, sent

    def _apply_edit(
        self,
        method: str,
        sent: SentMessage,
        content: dict[str, Any],
        reply_markup: dict[str, Any] | None,
    ) -> dict[str, Any]:
        old = sent.message_json
        new = copy.deepcopy(old)
        if "text" in content or "caption" in content:
            new.pop("entities", None)
            new.pop("caption_entities", None)
        new.update(content)
        new.pop("reply_markup", None)
        if reply_markup is not None and "inline_keyboard" in reply_markup:
            new["reply_markup"] = reply_markup
        if {k: v for k, v in new.items() if k != "edit_date"} == {
            k: v for k, v in old.items() if k != "edit_date"
        }:
            raise bad_request(_NOT_MODIFIED)
        sent.edits.append(
            EditRecord(self.world.clock(), _canonical(method), sent.text, sent.reply_markup)
        )
        new["edit_date"] = sent.edit_date = self.world.now_date()
        sent.message_json = new
        self.world.chats[sent.chat_id].messages[sent.message_id] = new
        text_key = "text" if "text" in new else "caption"
        sent.text = new.get(text_key)
        sent.entities = list(new.get("entities" if text_key == "text" else "caption_entities", []))
        sent.reply_markup = reply_markup
        self.world.notify()
        return copy.deepcopy(new)

    async def edit_message_text(self, p: Params) -> dict[str, Any]:
        _, sent = self._editable(p)
        if "text" not in sent.message_json:
            raise bad_request("there is no text in the message to edit")
        content = self._text(p, "text", "entities", MAX_TEXT)
        sent.raw_text = p.get_str("text")
        sent.parse_mode = p.get_str("parse_mode")
        return self._apply_edit("editMessageText", sent, content, self._reply_markup(p))

    async def edit_message_caption(self, p: Params) -> dict[str, Any]:
        _, sent = self._editable(p)
        if "text" in sent.message_json:
            raise bad_request("there is no caption in the message to edit")
        content = self._text(p, "caption", "caption_entities", MAX_CAPTION)
        return self._apply_edit("editMessageCaption", sent, content, self._reply_markup(p))

    async def edit_message_reply_markup(self, p: Params) -> dict[str, Any]:
        _, sent = self._editable(p)
        return self._apply_edit("editMessageReplyMarkup", sent, {}, self._reply_markup(p))

    async def delete_message(self, p: Params) -> bool:
        state = self.world.chat(p.chat_id())
        message_id = p.get_int("message_id", required=True)
        assert message_id is not None
        self._delete(state, message_id)
        return True

    async def delete_messages(self, p: Params) -> bool:
        state = self.world.chat(p.chat_id())
        ids = p.get_json("message_ids") or []
        for message_id in ids:
            if int(message_id) in state.messages:
                self._delete(state, int(message_id))
        return True

    def _delete(self, state: ChatState, message_id: int) -> None:
        if state.messages.pop(message_id, None) is None:
            raise bad_request("message to delete not found")
        sent = state.bot_messages.get(message_id)
        if sent is not None:
            sent.deleted = True
        self.world.notify()

    # ------------------------------------------------------------------ callbacks
    async def answer_callback_query(self, p: Params) -> bool:
        query_id = p.get_str("callback_query_id", required=True) or ""
        record = self.world.callbacks.get(query_id)
        if record is None or record.answered:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        record.answered = True
        record.answered_at = self.world.clock()
        record.answer_text = p.get_str("text")
        record.show_alert = p.get_bool("show_alert")
        self.world.notify()
        return True

    async def send_chat_action(self, p: Params) -> bool:
        state = self._writable_chat(p.chat_id())
        action = p.get_str("action", required=True)
        if action not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        state.chat_actions.append((self.world.clock(), action))
        return True


def _canonical(method: str) -> str:
    """``sendmessage`` -> ``sendMessage`` for the methods the fake knows."""
    for name in (
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVoice",
        "sendAudio",
        "sendVideo",
        "sendAnimation",
        "sendSticker",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
    ):
        if name.lower() == method.lower():
            return name
    return method
