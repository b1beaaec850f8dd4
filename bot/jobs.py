"""APScheduler wiring: the periodic jobs. Jobs call services; they hold no logic of their own.

APScheduler runs on real time; what a job does is decided with Ember's clock (which tests
move by hand), so a test can run days of schedule in seconds with a fast tick. A run that
fails (the database busy with a long write, or away for a moment) is logged in one line
and simply tried again at the job's next run: every job is safe to repeat.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import SystemClock
from bot.delivery.dispatcher import Dispatcher
from bot.intake import Intake
from bot.leadership import RENEW_EVERY, Leadership
from bot.services.api import Services
from bot.transient import is_transient
from bot.workers import HEARTBEAT

log = logging.getLogger(__name__)

SWEEP = 5.0  # seconds between looks for claims nobody refreshes any more


class RunningJobs:
    """Tracks job runs in flight, so shutdown can wait for them before storage closes.

    APScheduler's ``shutdown(wait=False)`` does not wait for coroutine jobs; a job still
    talking to the database after the engine is disposed would never finish.
    """

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._draining = False

    def wrap(
        self, job: Callable[[], Awaitable[Any]], name: str = "job"
    ) -> Callable[[], Awaitable[None]]:
        @functools.wraps(job)
        async def run() -> None:
            task = asyncio.current_task()
            assert task is not None
            self._tasks.add(task)
            try:
                await job()
            except asyncio.CancelledError:
                if not self._draining:
                    raise
                # stopped by shutdown after its grace period: expected, not a failure (the
                # scheduler would log a cancelled job with a traceback, as an error)
                log.info("%s stopped at shutdown; its work is picked up at the next start", name)
            except Exception as exc:  # the next run tries again; the job stays scheduled
                if is_transient(exc):
                    log.warning("%s met %s; its next run tries again", name, type(exc).__name__)
                else:
                    log.exception("%s failed; its next run tries again", name)
            finally:
                self._tasks.discard(task)

        return run

    async def drain(self, grace: float = 5.0) -> None:
        if not self._tasks:
            return
        self._draining = True
        _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


@dataclass(frozen=True)
class Job:
    """One periodic job: an id "<kind>:<scope>", what it runs, and how often."""

    id: str
    run: Callable[[], Awaitable[Any]]
    seconds: float
    start_now: bool = True
    leader_only: bool = False  # deployment-wide work: run by the leader instance only


class JobHost(Protocol):
    """What the jobs need of a running Ember (``bot.app.Ember`` is one)."""

    @property
    def services(self) -> Services: ...
    @property
    def dispatcher(self) -> Dispatcher: ...
    @property
    def intake(self) -> Intake: ...
    @property
    def leadership(self) -> Leadership: ...


def periodic_jobs(ember: JobHost, *, tick_seconds: float = 2.0) -> list[Job]:
    """Every periodic job of Ember, in one list. Each calls one service; none holds logic."""
    return [
        # who leads the periodic work; renewed often, so a dead leader is replaced in seconds
        Job("leader:renew", ember.leadership.renew, RENEW_EVERY),
        # due prompts, reminders and expiry; a missed run is simply caught up by the next one
        Job("prompts:tick", ember.services.prompting.tick, tick_seconds, leader_only=True),
        # unacknowledged alerts: the escalation chain
        Job("alerts:escalate", ember.services.escalation.escalate, tick_seconds, leader_only=True),
        # daily digests at each therapist's local time (once a day: the outbox key says so)
        Job("digests:daily", ember.services.digests.send_due, 60, leader_only=True),
        # the brief the evening before each integration session (once per session and time)
        Job("briefs:due", ember.services.briefs.send_due, 60, leader_only=True),
        # the outbox: every instance keeps its own claims fresh; the leader takes back the
        # claims of instances that stopped beating, within seconds
        Job("delivery:heartbeat", ember.dispatcher.heartbeat, HEARTBEAT, start_now=False),
        Job("delivery:sweep", ember.dispatcher.sweep, SWEEP, start_now=False, leader_only=True),
        # stored updates: the same for the update each instance has in hand
        Job("intake:heartbeat", ember.intake.heartbeat, HEARTBEAT, start_now=False),
        Job("intake:sweep", ember.intake.sweep, SWEEP, start_now=False, leader_only=True),
        # processed update ids are kept two weeks for deduplication, then forgotten
        Job(
            "intake:retention",
            ember.intake.forget_old,
            6 * 3600,
            start_now=False,
            leader_only=True,
        ),
    ]


def register(
    scheduler: AsyncIOScheduler, jobs: Sequence[Job], leadership: Leadership
) -> RunningJobs:
    """Add the jobs to APScheduler; returns the tracker of runs in flight."""
    running = RunningJobs()
    common: dict[str, Any] = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}
    start = SystemClock().now()
    for job in jobs:
        first = {"next_run_time": start} if job.start_now else {}
        run = leadership.only_when_leading(job.run) if job.leader_only else job.run
        scheduler.add_job(
            running.wrap(run, job.id), "interval", seconds=job.seconds, id=job.id, **first, **common
        )
    return running
