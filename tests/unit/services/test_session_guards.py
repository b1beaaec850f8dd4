"""Recording a session: a duplicate is refused with a hint; no protocol is warned about."""

from __future__ import annotations

import pytest

from bot.errors import AlreadyExists
from bot.services.api import Services
from tests.support.builders import clinic, daily_protocol


class TestAddSession:
    async def test_the_same_participant_kind_and_time_twice_is_refused_with_a_hint(
        self, services: Services
    ) -> None:
        await clinic(services)
        await services.planning.load_protocol(daily_protocol(2), "daily.yaml")
        await services.planning.assign_protocol("P-0142", "daily")
        first = await services.sessions.add(None, "P-0142", "dosing", "2026-01-05 10:00")
        with pytest.raises(AlreadyExists) as refused:
            await services.sessions.add(None, "p-0142", "Dosing", "2026-01-05T10:00")
        assert f"ember session move P-0142 {first.id}" in str(refused.value)
        assert refused.value.key == "problem.duplicate_session"
        async with services.ctx.reader() as uow:
            participant = await uow.people.by_code("P-0142")
            assert participant is not None
            assert len(await uow.schedules.sessions_of(participant.id)) == 1

    async def test_another_kind_or_time_or_a_cancelled_session_is_no_duplicate(
        self, services: Services
    ) -> None:
        await clinic(services)
        first = await services.sessions.add(None, "P-0142", "dosing", "2026-01-05 10:00")
        await services.sessions.add(None, "P-0142", "integration", "2026-01-05 10:00")
        await services.sessions.add(None, "P-0142", "dosing", "2026-01-06 10:00")
        await services.sessions.change(None, "P-0142", first.id, cancel=True)
        again = await services.sessions.add(None, "P-0142", "dosing", "2026-01-05 10:00")
        assert again.id != first.id

    async def test_a_participant_without_a_protocol_is_warned_about(
        self, services: Services
    ) -> None:
        await clinic(services)
        view = await services.sessions.add(None, "P-0142", "dosing", "2026-01-05 10:00")
        assert view.without_protocol
        await services.planning.load_protocol(daily_protocol(2), "daily.yaml")
        await services.planning.assign_protocol("P-0142", "daily")
        view = await services.sessions.add(None, "P-0142", "integration", "2026-01-07 10:00")
        assert not view.without_protocol
