"""Pacing under Telegram's limits: an even global rate and at most one message per chat per second.

An even rate with only a tiny burst (a few slots, so a loop that ran late can catch up)
keeps well inside Telegram's flood control; aiolimiter's leaky bucket does that for the
global rate, and a small map of per-chat release times does the rest. Both use the event
loop's monotonic time: pacing is physical, not clinical, time.
"""

from __future__ import annotations

import asyncio

from aiolimiter import AsyncLimiter

GLOBAL_RATE = 29.5  # messages per second (Telegram: about 30/s per bot)
CATCH_UP = 4  # slots a late loop may use at once; Telegram tolerates short bursts of 30
PER_CHAT_INTERVAL = 1.05  # seconds between two messages to one chat (Telegram: 1/s)


class Pacer:
    """Hands out send slots: globally at ``rate`` per second, per chat every ``chat_interval``."""

    def __init__(
        self,
        rate: float = GLOBAL_RATE,
        chat_interval: float = PER_CHAT_INTERVAL,
        catch_up: int = CATCH_UP,
    ) -> None:
        self._limiter = AsyncLimiter(catch_up, catch_up / rate)
        self._chat_interval = chat_interval
        self._chat_free_at: dict[int, float] = {}
        self._paused_until = 0.0

    def chat_ready_in(self, chat_id: int) -> float:
        loop = asyncio.get_running_loop()
        return max(0.0, self._chat_free_at.get(chat_id, 0.0) - loop.time())

    def reserve_chat(self, chat_id: int) -> None:
        loop = asyncio.get_running_loop()
        self._chat_free_at[chat_id] = loop.time() + self._chat_interval
        if len(self._chat_free_at) > 50_000:
            now = loop.time()
            self._chat_free_at = {c: t for c, t in self._chat_free_at.items() if t > now}

    def hold_chat(self, chat_id: int, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        self._chat_free_at[chat_id] = max(
            self._chat_free_at.get(chat_id, 0.0), loop.time() + seconds
        )

    def pause_all(self, seconds: float) -> None:
        """After a 429 whose scope we can't tell, everyone waits."""
        loop = asyncio.get_running_loop()
        self._paused_until = max(self._paused_until, loop.time() + seconds)

    async def global_slot(self) -> None:
        loop = asyncio.get_running_loop()
        wait = self._paused_until - loop.time()
        if wait > 0:  # one sleep is enough: a later pause is seen at the next slot
            await asyncio.sleep(wait)
        await self._limiter.acquire()
