"""Shared builders for tests: protocols as text, and enrolled people through the services.

Used by the fast service tests (on the fake unit of work), the service tests on real
databases and the end-to-end tests, instead of each copying its own setup.
"""

from __future__ import annotations

from datetime import timedelta

from bot.domain.people import Person, Role
from bot.services.api import Services
from bot.services.inbound import Sender

DAILY = """
id: daily
name: Daily mood
version: 1
response_window: 6h
reminders: 0
steps:
{steps}
"""


def daily_protocol(days: int, kind: str = "scale") -> str:
    """A protocol asking once a day for ``days`` days after the dosing session."""
    steps = []
    for d in range(1, days + 1):
        extra = (
            "    scale: {min_label: {en: low}, max_label: {en: good}}\n" if kind == "scale" else ""
        )
        steps.append(
            f"  - id: d{d}\n    anchor: dosing\n    after: {d}d\n    kind: {kind}\n"
            f'    text: {{en: "Day {d}: how are you?"}}\n{extra}'
        )
    return DAILY.format(steps="".join(steps))


THERAPIST_ID = 7001  # Telegram ids (== chat ids)
PARTICIPANT_ID = 5001
COORDINATOR_ID = 9001


def sender(telegram_id: int, update_id: int = 1) -> Sender:
    return Sender(update_id=update_id, telegram_user_id=telegram_id, chat_id=telegram_id)


async def enroll(services: Services, role: Role, code: str, telegram_id: int, *,
                 therapist: str | None = None, tz: str = "Europe/Berlin") -> Person:
    """Invite, redeem and (for a participant) consent, as the bot would."""
    created = await services.enrollment.invite(None, role=role, code=code, therapist_code=therapist,
                                    timezone=tz, ttl=timedelta(days=7))
    person = await services.enrollment.start_with_code(sender(telegram_id), created.raw_code)
    if role is Role.PARTICIPANT:
        person = (await services.enrollment.record_consent(sender(telegram_id), agreed=True)).person
    return person


async def clinic(services: Services) -> tuple[Person, Person]:
    """A therapist T-01 and their consented participant P-0142."""
    therapist = await enroll(services, Role.THERAPIST, "T-01", THERAPIST_ID)
    participant = await enroll(services, Role.PARTICIPANT, "P-0142", PARTICIPANT_ID,
                               therapist="T-01")
    return therapist, participant
