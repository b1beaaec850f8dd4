"""Times as people see them over the fake Bot API: in their own zone and formatted for
their language, never in UTC; and a coordinator is not told a code is "not among yours"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import ember_app
from bot.clock import FakeClock
from bot.domain import Role, timefmt
from bot.simulator import FakeTelegram
from prompts.catalogue import default_catalogue
from tests.support.e2e import PARTICIPANT_ID, enroll_pair, make_invitation, settings_for

START = datetime(2026, 12, 4, 16, 55, tzinfo=UTC)  # 17:55 in Berlin
COORDINATOR_ID = 6001


async def test_paused_until_is_shown_in_the_participants_own_time(
    tg: FakeTelegram, e2e_db: str, key: str
) -> None:
    clock = FakeClock(START)
    alex = tg.user(PARTICIPANT_ID)
    async with ember_app(settings_for(tg, e2e_db, key), clock=clock, tick_seconds=0.2) as ember:
        await enroll_pair(ember, tg)  # Alex lives in Berlin
        alex.send_command("/pause", "2h")
        paused = await alex.wait_for_message(lambda m: "paused until" in (m.text or ""))
    until = timefmt.when(START + timedelta(hours=2), "Europe/Berlin", "en")
    assert until == "Dec 4, 2026, 7:55 PM"
    assert paused.text == default_catalogue().text("pause.paused_until", "en", until=until)
    assert "UTC" not in (paused.text or "")


async def test_a_coordinator_asking_for_an_unknown_code_is_not_told_among_yours(
    tg: FakeTelegram, e2e_db: str, key: str
) -> None:
    coordinator = tg.user(COORDINATOR_ID, "Kim")
    async with ember_app(settings_for(tg, e2e_db, key)) as ember:
        code = await make_invitation(ember, Role.COORDINATOR, "C-01", lang="de")
        coordinator.send_command("/start", code)
        await coordinator.wait_for_message()
        coordinator.send_command("/schedule", "P-0999")
        answer = await coordinator.wait_for_message()
    assert answer.text == default_catalogue().text(
        "staff.no_participant_at_all", "de", code="P-0999"
    )
    assert "Ihren" not in (answer.text or "")
