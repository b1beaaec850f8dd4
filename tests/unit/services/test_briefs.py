"""The pre-integration brief on the in-memory unit of work: due the evening before in the
therapist's zone, once per session, none for a cancelled session or a withdrawn
participant, and a late-recorded session's brief at once."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.domain import Role
from bot.services.api import Services
from tests.support.builders import clinic, enroll
from tests.support.fake_uow import FakeStorage

# the clock starts Monday 2026-01-05 09:00 UTC (10:00 in Berlin, where everyone lives)


def briefs(storage: FakeStorage) -> list[str]:
    return [m.message.text for m in storage.queued("brief")]


class TestWhen:
    async def test_the_evening_before_once(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        await clinic(services)
        await services.sessions.add(None, "P-0142", "integration", "2026-01-07 10:00")
        assert await services.briefs.send_due() == 0  # Monday morning: not yet
        clock.advance(timedelta(hours=7, minutes=59))  # Monday 17:59 in Berlin
        assert await services.briefs.send_due() == 0
        clock.advance(timedelta(days=1, minutes=1))  # Tuesday 18:00
        assert await services.briefs.send_due() == 1
        assert await services.briefs.send_due() == 0  # once
        [first, *_] = briefs(storage)
        assert first.startswith("Before P-0142's integration session, Jan 7, 2026, 10:00 AM")
        assert "since joining" in first

    async def test_a_cancelled_session_or_a_withdrawn_participant_gets_none(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        _, participant = await clinic(services)
        session = await services.sessions.add(None, "P-0142", "integration", "2026-01-06 10:00")
        await services.sessions.change(None, "P-0142", session.id, cancel=True)
        clock.advance(timedelta(hours=9))  # Monday 19:00
        assert await services.briefs.send_due() == 0
        await services.sessions.add(None, "P-0142", "integration", "2026-01-06 11:00")
        await services.participation.withdraw(participant)
        assert await services.briefs.send_due() == 0
        assert briefs(storage) == []

    async def test_a_session_recorded_after_its_brief_time_gets_it_at_once(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        await clinic(services)
        clock.advance(timedelta(hours=10))  # Monday 20:00, after 18:00
        await services.sessions.add(None, "P-0142", "integration", "2026-01-06 09:00")
        assert await services.briefs.send_due() == 1
        await services.sessions.add(None, "P-0142", "dosing", "2026-01-06 12:00")
        assert await services.briefs.send_due() == 0  # only integration sessions


class TestCouples:
    async def test_a_partner_s_brief_names_the_partner_the_shared_session_and_the_doses(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        await clinic(services)
        await enroll(services, Role.PARTICIPANT, "P-0143", 5002, therapist="T-01")
        await services.couples.link(None, "P-0142", "P-0143")
        dosing, _ = await services.sessions.add_for_couple(
            None, "P-0142", "dosing", "2026-01-05 11:00"
        )
        await services.sessions.record_doses(None, "P-0142", dosing.id, "80mg@11:00",
                                             ["40mg@12:30"])
        await services.sessions.add(None, "P-0142", "integration", "2026-01-07 10:00")
        await services.sessions.add(None, "P-0143", "integration", "2026-01-07 12:00")
        clock.advance(timedelta(days=1, hours=8))  # Tuesday 18:00 in Berlin
        assert await services.briefs.send_due() == 2
        text = "\n".join(briefs(storage))
        mine = text[: text.index("Before P-0143's")]
        assert "In a couple with P-0143; shared session #" in mine
        assert "(dosing), Jan 5, 2026, 11:00 AM" in mine
        assert ": initial 80mg@11:00; supplemental 40mg@12:30" in mine
        theirs = text[text.index("Before P-0143's"):]
        assert "In a couple with P-0142; shared session #" in theirs
        assert "No doses recorded for the dosing session of Jan 5, 2026, 11:00 AM." in theirs

    async def test_a_participant_alone_gets_no_couple_line(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        await clinic(services)
        await services.sessions.add(None, "P-0142", "integration", "2026-01-07 10:00")
        clock.advance(timedelta(days=1, hours=8))
        assert await services.briefs.send_due() == 1
        text = "\n".join(briefs(storage))
        assert "In a couple" not in text and "dosing session" not in text
