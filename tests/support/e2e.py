"""What the end-to-end tests share: settings for a fake Bot API, invitations, and a
therapist with a consenting participant enrolled through the real chat flow.

Test modules import these from here (fixtures live in tests/e2e/conftest.py), never from
each other.
"""

from __future__ import annotations

from datetime import timedelta

from bot.app import Ember
from bot.config import Settings
from bot.domain.people import Role
from bot.simulator import FakeTelegram

THERAPIST_ID = 7001
PARTICIPANT_ID = 8001


def settings_for(tg: FakeTelegram, database_url: str, key: str, **extra: object) -> Settings:
    return Settings(
        telegram_token=tg.token,  # type: ignore[arg-type]
        telegram_api_url=f"{tg.url}/bot",
        database_url=database_url,
        encryption_key=key,  # type: ignore[arg-type]
        **extra,  # type: ignore[arg-type]
    )


async def make_invitation(
    ember: Ember,
    role: Role,
    code: str,
    *,
    therapist: str | None = None,
    tz: str = "Europe/Berlin",
    lang: str = "en",
    ttl: timedelta = timedelta(days=7),
) -> str:
    """What `ember invite` does, through the same service; returns the deep link's code."""
    created = await ember.services.enrollment.invite(
        None,
        role=role,
        code=code,
        timezone=tz,
        language=lang,
        name=f"Dr. {code}" if role is Role.THERAPIST else None,
        therapist_code=therapist,
        ttl=ttl,
    )
    return created.raw_code


async def count(ember: Ember, stmt: object) -> int:
    async with ember.storage.sessions() as session:
        return int(await session.scalar(stmt) or 0)  # type: ignore[call-overload]


async def enroll_pair(ember: Ember, tg: FakeTelegram) -> None:
    """A therapist and a consenting participant, through deep links and buttons."""
    t_code = await make_invitation(ember, Role.THERAPIST, "T-01")
    therapist = tg.user(THERAPIST_ID, "Dana")
    therapist.send_command("/start", t_code)
    welcome = await therapist.wait_for_message()
    assert "therapist" in welcome.text and "T-01" in welcome.text

    p_code = await make_invitation(ember, Role.PARTICIPANT, "P-0142", therapist="T-01")
    alex = tg.user(PARTICIPANT_ID, "Alex")
    alex.send_command("/start", p_code)
    consent = await alex.wait_for_message()
    assert "not a crisis or emergency service" in consent.text
    assert "0800 111 0 111" in consent.text  # Europe/Berlin -> German crisis line
    alex.press(consent, text="I agree")
    await alex.wait_for_message(lambda m: "all set" in (m.text or ""))
