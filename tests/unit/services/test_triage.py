"""Triage: of the messages waiting to be handled, a consented participant's that screen
high or crisis go first; nobody else's words move ahead, and nothing is decided here."""

from __future__ import annotations

from datetime import timedelta

from bot.domain import Role
from bot.services.api import Services
from bot.services.inbound import WaitingMessage
from tests.support.builders import PARTICIPANT_ID, THERAPIST_ID, clinic, sender

CRISIS = "I have the pills here and I will take them all tonight to end my life."
ORDINARY = "Tidied the kitchen and read a chapter of my book."
STRANGER_ID = 4242


def waiting(update_id: int, telegram_id: int, text: str) -> WaitingMessage:
    return WaitingMessage(update_id, telegram_id, telegram_id, update_id, text)


class TestTriage:
    async def test_a_participants_crisis_goes_first_an_ordinary_message_does_not(
        self, services: Services
    ) -> None:
        await clinic(services)
        risky = await services.triage.risky([
            waiting(1, PARTICIPANT_ID, ORDINARY), waiting(2, PARTICIPANT_ID, CRISIS),
            waiting(3, PARTICIPANT_ID, ORDINARY)])
        assert risky == {2}

    async def test_words_of_strangers_and_staff_keep_their_place(
        self, services: Services
    ) -> None:
        await clinic(services)
        assert await services.triage.risky([
            waiting(1, STRANGER_ID, CRISIS), waiting(2, THERAPIST_ID, CRISIS)]) == set()

    async def test_after_stop_a_crisis_still_goes_first(self, services: Services) -> None:
        _, participant = await clinic(services)
        await services.participation.withdraw(participant)
        assert await services.triage.risky([waiting(7, PARTICIPANT_ID, CRISIS)]) == {7}

    async def test_someone_who_has_not_consented_yet_keeps_their_order(
        self, services: Services
    ) -> None:
        """Their /start and consent must be handled first, or the message is not kept."""
        await clinic(services)
        created = await services.enrollment.invite(
            None, role=Role.PARTICIPANT, code="P-0300", therapist_code="T-01",
            timezone="UTC", ttl=timedelta(days=7))
        await services.enrollment.start_with_code(sender(6001), created.raw_code)
        assert await services.triage.risky([waiting(9, 6001, CRISIS)]) == set()
        await services.enrollment.record_consent(sender(6001), agreed=True)
        assert await services.triage.risky([waiting(10, 6001, CRISIS)]) == {10}
