"""The daily digest over the fake Bot API: every entry since the previous digest (not only
the flagged one), a voice note said to be unscreened, flags by the number /flags and /ack
use; once a day, across restarts."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.app import ember_app
from bot.clock import FakeClock
from bot.domain import timefmt
from bot.simulator import FakeTelegram, SentMessage
from prompts.catalogue import default_catalogue
from tests.support.e2e import PARTICIPANT_ID, THERAPIST_ID, enroll_pair, settings_for

CRISIS = "I've saved up my pills and I'm going to take them all tonight when everyone's asleep."
CALM = "A calm morning by the lake, then lunch with my sister."
LATER = "Went to the market and cooked soup for everyone."
BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 07:00 in Berlin; the digest is at 20:00


def local(clock: FakeClock) -> str:
    return timefmt.when(clock.now(), BERLIN, "en")


def is_digest(message: SentMessage) -> bool:
    return (message.text or "").startswith("Digest for Dr. T-01")


async def test_the_daily_digest_lists_every_entry_the_voice_note_and_flag_numbers(
    tg: FakeTelegram, e2e_db: str, key: str
) -> None:
    cat = default_catalogue()
    clock = FakeClock(START)
    settings = settings_for(tg, e2e_db, key)
    alex, therapist = tg.user(PARTICIPANT_ID), tg.user(THERAPIST_ID)
    written: list[tuple[str, str]] = []
    async with ember_app(settings, clock=clock, tick_seconds=0.2) as ember:
        await enroll_pair(ember, tg)
        await ember.services.staffing.set_therapist("T-01", digest_at="20:00")
        alex.send_text(CALM)
        await alex.wait_for_message(lambda m: "It's in your journal" in (m.text or ""))
        written.append((local(clock), CALM))
        clock.advance(timedelta(hours=1))
        alex.send_voice()
        await alex.wait_for_message(lambda m: "voice message" in (m.text or ""))
        voice_at = local(clock)
        clock.advance(timedelta(hours=1))
        alex.send_text(CRISIS)
        await therapist.wait_for_message(lambda m: "CRISIS" in (m.text or ""))
        crisis_at = local(clock)
        clock.advance(timedelta(hours=1))
        alex.send_text(LATER)
        await alex.wait_for_message(lambda m: "It's in your journal" in (m.text or ""))
        written.append((local(clock), LATER))
        therapist.send_command("/flags")
        flags = await therapist.wait_for_message(lambda m: "Open flags" in (m.text or ""))
        found = re.search(r"#(\d+)", flags.text or "")
        assert found is not None
        flag_id = int(found.group(1))
    assert not any(is_digest(m) for m in therapist.messages)  # not before 20:00

    clock.advance(timedelta(hours=11))  # 21:00 in Berlin: Ember starts after the digest time
    tg.reset_rate_limits()  # eleven hours down: Telegram's per-chat limits have long reset
    async with ember_app(settings, clock=clock, tick_seconds=0.2):
        digest = await therapist.wait_for_message(is_digest, timeout=10)
    text = digest.text or ""
    for at, words in written:
        assert cat.text("care.digest_entry", "en", when=at, excerpt=words) in text
    assert cat.text("care.digest_media", "en", when=voice_at,
                    what=cat.text("care.digest_kind.voice", "en")) in text
    assert "voice note — not screened" in text
    flag = cat.text("care.digest_flag", "en", id=flag_id, tier="crisis")
    assert cat.text("care.digest_entry", "en", when=crisis_at, excerpt=CRISIS) + cat.text(
        "care.digest_flags", "en", flags=flag) in text
    assert f"4 new entries; open flags: Flag #{flag_id} (crisis)" in text
    assert "Alex" not in text  # participants by their code only

    clock.advance(timedelta(minutes=30))  # a restart the same evening sends nothing more
    tg.reset_rate_limits()
    async with ember_app(settings, clock=clock, tick_seconds=0.2):
        await asyncio.sleep(1.0)  # the digest job runs at start; give it time to (not) send
    assert sum(is_digest(m) for m in therapist.messages) == 1
