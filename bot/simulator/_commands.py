"""setMyCommands, getMyCommands and deleteMyCommands, with Telegram's command scopes."""

from __future__ import annotations

import copy
import re
from collections.abc import Awaitable, Callable
from typing import Any

from ._models import bad_request
from ._params import Params
from ._world import World

__all__ = ["CommandMethods"]

_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_SCOPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)


class CommandMethods:
    """Stores command lists in ``world.commands`` keyed by (scope, chat, user, language)."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.handlers: dict[str, Callable[[Params], Awaitable[Any]]] = {
            "setmycommands": self.set_my_commands,
            "deletemycommands": self.delete_my_commands,
            "getmycommands": self.get_my_commands,
        }

    def _scope_key(self, p: Params) -> tuple[str, int | None, int | None, str]:
        scope = p.get_json("scope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise bad_request("can't parse BotCommandScope JSON object")
        kind = str(scope["type"])
        chat_id: int | None = None
        user_id: int | None = None
        if kind in ("chat", "chat_administrators", "chat_member"):
            try:
                chat_id = int(scope["chat_id"])
            except (KeyError, TypeError, ValueError):
                raise bad_request("chat not found") from None
            self.world.chat(chat_id)
        if kind == "chat_member":
            user_id = int(scope.get("user_id", 0))
        elif kind not in _SCOPES:
            raise bad_request("unsupported scope type")
        return kind, chat_id, user_id, p.get_str("language_code", "") or ""

    async def set_my_commands(self, p: Params) -> bool:
        commands = p.get_json("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("too many commands specified")
        stored: list[dict[str, str]] = []
        for item in commands:
            command = str(item.get("command", "")) if isinstance(item, dict) else ""
            description = str(item.get("description", "")) if isinstance(item, dict) else ""
            if not _COMMAND_RE.match(command):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            stored.append({"command": command, "description": description})
        key = self._scope_key(p)
        if stored:
            self.world.commands[key] = stored
        else:
            self.world.commands.pop(key, None)
        self.world.notify()
        return True

    async def delete_my_commands(self, p: Params) -> bool:
        self.world.commands.pop(self._scope_key(p), None)
        self.world.notify()
        return True

    async def get_my_commands(self, p: Params) -> list[dict[str, str]]:
        return copy.deepcopy(self.world.commands.get(self._scope_key(p), []))
