"""The pre-integration brief on the in-memory unit of work: due the evening before in the
therapist's zone, once per session, none for a cancelled session or a withdrawn
participant, and a late-recorded session's brief at once."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.services.api import Services
from tests.support.builders import clinic
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
