"""The pre-integration brief over the fake Bot API: the evening before an integration
session (18:00 in the therapist's zone), what the participant wrote since the previous
session, scores against baseline, each flag with who acknowledged it and how fast, and the
chart; once per session across a restart, and again when the session moves."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

from bot.app import ember_app
from bot.clock import FakeClock
from bot.simulator import FakeTelegram, SentMessage
from tests.e2e.clinical.test_charts import add_rows, participant
from tests.support.e2e import PARTICIPANT_ID, THERAPIST_ID, enroll_pair, settings_for

START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # Monday 07:00 in Berlin
CALM = "A calm morning by the lake, then lunch with my sister."
CRISIS = "I've saved up my pills and I'm going to take them all tonight when everyone's asleep."


def is_brief(message: SentMessage) -> bool:
    return "Before P-0142's integration session" in (message.text or "")


async def test_a_brief_arrives_the_evening_before_an_integration_session(
    tg: FakeTelegram, e2e_db: str, key: str
) -> None:
    clock = FakeClock(START)
    settings = settings_for(tg, e2e_db, key)
    alex, therapist = tg.user(PARTICIPANT_ID), tg.user(THERAPIST_ID)
    async with ember_app(settings, clock=clock, tick_seconds=0.2) as ember:
        await enroll_pair(ember, tg)
        await ember.services.sessions.add(None, "P-0142", "dosing", "2026-03-01 09:00")
        session = await ember.services.sessions.add(
            None, "P-0142", "integration", "2026-03-03 10:00"
        )
        clock.advance(timedelta(minutes=30))
        alex.send_text(CALM)
        await alex.wait_for_message(lambda m: "It's in your journal" in (m.text or ""))
        clock.advance(timedelta(hours=1))
        alex.send_text(CRISIS)
        alert = await therapist.wait_for_message(lambda m: "CRISIS" in (m.text or ""))
        flag_id = int(re.search(r"#(\d+)", alert.text or "").group(1))  # type: ignore[union-attr]
        clock.advance(timedelta(minutes=12))
        therapist.send_command("/ack", str(flag_id))
        await therapist.wait_for_message(lambda m: "is acknowledged" in (m.text or ""))
        await add_rows(ember, await participant(ember, "P-0142"), clock.now(), sent=2,
                       answered=1, missed=1)
    assert not any(is_brief(m) for m in therapist.messages)  # not in the morning

    clock.advance(timedelta(hours=17, minutes=20))  # Monday 18:02 in Berlin
    tg.reset_rate_limits()
    async with ember_app(settings, clock=clock, tick_seconds=0.2):
        brief = await therapist.wait_for_message(is_brief, timeout=10)
        await asyncio.sleep(1.5)  # the rest of it
    assert brief.kind == "photo"
    text = "\n".join(m.text or "" for m in therapist.messages if m.message_id >= brief.message_id)
    assert "Before P-0142's integration session, Mar 3, 2026, 10:00 AM" in text
    assert "What P-0142 wrote since the previous session (Mar 1, 2026, 9:00 AM" in text
    assert CALM in text and "crisis" in text
    assert f"Flag #{flag_id} (crisis;" in text
    assert "acknowledged by T-01 after 12 min" in text
    assert "PHQ-9: 9 (Mild); baseline 17 (Moderately severe)" in text

    clock.advance(timedelta(minutes=40))  # a restart that evening sends nothing more
    tg.reset_rate_limits()
    async with ember_app(settings, clock=clock, tick_seconds=0.2) as ember:
        await asyncio.sleep(1.0)
        assert sum(is_brief(m) for m in therapist.messages) == 1
        # the session moves two days later: its brief comes again, the evening before
        await ember.services.sessions.change(None, "P-0142", session.id,
                                             when="2026-03-05 10:00")
    clock.advance(timedelta(days=2))  # Wednesday 18:42
    tg.reset_rate_limits()
    async with ember_app(settings, clock=clock, tick_seconds=0.2):
        moved = await therapist.wait_for_message(is_brief, timeout=10)
    assert "Mar 5, 2026, 10:00 AM" in (moved.text or "")
    assert moved.kind == "photo"
