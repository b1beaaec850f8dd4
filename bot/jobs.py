"""APScheduler wiring: the periodic jobs. Jobs call services; they hold no logic of their own.

APScheduler runs on real time; what a job does is decided with Ember's clock (which tests
move by hand), so a test can run days of schedule in seconds with a fast tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import SystemClock

if TYPE_CHECKING:
    from bot.app import Ember


class RunningJobs:
    """Tracks job runs in flight, so shutdown can wait for them before storage closes.

    APScheduler's ``shutdown(wait=False)`` does not wait for coroutine jobs; a job still
    talking to the database after the engine is disposed would never finish.
    """

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def wrap(self, job: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[None]]:
        @functools.wraps(job)
        async def run() -> None:
            task = asyncio.current_task()
            assert task is not None
            self._tasks.add(task)
            try:
                await job()
            finally:
                self._tasks.discard(task)

        return run

    async def drain(self, grace: float = 5.0) -> None:
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def register(
    scheduler: AsyncIOScheduler, ember: Ember, *, tick_seconds: float = 2.0
) -> RunningJobs:
    """Add Ember's periodic jobs; ids are "<kind>:<scope>". Returns the in-flight tracker."""
    running = RunningJobs()
    wrap = running.wrap
    common: dict[str, Any] = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}
    start = SystemClock().now()
    every = {"trigger": "interval", "seconds": tick_seconds, "next_run_time": start}
    # due prompts, reminders and expiry; a missed run is simply caught up by the next one
    scheduler.add_job(wrap(ember.services.tick), id="prompts:tick", **every, **common)
    # unacknowledged alerts: the escalation chain
    scheduler.add_job(wrap(ember.services.escalate), id="alerts:escalate", **every, **common)
    # daily digests at each therapist's local time (once a day: the outbox key says so)
    scheduler.add_job(
        wrap(ember.services.care.send_due_digests),
        "interval",
        seconds=60,
        id="digests:daily",
        next_run_time=start,
        **common,
    )
    # the outbox: keep our claims fresh, take back those of workers that died
    scheduler.add_job(
        wrap(ember.dispatcher.heartbeat), "interval", seconds=20, id="delivery:heartbeat", **common
    )
    scheduler.add_job(
        wrap(ember.dispatcher.sweep), "interval", seconds=30, id="delivery:sweep", **common
    )
    # processed update ids are kept two weeks for deduplication, then forgotten
    scheduler.add_job(
        wrap(ember.intake.forget_old), "interval", hours=6, id="intake:retention", **common
    )
    return running
