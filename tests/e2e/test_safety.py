"""Safety over HTTP: a crisis reply gets a safety message and a therapist alert; an
unacknowledged alert escalates on schedule (fast clock); Acknowledge stops it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.app import Ember, ember_app
from bot.clock import FakeClock
from bot.services import staffing
from bot.simulator import FakeTelegram
from storage.models import Alert, Escalation, Flag, Role
from tests.support.e2e import (
    PARTICIPANT_ID,
    THERAPIST_ID,
    enroll_pair,
    make_invitation,
    settings_for,
)

BACKUP_ID = 7002
COORDINATOR_ID = 6001
CRISIS = "I've saved up my pills and I'm going to take them all tonight when everyone's asleep."


@pytest.fixture
def fast_clock() -> FakeClock:
    return FakeClock(datetime.now(UTC))


@pytest.fixture
async def safe_ember(tg: FakeTelegram, e2e_db: str, key: str,
                     fast_clock: FakeClock) -> AsyncIterator[Ember]:
    async with ember_app(settings_for(tg, e2e_db, key), clock=fast_clock,
                         tick_seconds=0.2) as running:
        yield running


async def care_team(ember: Ember, tg: FakeTelegram) -> None:
    await enroll_pair(ember, tg)
    code = await make_invitation(ember, Role.THERAPIST, "T-02")
    tg.user(BACKUP_ID, "Sam").send_command("/start", code)
    await tg.user(BACKUP_ID).wait_for_message()
    code = await make_invitation(ember, Role.COORDINATOR, "C-01")
    tg.user(COORDINATOR_ID, "Kim").send_command("/start", code)
    await tg.user(COORDINATOR_ID).wait_for_message()
    async with ember.storage.uow() as uow:
        await staffing.set_therapist(uow, now=ember.clock.now(), code="T-01", backup="T-02")
        await uow.commit()


async def count(ember: Ember, model: type) -> int:
    async with ember.storage.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


class TestCrisis:
    @pytest.mark.serial  # the alert within a second of the message: measured alone
    async def test_crisis_reply_gets_safety_message_and_alerts_the_therapist(
        self, safe_ember: Ember, tg: FakeTelegram
    ) -> None:
        await care_team(safe_ember, tg)
        alex, therapist = tg.user(PARTICIPANT_ID), tg.user(THERAPIST_ID)
        update = alex.send_text(CRISIS)
        safety = await alex.wait_for_message(lambda m: "emergency" in (m.text or ""))
        assert "0800 111 0 111" in (safety.text or "")  # their region's crisis line
        assert "please reach out now" not in (safety.text or "")  # one lead-in, not two
        assert "flag" not in (safety.text or "").lower()  # never told they were flagged
        alert = await therapist.wait_for_message(lambda m: "CRISIS" in (m.text or ""))
        assert "P-0142" in (alert.text or "") and "suicidality" in (alert.text or "")
        assert "pills" in (alert.text or "")  # the evidence excerpt
        assert "Alex" not in (alert.text or "")  # never the Telegram name
        assert [label for label, _ in therapist.buttons(alert)] == ["Acknowledge"]
        assert not any("It's in your journal" in (m.text or "") for m in alex.messages)
        fetched = tg.update_fetched_at(update["update_id"])
        assert fetched is not None and alert.sent_at - fetched < 1.0

    async def test_a_second_crisis_message_a_minute_later_is_answered_too(
        self, safe_ember: Ember, tg: FakeTelegram, fast_clock: FakeClock
    ) -> None:
        """Never silence: the second gets a short follow-up with the lines, and an alert."""
        await care_team(safe_ember, tg)
        alex, therapist = tg.user(PARTICIPANT_ID), tg.user(THERAPIST_ID)
        alex.send_text(CRISIS)
        await alex.wait_for_message(lambda m: "emergency" in (m.text or ""))
        await therapist.wait_for_message(lambda m: "CRISIS" in (m.text or ""))
        fast_clock.advance(timedelta(minutes=1))
        alex.send_text("the rope is ready too. i'm done, tonight it ends")
        followup = await alex.wait_for_message(lambda m: "still here" in (m.text or ""))
        assert "0800 111 0 111" in (followup.text or "")
        await therapist.wait_for_message(lambda m: "CRISIS" in (m.text or ""))
        assert await count(safe_ember, Flag) == 2

    async def test_an_ordinary_reply_raises_nothing(self, safe_ember: Ember,
                                                    tg: FakeTelegram) -> None:
        await care_team(safe_ember, tg)
        alex = tg.user(PARTICIPANT_ID)
        alex.send_text("Had a killer workout today and slept like a log.")
        await alex.wait_for_message(lambda m: "It's in your journal" in (m.text or ""))
        assert await count(safe_ember, Flag) == 0


class TestEscalation:
    async def test_unacknowledged_alert_escalates_and_acknowledge_stops_it(
        self, safe_ember: Ember, tg: FakeTelegram, fast_clock: FakeClock
    ) -> None:
        await care_team(safe_ember, tg)
        alex = tg.user(PARTICIPANT_ID)
        backup, coordinator = tg.user(BACKUP_ID), tg.user(COORDINATOR_ID)
        alex.send_text(CRISIS)
        await tg.user(THERAPIST_ID).wait_for_message(lambda m: "CRISIS" in (m.text or ""))
        await asyncio.sleep(0.5)
        assert await count(safe_ember, Escalation) == 0  # not before 15 minutes

        fast_clock.advance(timedelta(minutes=14))
        await asyncio.sleep(0.6)
        assert await count(safe_ember, Escalation) == 0

        fast_clock.advance(timedelta(minutes=2))  # 16 minutes: round 1
        escalated = await backup.wait_for_message(lambda m: "CRISIS" in (m.text or ""))
        assert "Escalation round 1" in (escalated.text or "")
        await coordinator.wait_for_message(lambda m: "CRISIS" in (m.text or ""))

        backup.press(escalated, text="Acknowledge")
        done = await backup.wait_for_message(lambda m: "acknowledged" in (m.text or ""))
        assert "P-0142" in (done.text or "")
        async with safe_ember.storage.sessions() as session:
            alert = (await session.scalars(select(Alert))).one()
            flag = (await session.scalars(select(Flag))).one()
        assert alert.status == "acknowledged" and flag.status == "acknowledged"
        assert alert.acknowledged_at is not None
        assert alert.acknowledged_at - alert.created_at >= timedelta(minutes=16)

        fast_clock.advance(timedelta(minutes=40))  # nothing more after acknowledgement
        await asyncio.sleep(0.8)
        assert await count(safe_ember, Escalation) == 1

    async def test_someone_else_cannot_acknowledge(self, safe_ember: Ember,
                                                   tg: FakeTelegram) -> None:
        await care_team(safe_ember, tg)
        alex = tg.user(PARTICIPANT_ID)
        alex.send_text(CRISIS)
        alert = await tg.user(THERAPIST_ID).wait_for_message(
            lambda m: "CRISIS" in (m.text or ""))
        alert_data = tg.user(THERAPIST_ID).buttons(alert)[0][1]
        assert alert_data is not None
        # the participant forges the therapist's button in their own chat
        own = alex.messages[-1]
        query = alex.press(own, alert_data, forge=True)
        await tg.wait_until(lambda: tg.callback(query).answered)  # the spinner stops
        assert "isn't available to you" in (tg.callback(query).answer_text or "")
        async with safe_ember.storage.sessions() as session:
            assert (await session.scalars(select(Alert))).one().status == "open"
