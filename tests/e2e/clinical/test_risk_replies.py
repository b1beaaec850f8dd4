"""Every risk message is answered, and never with silence: two crisis messages a minute
apart both get a safety message (the second a shorter follow-up with the lines) and both
reach the therapist; passive ideation right after a safety message is answered too; a
high message gets the supportive message; an ordinary message a moment later still gets
its thank-you. Texts are checked against the message catalogue.

The real Application over HTTP against the fake Bot API, on a FakeClock moved by hand.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.app import Ember, ember_app
from bot.clock import FakeClock
from bot.simulator import FakeTelegram
from bot.simulator._models import SentMessage
from prompts.catalogue import crisis_text
from storage.models import Flag
from tests.support.e2e import PARTICIPANT_ID, THERAPIST_ID, enroll_pair, settings_for

ZONE = "Europe/Berlin"  # the invitations' time zone: German crisis lines
CRISIS = "I've saved up my pills and I'm going to take them all tonight when everyone's asleep."
CRISIS_AGAIN = "the rope is ready too. i'm done, tonight it ends"
PASSIVE = "sometimes i wish i could just go to sleep and never wake up"
ORDINARY = "Walked by the river after lunch, it helped a little."


@pytest.fixture
def clock() -> FakeClock:
    # a minute before a half hour: the follow-up must not depend on where the clock stands
    return FakeClock(datetime(2026, 12, 3, 9, 29, 30, tzinfo=UTC))


@pytest.fixture
async def ember(tg: FakeTelegram, e2e_db: str, key: str, clock: FakeClock) -> AsyncIterator[Ember]:
    async with ember_app(settings_for(tg, e2e_db, key), clock=clock, tick_seconds=0.2) as app:
        yield app


def is_(expected: str) -> Callable[[SentMessage], bool]:
    return lambda m: (m.text or "") == expected


async def flags(ember: Ember) -> int:
    async with ember.storage.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Flag)) or 0)


async def test_two_crisis_messages_a_minute_apart_are_both_answered_and_both_alerted(
    ember: Ember, tg: FakeTelegram, clock: FakeClock
) -> None:
    await enroll_pair(ember, tg)
    alex, therapist, cat = tg.user(PARTICIPANT_ID), tg.user(THERAPIST_ID), ember.catalogue
    lines = crisis_text(cat, "en", None, ZONE, header=False)
    header = cat.text("alert.header", "en", tier="CRISIS", code="P-0142", flag=0)
    alerted = header.rsplit("#", 1)[0]

    alex.send_text(CRISIS)
    await alex.wait_for_message(is_(cat.text("safety.crisis", "en", crisis=lines)))
    await therapist.wait_for_message(lambda m: (m.text or "").startswith(alerted))

    clock.advance(timedelta(minutes=1))  # past the half hour on the clock
    alex.send_text(CRISIS_AGAIN)
    await alex.wait_for_message(is_(cat.text("safety.followup", "en", crisis=lines)))
    second = await therapist.wait_for_message(
        lambda m: (m.text or "").startswith(alerted) and "rope" in (m.text or "")
    )
    assert "Flag #2" in (second.text or "")
    assert await flags(ember) == 2
    thanks = cat.text("journal.saved", "en")
    assert not any((m.text or "") == thanks for m in alex.messages)  # safety, not "thank you"


async def test_passive_ideation_right_after_a_safety_message_is_answered(
    ember: Ember, tg: FakeTelegram, clock: FakeClock
) -> None:
    await enroll_pair(ember, tg)
    alex, cat = tg.user(PARTICIPANT_ID), ember.catalogue
    lines = crisis_text(cat, "en", None, ZONE, header=False)
    alex.send_text(CRISIS)
    await alex.wait_for_message(is_(cat.text("safety.crisis", "en", crisis=lines)))
    clock.advance(timedelta(seconds=20))
    before = len(alex.messages)
    alex.send_text(PASSIVE)
    await tg.wait_until(lambda: len(alex.messages) > before, timeout=5)
    answer = alex.messages[before].text or ""
    # whatever tier the screener gives it, it is answered: a safety line or a thank-you
    assert answer in {
        cat.text("safety.followup", "en", crisis=lines),
        cat.text("safety.high", "en", crisis=lines),
        cat.text("journal.saved", "en"),
    }
    clock.advance(timedelta(minutes=2))
    alex.send_text(ORDINARY)
    await alex.wait_for_message(is_(cat.text("journal.saved", "en")))
