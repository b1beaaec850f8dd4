"""APScheduler wiring: the periodic jobs. Jobs call services; they hold no logic of their own.

APScheduler runs on real time; what a job does is decided with Ember's clock (which tests
move by hand), so a test can run days of schedule in seconds with a fast tick.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import SystemClock

if TYPE_CHECKING:
    from bot.app import Ember


def register(scheduler: AsyncIOScheduler, ember: Ember, *, tick_seconds: float = 2.0) -> None:
    """Add Ember's periodic jobs; ids are "<kind>:<scope>"."""
    common: dict[str, Any] = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}
    start = SystemClock().now()
    every = {"trigger": "interval", "seconds": tick_seconds, "next_run_time": start}
    # due prompts, reminders and expiry; a missed run is simply caught up by the next one
    scheduler.add_job(ember.services.tick, id="prompts:tick", **every, **common)
    # unacknowledged alerts: the escalation chain (SPEC §5)
    scheduler.add_job(ember.services.escalate, id="alerts:escalate", **every, **common)
    # daily digests at each therapist's local time (once a day: the outbox key says so)
    scheduler.add_job(
        ember.services.care.send_due_digests,
        "interval",
        seconds=60,
        id="digests:daily",
        next_run_time=start,
        **common,
    )
    # the outbox: keep our claims fresh, take back those of workers that died
    scheduler.add_job(
        ember.dispatcher.heartbeat, "interval", seconds=20, id="delivery:heartbeat", **common
    )
    scheduler.add_job(ember.dispatcher.sweep, "interval", seconds=30, id="delivery:sweep", **common)
    # processed update ids are kept two weeks for deduplication, then forgotten
    scheduler.add_job(ember.intake.forget_old, "interval", hours=6, id="intake:retention", **common)
