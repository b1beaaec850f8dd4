"""Telegram-like flood control: a global and a per-chat token bucket.

The rule (also in docs/simulator.md). Two token buckets, as ``aiolimiter`` and PTB's
``AIORateLimiter`` model the limits:

* global: capacity ``global_rate`` (30) tokens, refilled at ``global_rate`` tokens/s;
* per chat: capacity 1 token, refilled at ``per_chat_rate`` (1) token/s.

A rate-limited request (a ``send*`` method) is admitted when both buckets hold at least
``1 - rate * tolerance`` tokens, i.e. when its token is due within ``tolerance`` seconds
(per chat 0.1 s, globally 0.01 s by default: slack for network jitter). Admission takes one
token from each bucket (a bucket may dip slightly below zero; the next request pays it
back). Otherwise the answer is 429 with ``retry_after = max(1, ceil(seconds until
admitted))``, and nothing is taken: a refused message costs nothing and is not sent.

Consequences: a client pacing at exactly ``rate`` (aiolimiter, AIORateLimiter, or any
sliding window of N per second) never gets a 429; 31 messages at the same instant get one;
two messages to one chat less than 0.9 s apart get one.

:class:`StrictWindowLimiter` is the harsher reading, for benchmarks that must hold on any
server: never more than ``global_rate`` admitted messages in ANY one-second window (a
sliding window, no burst allowance, no tolerance) and never two messages to one chat less
than ``1 / per_chat_rate`` seconds apart.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["RateLimiter", "StrictWindowLimiter", "TokenBucket"]


@dataclass
class TokenBucket:
    rate: float
    capacity: float
    tolerance: float
    """Seconds early a request may be and still be admitted."""
    tokens: float
    updated: float

    def refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now

    def wait_time(self) -> float:
        """Seconds until this bucket admits a request (0.0: admitted now)."""
        need = 1.0 - self.rate * self.tolerance
        return max(0.0, (need - self.tokens) / self.rate)


class RateLimiter:
    """Decides whether a message to ``chat_id`` may go out at ``clock()``."""

    def __init__(
        self,
        *,
        global_rate: float,
        per_chat_rate: float,
        clock: Callable[[], float],
        per_chat_tolerance: float = 0.1,
        global_tolerance: float = 0.01,
    ) -> None:
        if global_rate <= 0 or per_chat_rate <= 0:
            raise ValueError("rates must be positive")
        self.global_rate = global_rate
        self.per_chat_rate = per_chat_rate
        self.per_chat_tolerance = per_chat_tolerance
        self.global_tolerance = global_tolerance
        self._clock = clock
        self._global = self._new_global()
        self._chats: dict[int, TokenBucket] = {}
        self.refused = 0
        """How many requests were refused (429s returned)."""

    def _new_global(self) -> TokenBucket:
        capacity = max(1.0, self.global_rate)
        return TokenBucket(
            self.global_rate, capacity, self.global_tolerance, capacity, self._clock()
        )

    def acquire(self, chat_id: int) -> int | None:
        """Take a token for ``chat_id``; None if admitted, else ``retry_after`` seconds."""
        now = self._clock()
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = TokenBucket(self.per_chat_rate, 1.0, self.per_chat_tolerance, 1.0, now)
            self._chats[chat_id] = chat
        buckets = (self._global, chat)
        for bucket in buckets:
            bucket.refill(now)
        wait = max(bucket.wait_time() for bucket in buckets)
        if wait > 1e-9:  # float noise of clock arithmetic
            self.refused += 1
            return max(1, math.ceil(wait))
        for bucket in buckets:
            bucket.tokens -= 1.0
        return None

    def reset(self) -> None:
        """Forget all history (e.g. between benchmark phases)."""
        self._global = self._new_global()
        self._chats.clear()


class StrictWindowLimiter:
    """Sliding one-second windows: at most ``global_rate`` sends in any second, no slack."""

    def __init__(
        self, *, global_rate: float, per_chat_rate: float, clock: Callable[[], float]
    ) -> None:
        if global_rate <= 0 or per_chat_rate <= 0:
            raise ValueError("rates must be positive")
        self.global_rate = global_rate
        self.per_chat_rate = per_chat_rate
        self._clock = clock
        self._admitted: deque[float] = deque()
        self._last: dict[int, float] = {}
        self.refused = 0

    def acquire(self, chat_id: int) -> int | None:
        now = self._clock()
        while self._admitted and self._admitted[0] <= now - 1.0:
            self._admitted.popleft()
        waits = [0.0]
        if len(self._admitted) >= int(self.global_rate):
            waits.append(self._admitted[0] + 1.0 - now)
        last = self._last.get(chat_id)
        if last is not None and now - last < 1.0 / self.per_chat_rate:
            waits.append(last + 1.0 / self.per_chat_rate - now)
        wait = max(waits)
        if wait > 0:
            self.refused += 1
            return max(1, math.ceil(wait))
        self._admitted.append(now)
        self._last[chat_id] = now
        return None

    def reset(self) -> None:
        self._admitted.clear()
        self._last.clear()
