"""The demo's virtual clock: Ember's time runs at real speed from a chosen start, and
jumps forward when the visitor asks (never backward: what happened stays in the past)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.clock import require_aware


class VirtualClock:
    """A :class:`bot.clock.Clock` that ticks with the real one and can jump ahead."""

    def __init__(
        self, start: datetime, *, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._start = require_aware(start, "the demo's start")
        self._monotonic = monotonic
        self._base = monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._monotonic() - self._base)

    def timestamp(self) -> float:
        """Now as a Unix time: the ``date`` the simulated Telegram stamps on messages."""
        return self.now().timestamp()

    def jump_to(self, when: datetime) -> datetime:
        """Move to ``when`` if it is ahead; returns the time now."""
        ahead = require_aware(when, "a jump's target") - self.now()
        if ahead > timedelta(0):
            self._start += ahead
        return self.now()
