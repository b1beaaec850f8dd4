"""SQLite's one write lock, taken in turns by this process's writers; bulk work last.

SQLite lets one writer at a time hold its lock. A writer that finds it taken sleeps and
looks again (its busy handler waits 1, 2, 5 … up to 100 ms between looks), so under the
steady stream of short writes a prompt fan-out makes (some 70 a second: slots reserved,
locked in, sends recorded) a crisis message being stored, or its alert being claimed, can
sleep 100 ms and more while the lock was free most of that time, then lose the race to
the next bulk write. Within one process the writers take turns here instead: the next
one is handed the lock the moment the last one is done, and work marked as bulk
(:func:`bulk_work`) lets everyone else who waits go first. Writers in other processes on
the same file still meet the busy handler, as before.

A turn is taken when a write transaction begins (``BEGIN IMMEDIATE``) and given back when
it commits or rolls back (``storage/db.py`` hooks both). A writer that waits longer than
the busy timeout goes ahead without its turn, as it would have without the turns; so a
turn never given back (a connection lost mid-transaction and never returned) costs a
wait, never a deadlock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Iterator
from contextvars import ContextVar

log = logging.getLogger(__name__)

_BULK: ContextVar[bool] = ContextVar("ember_bulk_writes", default=False)


@contextlib.contextmanager
def bulk_work() -> Iterator[None]:
    """Writes made inside (and by tasks started inside) wait while other writers wait.

    For work whose every write may come a moment later without anyone noticing (the
    ordinary sends of a fan-out), so that an inbound message and an alert never queue
    behind it."""
    token = _BULK.set(True)
    try:
        yield
    finally:
        _BULK.reset(token)


def is_bulk() -> bool:
    return _BULK.get()


class WriteTurns:
    """One writer at a time within this process, in order of arrival, bulk work last."""

    def __init__(self, patience: float) -> None:
        self.patience = patience  # seconds a writer waits for its turn, at most
        self._taken = False
        self._first: deque[asyncio.Future[None]] = deque()
        self._bulk: deque[asyncio.Future[None]] = deque()
        self.waited = 0  # writers that had to wait for a turn

    @property
    def taken(self) -> bool:
        return self._taken

    def waiting(self) -> int:
        return sum(not f.done() for f in (*self._first, *self._bulk))

    def try_take(self) -> bool:
        """Take the turn if nobody holds it (never while others wait: they are first)."""
        if self._taken:
            return False
        self._taken = True
        return True

    async def take(self, *, bulk: bool) -> bool:
        """Wait for the turn; True once it is this writer's, False when the wait ran out
        (the writer then goes ahead without it)."""
        if self.try_take():
            return True
        self.waited += 1
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        (self._bulk if bulk else self._first).append(turn)
        try:
            async with asyncio.timeout(self.patience):
                await asyncio.shield(turn)
        except TimeoutError:
            if turn.done() and not turn.cancelled():
                return True  # handed over just as the wait ran out
            turn.cancel()
            log.warning(
                "a database writer waited %.0f s for its turn; going ahead without it",
                self.patience,
            )
            return False
        except BaseException:
            if turn.done() and not turn.cancelled():
                self.give_back()  # handed over, but its writer is gone: pass it on
            else:
                turn.cancel()
            raise
        return True

    def give_back(self) -> None:
        """The writer holding the turn is done: hand it to the next one waiting."""
        for queue in (self._first, self._bulk):
            while queue:
                turn = queue.popleft()
                if not turn.done():
                    turn.set_result(None)  # still taken: it passes straight on
                    return
        self._taken = False
