"""``ember demo``: a complete Ember in a browser, with no token and no network.

It starts the Telegram simulator (:mod:`bot.simulator`), runs the real Ember (the same
``ember_app`` as ``ember run``: handlers, intake, the outbox dispatcher, the jobs, the
screener) against it on a scratch SQLite database and a virtual clock, enrols a small clinic
(:mod:`bot.demo.clinic`), and serves a page with one chat pane per person
(:mod:`bot.demo.web`) and controls to jump the clock ahead (:mod:`bot.demo.travel`).
Everything lives in a temporary folder that is removed when the demo stops. docs/demo.md
tells the story.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet

from bot.app import Ember, ember_app
from bot.clock import SystemClock
from bot.config import Settings
from bot.demo.clinic import PANES, demo_start, enroll
from bot.demo.clock import VirtualClock
from bot.demo.travel import TimeTravel
from bot.demo.web import DemoWorld, serve
from bot.simulator import FakeTelegram
from storage.migrate import upgrade

__all__ = ["DEFAULT_ZONE", "RunningDemo", "run_demo", "running_demo"]

DEFAULT_ZONE = "Europe/Berlin"
TICK_SECONDS = 1.0  # how often the jobs look at the clock between jumps


@dataclass
class RunningDemo:
    """A demo that is up: its page's URL and everything behind it (for tests)."""

    url: str
    ember: Ember
    tg: FakeTelegram
    world: DemoWorld


def demo_settings(tg: FakeTelegram, database_url: str, zone: str) -> Settings:
    """Settings for Ember against the simulator; nothing read from the environment matters
    (no webhook, no health port), so a .env for the real bot does not leak in."""
    return Settings(
        telegram_token=tg.token,
        telegram_api_url=tg.base_url,
        database_url=database_url,
        encryption_key=Fernet.generate_key().decode(),
        timezone=zone,
        webhook_url=None,
        webhook_secret=None,
        health_listen=None,
    )


@contextlib.asynccontextmanager
async def running_demo(
    *,
    port: int = 0,
    zone: str = DEFAULT_ZONE,
    language: str = "en",
    workdir: Path | None = None,
) -> AsyncIterator[RunningDemo]:
    """Start everything; on exit, stop it and remove the scratch database."""
    with contextlib.ExitStack() as cleanup:
        if workdir is None:
            workdir = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="ember-demo-")))
        database_url = f"sqlite+aiosqlite:///{workdir / 'demo.db'}"
        await asyncio.to_thread(upgrade, database_url)
        clock = VirtualClock(demo_start(SystemClock().now(), zone))
        async with FakeTelegram(bot_username="ember_demo_bot", wall_clock=clock.timestamp) as tg:
            settings = demo_settings(tg, database_url, zone)
            async with ember_app(settings, clock=clock, tick_seconds=TICK_SECONDS) as ember:
                await enroll(ember, tg, zone, language=language)
                travel = TimeTravel(ember, clock, lambda: len(tg.sent))
                world = DemoWorld(tg, clock, travel, PANES, zone)
                async with serve(world, port=port) as url:
                    yield RunningDemo(url, ember, tg, world)


async def run_demo(
    *,
    port: int = 0,
    zone: str = DEFAULT_ZONE,
    language: str = "en",
    on_ready: Callable[[str], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """``ember demo``: run until ``stop`` is set (or the task is cancelled)."""
    stop = stop or asyncio.Event()
    async with running_demo(port=port, zone=zone, language=language) as demo:
        if on_ready is not None:
            on_ready(demo.url)
        await stop.wait()
