"""What tests and the demo read: sent messages, calls, button presses, commands, updates."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from ._models import CallbackRecord, RecordedCall, SentMessage
from ._world import World

__all__ = ["Inspection", "ScopeKey"]

ScopeKey = str | int | tuple[str, int] | tuple[str, int, int]

# How long the waiting helpers wait by default. A message to one chat leaves at most once a
# second (Telegram's limit, kept by the bot), so three in a row already take over two
# seconds; on a busy machine running tests in several processes, more. Waiting ends as soon
# as the condition holds, so a long limit costs a passing test nothing.
WAIT_SECONDS = 15.0


class Inspection:
    """Read-only views and waiting helpers of :class:`FakeTelegram` (a mixin)."""

    _world: World
    _cursors: dict[int | None, int]
    calls: list[RecordedCall]

    # ------------------------------------------------------------------ what the bot did
    @property
    def sent(self) -> list[SentMessage]:
        """Every message the bot sent, in order, all chats."""
        return list(self._world.sent)

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        return [m for m in self._world.sent if m.chat_id == chat_id]

    def calls_to(self, method: str) -> list[RecordedCall]:
        """Recorded calls of ``method`` (case-insensitive)."""
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def callback(self, query_id: str) -> CallbackRecord:
        """The press behind a callback query id, and whether/how the bot answered it."""
        return self._world.callbacks[query_id]

    @property
    def callbacks(self) -> list[CallbackRecord]:
        return list(self._world.callbacks.values())

    @property
    def set_commands(self) -> dict[ScopeKey, list[str]]:
        """Command names stored by setMyCommands (language ``""``), by scope.

        Keys: ``"default"``, ``"all_private_chats"``, ``"all_group_chats"``,
        ``"all_chat_administrators"``, a chat id (``int``) for the ``chat`` scope,
        ``("chat_administrators", chat_id)`` and ``("chat_member", chat_id, user_id)``.
        """
        out: dict[ScopeKey, list[str]] = {}
        for (kind, chat_id, user_id, lang), commands in self._world.commands.items():
            if lang:
                continue
            key: ScopeKey = kind
            if kind == "chat" and chat_id is not None:
                key = chat_id
            elif kind == "chat_administrators" and chat_id is not None:
                key = (kind, chat_id)
            elif kind == "chat_member" and chat_id is not None and user_id is not None:
                key = (kind, chat_id, user_id)
            out[key] = [c["command"] for c in commands]
        return out

    def commands_for(
        self, scope: ScopeKey = "default", language_code: str = ""
    ) -> list[tuple[str, str]]:
        """``(command, description)`` pairs stored for one scope key (see set_commands)."""
        if isinstance(scope, int):
            key: tuple[str, int | None, int | None, str] = ("chat", scope, None, language_code)
        elif isinstance(scope, str):
            key = (scope, None, None, language_code)
        elif len(scope) == 2:
            key = (scope[0], scope[1], None, language_code)
        else:
            key = (scope[0], scope[1], scope[2], language_code)
        return [(c["command"], c["description"]) for c in self._world.commands.get(key, [])]

    # ------------------------------------------------------------------ updates
    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed (polling) or not yet delivered (webhook)."""
        return [e.payload for e in self._world.updates.pending]

    @property
    def discarded_updates(self) -> list[dict[str, Any]]:
        """Updates dropped because ``allowed_updates`` excluded their kind."""
        return list(self._world.updates.discarded)

    def redeliver(self, update_id: int) -> None:
        """Deliver update ``update_id`` once more (same id), even if already confirmed."""
        self._world.updates.redeliver(update_id)

    def duplicate_next_update(self, count: int = 1) -> None:
        """The next ``count`` updates created are each delivered twice (same update_id)."""
        self._world.updates.duplicate_next(count)

    def update_fetched_at(self, update_id: int) -> float | None:
        """Clock time at which getUpdates or the webhook first handed the update to the bot."""
        entry = self._world.updates.history.get(update_id)
        return None if entry is None else entry.fetched_at

    def update_created_at(self, update_id: int) -> float | None:
        entry = self._world.updates.history.get(update_id)
        return None if entry is None else entry.created_at

    def delivery_count(self, update_id: int) -> int:
        entry = self._world.updates.history.get(update_id)
        return 0 if entry is None else entry.deliveries

    def reply_latency(self, update_id: int) -> float | None:
        """Seconds from the update's first fetch to the bot's first message to its chat."""
        entry = self._world.updates.history.get(update_id)
        if entry is None or entry.fetched_at is None or entry.chat_id is None:
            return None
        for message in self._world.sent:
            if message.chat_id == entry.chat_id and message.sent_at >= entry.fetched_at:
                return message.sent_at - entry.fetched_at
        return None

    def file(self, file_id: str) -> tuple[bytes, str, str | None] | None:
        """A file the bot uploaded or a user sent: ``(content, mime type, file name)``."""
        stored = self._world.files.get(file_id)
        if stored is None:
            return None
        return stored.content, stored.mime_type, stored.file_name

    # ------------------------------------------------------------------ waiting
    async def next_change(self, within: float) -> None:
        """Return at the next change in the simulator (a message, an edit, a call answered,
        an update queued) or after ``within`` seconds, whichever comes first."""
        await self._world.wait_change(within)

    async def wait_until(
        self,
        condition: Callable[[], bool],
        timeout: float = WAIT_SECONDS,  # noqa: ASYNC109  (the tests' waiting API)
        message: str | None = None,
    ) -> None:
        """Wait until ``condition()`` holds (re-checked on every change and every 10 ms)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(message or f"condition not met within {timeout} s")
            await self._world.wait_change(min(remaining, 0.01))

    async def wait_for_message(
        self,
        chat_id: int | None = None,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = WAIT_SECONDS,  # noqa: ASYNC109  (the tests' waiting API)
    ) -> SentMessage:
        """The next matching message the bot sends to ``chat_id`` (None: any chat).

        Messages are consumed in order: each call starts after the message the previous
        call for the same ``chat_id`` returned, so already-sent messages are found (no
        race) and ``await wait_for_message(c)`` twice returns two different messages.
        Non-matching messages between are skipped (and consumed).
        """
        found: list[SentMessage] = []

        def check() -> bool:
            sent = self._world.sent
            start = self._cursors.get(chat_id, 0)
            for index in range(start, len(sent)):
                message = sent[index]
                if chat_id is not None and message.chat_id != chat_id:
                    continue
                if predicate is None or predicate(message):
                    self._cursors[chat_id] = index + 1
                    found.append(message)
                    return True
            return False

        try:
            await self.wait_until(check, timeout)
        except TimeoutError:
            recent = [(m.chat_id, m.text) for m in self._world.sent[-5:]]
            raise TimeoutError(
                f"no matching message to chat {chat_id} within {timeout} s; "
                f"last messages sent: {recent}"
            ) from None
        return found[0]

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[RecordedCall], bool] | None = None,
        timeout: float = WAIT_SECONDS,  # noqa: ASYNC109  (the tests' waiting API)
    ) -> RecordedCall:
        """The first finished call of ``method`` matching ``predicate``."""
        found: list[RecordedCall] = []

        def check() -> bool:
            for call in self.calls_to(method):
                if call.finished_at is not None and (predicate is None or predicate(call)):
                    found.append(call)
                    return True
            return False

        await self.wait_until(check, timeout, f"no {method} call within {timeout} s")
        return found[0]
