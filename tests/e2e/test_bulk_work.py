"""Big work never stalls the bot: while `ember protocol load` reloads a protocol that
thousands follow, in a process of its own on the same SQLite file, a participant's crisis
message still reaches their therapist as an alert within seconds, polling never dies, and
ordinary messages are handled as before.

Real Ember over the fake Bot API, and the real command line.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import Ember, ember_app
from bot.clock import SystemClock
from bot.simulator import FakeTelegram
from storage.crypto import Cipher
from storage.db import create_engine, session_factory
from storage.uow import Storage
from tests.support.e2e import PARTICIPANT_ID, THERAPIST_ID, enroll_pair, settings_for
from tests.support.population import populate_on_protocol, steps_protocol

ROOT = Path(__file__).resolve().parents[2]
PARTICIPANTS = 3000  # each with five prompts planned: 15,000 to replan
CRISIS = "I've saved up my pills and I'm going to take them all tonight when everyone's asleep."


@pytest.fixture
async def populated(e2e_db: str, key: str) -> str:
    """The clinic's database: thousands of participants on one protocol, nothing due yet."""
    engine = create_engine(e2e_db)
    try:
        storage = Storage(session_factory(engine), Cipher([key.encode()]))
        now = SystemClock().now()
        await populate_on_protocol(
            storage,
            participants=PARTICIPANTS,
            therapists=20,
            source=steps_protocol(5),
            now=now,
            dosing_at=now + timedelta(days=2),
        )
    finally:
        await engine.dispose()
    return e2e_db


@pytest.fixture
async def busy_ember(tg: FakeTelegram, populated: str, key: str) -> AsyncIterator[Ember]:
    async with ember_app(settings_for(tg, populated, key), tick_seconds=0.5) as running:
        yield running


async def protocol_load(database_url: str, key: str, path: Path) -> asyncio.subprocess.Process:
    """`ember protocol load FILE`, as a coordinator runs it next to the running bot."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
    env.update(PYTHONPATH=str(ROOT), EMBER_DATABASE_URL=database_url, EMBER_ENCRYPTION_KEY=key)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "protocol",
        "load",
        str(path),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


@pytest.mark.serial  # a latency bound: measured alone
async def test_a_crisis_during_a_reload_for_thousands_is_alerted_within_seconds(
    busy_ember: Ember, tg: FakeTelegram, populated: str, key: str, tmp_path: Path
) -> None:
    await enroll_pair(busy_ember, tg)
    alex, therapist = tg.user(PARTICIPANT_ID), tg.user(THERAPIST_ID)
    v2 = tmp_path / "v2.yaml"
    v2.write_text(steps_protocol(5, version=2, at="11:00"), encoding="utf-8")
    loading = await protocol_load(populated, key, v2)
    assert loading.stderr is not None and loading.stdout is not None
    started = time.monotonic()
    progress: list[str] = []
    while not any(
        line.startswith("replanned: ") and not line.startswith("replanned: 0/") for line in progress
    ):  # under way: at least one batch written
        line = (await asyncio.wait_for(loading.stderr.readline(), timeout=60)).decode()
        assert line, "the command ended early"
        progress.append(line.strip())

    update = alex.send_text(CRISIS)
    alert = await therapist.wait_for_message(lambda m: "CRISIS" in (m.text or ""), timeout=30)
    safety = await alex.wait_for_message(lambda m: "emergency" in (m.text or ""), timeout=30)
    alerted_at = time.monotonic()
    assert loading.returncode is None, "the reload ended before the alert: make it bigger"
    sent = tg.update_created_at(update["update_id"])
    assert sent is not None
    latency = alert.sent_at - sent
    print(
        f"\ncrisis message to therapist alert during the reload: {latency * 1000:.0f} ms "
        f"(safety message: {(safety.sent_at - sent) * 1000:.0f} ms)"
    )
    assert latency < 3.0
    assert "P-0142" in (alert.text or "")

    out, err = await asyncio.wait_for(loading.communicate(), timeout=120)
    finished = time.monotonic()
    assert loading.returncode == 0, err.decode()
    assert out.decode().strip() == (
        f"replaced scale v2 (5 steps); {PARTICIPANTS} participants replanned"
    )
    print(
        f"`ember protocol load` for {PARTICIPANTS} participants ({5 * PARTICIPANTS} "
        f"prompts): {finished - started:.1f} s, of which {finished - alerted_at:.1f} s "
        "after the alert"
    )
    poller = busy_ember.intake._poller
    assert poller is not None and not poller.done()  # polling never died
    handled = busy_ember.intake.processed
    later = alex.send_text("Had a quiet walk by the river today.")
    await tg.wait_until(lambda: busy_ember.intake.processed > handled, timeout=30)
    assert tg.update_fetched_at(later["update_id"]) is not None
