"""APScheduler wiring: the periodic jobs. Jobs call services; they hold no logic of their own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler

if TYPE_CHECKING:
    from bot.app import Ember


def register(scheduler: AsyncIOScheduler, ember: Ember, *, tick_seconds: float = 2.0) -> None:
    """Add Ember's periodic jobs; ids are "<kind>:<scope>"."""
    common = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}
    # due prompts, reminders and expiry; a missed run is simply caught up by the next one
    scheduler.add_job(
        ember.services.tick,
        "interval",
        seconds=tick_seconds,
        id="prompts:tick",
        next_run_time=ember.clock.now(),
        **common,
    )
    scheduler.add_job(
        ember.dispatcher.heartbeat, "interval", seconds=20, id="delivery:heartbeat", **common
    )
    scheduler.add_job(ember.dispatcher.sweep, "interval", seconds=30, id="delivery:sweep", **common)
    scheduler.add_job(ember.intake.forget_old, "interval", hours=6, id="intake:retention", **common)
