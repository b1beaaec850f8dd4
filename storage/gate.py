"""Turns at SQLite's write lock within one process, the urgent first.

SQLite has one write lock for the whole file. A writer that finds it taken is left to
SQLite's busy handler, which sleeps and looks again (up to 100 ms between looks) and
serves nobody in order: with the dispatcher writing dozens of times a second during a
fan-out, a crisis message being stored could lose that race again and again. So the
writers of one process queue here instead, before they begin: one at a time, in order of
arrival, except that urgent work (handling what people send, sending alerts and safety
messages) goes ahead of everything else waiting. Other processes on the same file still
meet SQLite's own lock; PostgreSQL locks rows and needs no gate.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import heapq
import itertools
from collections.abc import Iterator

URGENT = 0  # handling inbound messages; alerts and safety messages going out
NORMAL = 1  # everything else

_priority: contextvars.ContextVar[int] = contextvars.ContextVar(
    "ember_write_priority", default=NORMAL
)


@contextlib.contextmanager
def urgent_writes() -> Iterator[None]:
    """Within this block (and the tasks it starts), writes go ahead of ordinary ones."""
    token = _priority.set(URGENT)
    try:
        yield
    finally:
        _priority.reset(token)


def current_priority() -> int:
    return _priority.get()


class WriteGate:
    """One writer at a time; waiting writers served by priority, then in order of arrival."""

    def __init__(self) -> None:
        self._holder: asyncio.Task[object] | None = None
        self._waiting: list[tuple[int, int, asyncio.Future[None], asyncio.Task[object] | None]] = []
        self._arrival = itertools.count()

    @property
    def waiting(self) -> int:
        return sum(1 for *_, fut, _ in self._waiting if not fut.done())

    async def acquire(self, *, patience: float, priority: int | None = None) -> bool:
        """Wait for this task's turn; True once it holds the gate (then ``release()``).

        False without waiting when this task holds it already (a nested unit of work), or
        after ``patience`` seconds: the writer then goes on and meets SQLite's own lock, as
        it would without the gate, so a mistake here can slow a writer down but never
        stall it for good."""
        task = asyncio.current_task()
        if task is not None and task is self._holder:
            return False
        if self._holder is None and not self.waiting:
            self._holder = task
            return True
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        rank = current_priority() if priority is None else priority
        heapq.heappush(self._waiting, (rank, next(self._arrival), turn, task))
        try:
            await asyncio.wait([turn], timeout=patience)
        except BaseException:
            self._give_up(turn)
            raise
        if turn.done():
            return True
        self._give_up(turn)
        return False

    def release(self) -> None:
        """Hand the gate to the next writer in line, if any."""
        while self._waiting:
            _, _, turn, task = heapq.heappop(self._waiting)
            if not turn.done():
                self._holder = task
                turn.set_result(None)
                return
        self._holder = None

    def _give_up(self, turn: asyncio.Future[None]) -> None:
        if turn.done() and not turn.cancelled():
            self.release()  # the turn came just as the waiter left: pass it on
        else:
            turn.cancel()
