"""Every crisis or high message gets a safety message, never silence: the full one, or a
short follow-up with the lines when one went to them in the last half hour, however the
half hours fall on the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import FakeClock
from bot.services.api import Services
from bot.services.inbound import InboundMessage
from prompts.catalogue import default_catalogue
from tests.support.builders import PARTICIPANT_ID, clinic, sender
from tests.support.fake_uow import FakeStorage

CRISIS = "I have the pills here and I will take them all tonight to end my life."


def safety_texts(storage: FakeStorage) -> list[str]:
    rows = sorted(storage.queued("safety"), key=lambda row: row.id)
    return [row.message.text for row in rows]


async def write(services: Services, update_id: int, text: str = CRISIS) -> None:
    """A message from P-0142 (enrolled, with their therapist, on the first call)."""
    if update_id == 1:
        await clinic(services)
    async with services.ctx.uow() as uow:
        participant = await uow.people.by_code("P-0142")
    assert participant is not None
    message = InboundMessage(sender(PARTICIPANT_ID, update_id), update_id, "text", text)
    await services.journal.record(participant, message)


async def test_a_second_crisis_minutes_later_gets_the_follow_up_across_a_half_hour_mark(
    services: Services, storage: FakeStorage, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 1, 5, 9, 29, 30, tzinfo=UTC))  # the next one falls after 9:30
    await write(services, 1)
    clock.advance(timedelta(minutes=1))
    await write(services, 2, "the rope is ready too. i'm done, tonight it ends")
    catalogue = default_catalogue()
    first, second = safety_texts(storage)
    full_lead = catalogue.text("safety.crisis", "en", crisis="").split("\n")[0]
    followup_lead = catalogue.text("safety.followup", "en", crisis="").split("\n")[0]
    assert first.startswith(full_lead)
    assert second.startswith(followup_lead)


async def test_after_half_an_hour_of_quiet_the_full_message_again(
    services: Services, storage: FakeStorage, clock: FakeClock
) -> None:
    await write(services, 1)
    clock.advance(timedelta(minutes=31))
    await write(services, 2, "the rope is ready too. i'm done, tonight it ends")
    catalogue = default_catalogue()
    full_lead = catalogue.text("safety.crisis", "en", crisis="").split("\n")[0]
    assert [text.startswith(full_lead) for text in safety_texts(storage)] == [True, True]
