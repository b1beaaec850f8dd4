"""The bot's update queue with Telegram's ``getUpdates`` semantics.

* ``update_id`` grows by one per update.
* ``offset`` confirms: every update with ``update_id < offset`` is forgotten for good; a
  negative offset keeps only the last ``-offset`` updates.
* Unconfirmed updates are returned again by every call (that is how a bot that crashed
  before confirming sees an update twice).
* ``redeliver(update_id)`` / ``duplicate_next()`` force one extra delivery of an update,
  even one already confirmed: it is returned once more, first in the next batch.
* ``allowed_updates`` is remembered from the last call that passed it and filters updates
  created afterwards (as Telegram does); the default excludes ``chat_member``,
  ``message_reaction`` and ``message_reaction_count``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["QueuedUpdate", "UpdateQueue", "update_chat_id", "update_type"]

_NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


def update_type(update: dict[str, Any]) -> str:
    """The kind of an update: ``message``, ``callback_query``, ``my_chat_member``, ..."""
    return next(key for key in update if key != "update_id")


def update_chat_id(update: dict[str, Any]) -> int | None:
    """The chat an update belongs to (for per-chat ordering and latency figures)."""
    body = update[update_type(update)]
    if not isinstance(body, dict):
        return None
    for path in (("chat", "id"), ("message", "chat", "id"), ("from", "id")):
        node: Any = body
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, int):
            return node
    return None


@dataclass
class QueuedUpdate:
    update_id: int
    payload: dict[str, Any]
    created_at: float
    chat_id: int | None
    fetched_at: float | None = None
    """Clock time at which the update was first handed to the bot."""
    deliveries: int = 0
    duplicate: bool = False
    """Deliver once more after the first delivery (see ``duplicate_next``)."""
    extra: dict[str, Any] = field(default_factory=dict)


class UpdateQueue:
    def __init__(self, clock: Callable[[], float], on_change: Callable[[], None]) -> None:
        self._clock = clock
        self._on_change = on_change
        self._next_id = 1
        self.history: dict[int, QueuedUpdate] = {}
        self.pending: list[QueuedUpdate] = []
        self.forced: list[QueuedUpdate] = []
        self.allowed_updates: frozenset[str] | None = None
        self.discarded: list[dict[str, Any]] = []
        self._duplicate_next = 0

    # ------------------------------------------------------------------ producing
    def put(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        """Queue ``{"update_id": n, kind: body}`` and return it.

        An update whose kind ``allowed_updates`` excludes gets an id but is not queued
        (it lands in :attr:`discarded`), as with Telegram.
        """
        update_id = self._next_id
        self._next_id += 1
        update: dict[str, Any] = {"update_id": update_id, kind: body}
        if not self.is_allowed(kind):
            self.discarded.append(update)
            return copy.deepcopy(update)
        entry = QueuedUpdate(update_id, update, self._clock(), update_chat_id(update))
        if self._duplicate_next:
            self._duplicate_next -= 1
            entry.duplicate = True
        self.history[entry.update_id] = entry
        self.pending.append(entry)
        self._on_change()
        return copy.deepcopy(update)

    def is_allowed(self, kind: str) -> bool:
        if not self.allowed_updates:
            return kind not in _NOT_BY_DEFAULT
        return kind in self.allowed_updates

    def redeliver(self, update_id: int) -> None:
        entry = self.history.get(update_id)
        if entry is None:
            raise KeyError(f"no update {update_id}")
        self.forced.append(entry)
        self._on_change()

    def duplicate_next(self, count: int = 1) -> None:
        self._duplicate_next += count

    # ------------------------------------------------------------------ consuming
    def confirm(self, offset: int) -> None:
        if offset > 0:
            self.pending = [e for e in self.pending if e.update_id >= offset]
        elif offset < 0:
            self.pending = self.pending[offset:]
            self.forced.clear()

    def drop_all(self) -> None:
        self.pending.clear()
        self.forced.clear()

    def has_any(self) -> bool:
        return bool(self.pending or self.forced)

    def count(self) -> int:
        return len(self.pending) + len(self.forced)

    def take_batch(self, limit: int) -> list[dict[str, Any]]:
        """Hand out up to ``limit`` updates (forced redeliveries first, then by id)."""
        batch = self.forced[:limit]
        self.forced = self.forced[limit:]
        room = limit - len(batch)
        if room > 0:
            batch.extend(self.pending[:room])
        batch.sort(key=lambda e: e.update_id)
        for entry in batch:
            self.mark_delivered(entry)
        return [copy.deepcopy(entry.payload) for entry in batch]

    def mark_delivered(self, entry: QueuedUpdate) -> None:
        if entry.fetched_at is None:
            entry.fetched_at = self._clock()
        entry.deliveries += 1
        if entry.duplicate:
            entry.duplicate = False
            self.forced.append(entry)

    def remove(self, entry: QueuedUpdate) -> None:
        """Forget ``entry`` after a successful webhook delivery."""
        if entry in self.pending:
            self.pending.remove(entry)
