"""One alert, one state, visible to all: when anyone acknowledges a flag, every copy of its
alerts that was sent (every round, every recipient) is edited to say who and when, in the
reader's own time zone, with no button left; escalation stops; a stale button is told who
was first; staff see one number per flag everywhere; forged presses change nothing; an
edit that meets a 429 or a 5xx still lands.

The real Application over HTTP against the fake Bot API, on a FakeClock moved by hand.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest
from sqlalchemy import func, select

from bot.app import Ember, ember_app
from bot.clock import FakeClock
from bot.domain import timefmt
from bot.simulator import FakeTelegram, FakeUser
from bot.simulator._models import SentMessage
from storage.models import Alert, AuditEvent, Escalation, Flag, Person, Role, Tier
from tests.support.e2e import (
    PARTICIPANT_ID,
    THERAPIST_ID,
    enroll_pair,
    make_invitation,
    settings_for,
)

BACKUP_ID = 7002
ONCALL_ID = 7003
OUTSIDER_ID = 7009
COORDINATOR_ID = 6001
STRANGER_ID = 9999
CRISIS = "I've saved up my pills and I'm going to take them all tonight when everyone's asleep."
LOW = "It was a hard day, I cried a lot."
ZONES = {
    THERAPIST_ID: "Europe/Berlin",
    BACKUP_ID: "America/New_York",
    ONCALL_ID: "Europe/London",
    COORDINATOR_ID: "Asia/Tokyo",
}


@pytest.fixture
def fast_clock() -> FakeClock:
    return FakeClock(datetime.now(UTC))


@pytest.fixture
async def safe_ember(
    tg: FakeTelegram, e2e_db: str, key: str, fast_clock: FakeClock
) -> AsyncIterator[Ember]:
    async with ember_app(
        settings_for(tg, e2e_db, key), clock=fast_clock, tick_seconds=0.2
    ) as running:
        yield running


async def join(ember: Ember, tg: FakeTelegram, user_id: int, role: Role, code: str) -> None:
    invitation = await make_invitation(ember, role, code, tz=ZONES.get(user_id, "Europe/Berlin"))
    tg.user(user_id, code).send_command("/start", invitation)
    await tg.user(user_id).wait_for_message()


async def care_team(ember: Ember, tg: FakeTelegram) -> None:
    """T-01 (Berlin) with P-0142; backup T-02 (New York), on call T-03 (London), C-01 (Tokyo)."""
    await enroll_pair(ember, tg)
    await join(ember, tg, BACKUP_ID, Role.THERAPIST, "T-02")
    await join(ember, tg, ONCALL_ID, Role.THERAPIST, "T-03")
    await join(ember, tg, COORDINATOR_ID, Role.COORDINATOR, "C-01")
    await ember.services.staffing.set_therapist("T-01", backup="T-02")
    await ember.services.staffing.set_oncall("T-03")


Row = TypeVar("Row", Flag, Alert)


async def one(ember: Ember, model: type[Row]) -> Row:
    async with ember.storage.sessions() as session:
        return (await session.scalars(select(model))).one()


async def count(ember: Ember, stmt: object) -> int:
    async with ember.storage.sessions() as session:
        return int(await session.scalar(stmt) or 0)  # type: ignore[call-overload]


async def person_id(ember: Ember, code: str) -> int:
    async with ember.storage.sessions() as session:
        return int(await session.scalar(select(Person.id).where(Person.code == code)) or 0)


def is_alert(message: SentMessage) -> bool:
    return "CRISIS" in (message.text or "") or "HIGH" in (message.text or "")


async def acknowledged_everywhere(
    tg: FakeTelegram, copies: list[tuple[FakeUser, SentMessage, str]]
) -> None:
    """Wait until every copy has been edited and shows no button."""
    await tg.wait_until(
        lambda: all(m.edits and not m.buttons for _, m, _ in copies),
        timeout=10,
        message="not every copy of the alert was edited",
    )


class TestEveryCopyShowsTheAcknowledgement:
    async def test_the_backup_acknowledges_and_every_copy_anyone_received_says_so(
        self, safe_ember: Ember, tg: FakeTelegram, fast_clock: FakeClock
    ) -> None:
        catalogue = safe_ember.catalogue
        await care_team(safe_ember, tg)
        alex, therapist = tg.user(PARTICIPANT_ID), tg.user(THERAPIST_ID)
        backup, oncall = tg.user(BACKUP_ID), tg.user(ONCALL_ID)
        coordinator = tg.user(COORDINATOR_ID)
        alex.send_text(CRISIS)
        first = await therapist.wait_for_message(is_alert)
        flag = await one(safe_ember, Flag)
        header = catalogue.text("alert.header", "en", tier="CRISIS", code="P-0142", flag=flag.id)
        assert (first.text or "").startswith(header)
        stale_data = therapist.buttons(first)[0][1]
        assert stale_data == f"ack:flag:{flag.id}"

        fast_clock.advance(timedelta(minutes=16))  # unacknowledged: round 1 to everyone
        round_one = {
            user.id: await user.wait_for_message(is_alert, timeout=8)
            for user in (therapist, backup, oncall, coordinator)
        }
        assert all("Escalation round 1" in (m.text or "") for m in round_one.values())
        copies = [(therapist, first, ZONES[THERAPIST_ID])] + [
            (tg.user(uid), m, ZONES[uid]) for uid, m in round_one.items()
        ]
        originals = {id(m): m.text for _, m, _ in copies}

        fast_clock.advance(timedelta(minutes=1))
        backup.press(round_one[BACKUP_ID], text="Acknowledge")
        done = await backup.wait_for_message(lambda m: "is acknowledged" in (m.text or ""))
        assert done.text == catalogue.text(
            "alert.ack_done", "en", id=flag.id, code="P-0142", minutes=17
        )
        assert "#0" not in (done.text or "")

        await acknowledged_everywhere(tg, copies)
        alert = await one(safe_ember, Alert)
        assert alert.status == "acknowledged" and alert.acknowledged_at is not None
        assert alert.acknowledged_by_id == await person_id(safe_ember, "T-02")
        at = alert.acknowledged_at
        for user, message, zone in copies:
            line = catalogue.text(
                "alert.acknowledged", "en", by="T-02", when=timefmt.when_zoned(at, zone, "en")
            )
            assert message.text == f"{originals[id(message)]}\n\n{line}", user.id
            assert message.edits[-1].method == "editMessageText"
            assert message.buttons == []
        assert "JST" in (round_one[COORDINATOR_ID].text or "")  # the reader's own zone
        assert any(z in (round_one[BACKUP_ID].text or "") for z in ("EST", "EDT"))

        # no further escalation round, and nobody is alerted again
        alerts_before = sum(1 for m in tg.sent if is_alert(m))
        fast_clock.advance(timedelta(minutes=40))
        await asyncio.sleep(0.8)
        assert await count(safe_ember, select(func.count()).select_from(Escalation)) == 1
        assert sum(1 for m in tg.sent if is_alert(m)) == alerts_before

        # the therapist presses the button their client still showed
        query = therapist.press(first, stale_data, forge=True)
        already = catalogue.text(
            "alert.ack_already",
            "en",
            id=flag.id,
            code="P-0142",
            by="T-02",
            when=timefmt.when_zoned(at, ZONES[THERAPIST_ID], "en"),
        )
        told = await therapist.wait_for_message(lambda m: m.text == already)
        assert told.buttons == []
        await tg.wait_until(lambda: tg.callback(query).answered)
        assert tg.callback(query).answer_text == already
        acknowledged = (
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "alert.acknowledged")
        )
        assert await count(safe_ember, acknowledged) == 1  # recorded once
        flag_now = await one(safe_ember, Flag)
        assert flag_now.acknowledged_by_id == await person_id(safe_ember, "T-02")
        assert flag_now.acknowledged_at == at


class TestOneNumber:
    async def test_flags_and_the_alert_show_one_number_and_ack_takes_it(
        self, safe_ember: Ember, tg: FakeTelegram
    ) -> None:
        catalogue = safe_ember.catalogue
        await enroll_pair(safe_ember, tg)
        alex, therapist = tg.user(PARTICIPANT_ID), tg.user(THERAPIST_ID)
        alex.send_text(LOW)  # a flag with no alert first, so flag and alert numbers differ
        await alex.wait_for_message(lambda m: "journal" in (m.text or ""))
        alex.send_text(CRISIS)
        alert = await therapist.wait_for_message(is_alert)
        async with safe_ember.storage.sessions() as session:
            flag = (await session.scalars(select(Flag).where(Flag.tier == Tier.CRISIS))).one()
        alert_row = await one(safe_ember, Alert)
        assert alert_row.flag_id == flag.id != alert_row.id
        assert f"#{alert_row.id}" not in (alert.text or "")
        therapist.send_command("/flags")
        listed = await therapist.wait_for_message(lambda m: "Open flags" in (m.text or ""))
        line = catalogue.text(
            "alert.flag_line",
            "en",
            id=flag.id,
            code="P-0142",
            tier="crisis",
            categories=flag.categories.replace(",", ", "),
            when=timefmt.when(flag.created_at, ZONES[THERAPIST_ID], "en"),
        )
        assert line in (listed.text or "")
        assert f"Flag #{flag.id}" in (alert.text or "") and f"Flag #{flag.id}" in line

        therapist.send_command("/ack", str(flag.id))
        done = await therapist.wait_for_message(lambda m: "is acknowledged" in (m.text or ""))
        assert f"Flag #{flag.id} for P-0142" in (done.text or "")
        await acknowledged_everywhere(tg, [(therapist, alert, ZONES[THERAPIST_ID])])
        assert "Acknowledged by T-01" in (alert.text or "")

    async def test_a_coordinator_acknowledging_a_flag_without_an_alert_hears_its_number(
        self, safe_ember: Ember, tg: FakeTelegram
    ) -> None:
        catalogue = safe_ember.catalogue
        await enroll_pair(safe_ember, tg)
        await join(safe_ember, tg, COORDINATOR_ID, Role.COORDINATOR, "C-01")
        alex, coordinator = tg.user(PARTICIPANT_ID), tg.user(COORDINATOR_ID)
        alex.send_text(LOW)
        await alex.wait_for_message(lambda m: "journal" in (m.text or ""))
        flag = await one(safe_ember, Flag)
        assert flag.tier.label == "low"
        assert await count(safe_ember, select(func.count()).select_from(Alert)) == 0
        coordinator.send_command("/flags")
        listed = await coordinator.wait_for_message(lambda m: "Open flags" in (m.text or ""))
        assert f"Flag #{flag.id}: P-0142 low" in (listed.text or "")
        coordinator.send_command("/ack", f"#{flag.id}")
        done = await coordinator.wait_for_message(lambda m: "acknowledged" in (m.text or ""))
        assert done.text == catalogue.text(
            "alert.ack_done", "en", id=flag.id, code="P-0142", minutes=0
        )
        assert "Alert" not in (done.text or "") and "#0" not in (done.text or "")
        assert (await one(safe_ember, Flag)).status == "acknowledged"


class TestForged:
    async def test_a_forged_acknowledgement_changes_nothing(
        self, safe_ember: Ember, tg: FakeTelegram, fast_clock: FakeClock
    ) -> None:
        await care_team(safe_ember, tg)
        await join(safe_ember, tg, OUTSIDER_ID, Role.THERAPIST, "T-09")
        alex, therapist = tg.user(PARTICIPANT_ID), tg.user(THERAPIST_ID)
        alex.send_text(CRISIS)
        alert = await therapist.wait_for_message(is_alert)
        flag, alert_row = await one(safe_ember, Flag), await one(safe_ember, Alert)
        stranger = tg.user(STRANGER_ID, "Eve")
        stranger.send_text("hello?")
        await stranger.wait_for_message()
        presses: dict[int, list[str]] = {}
        for user in (alex, stranger, tg.user(OUTSIDER_ID)):
            own = user.messages[-1]  # a message in their own chat, with forged data
            for data in (f"ack:flag:{flag.id}", f"ack:{alert_row.id}", "ack:flag:x"):
                presses.setdefault(user.id, []).append(user.press(own, data, forge=True))
        everyone = [q for qs in presses.values() for q in qs]
        await tg.wait_until(lambda: all(tg.callback(q).answered for q in everyone), timeout=8)
        denied = safe_ember.catalogue.text("alert.ack_denied", "en")
        assert {tg.callback(q).answer_text for q in presses[OUTSIDER_ID]} == {denied}
        await asyncio.sleep(0.3)
        assert (await one(safe_ember, Flag)).status == "open"
        assert (await one(safe_ember, Alert)).status == "open"
        assert alert.edits == [] and therapist.buttons(alert) == [
            ("Acknowledge", f"ack:flag:{flag.id}")
        ]
        assert tg.calls_to("editMessageText") == []
        fast_clock.advance(timedelta(minutes=16))  # still unacknowledged: it escalates
        await tg.user(BACKUP_ID).wait_for_message(is_alert, timeout=8)


class TestFaults:
    @pytest.mark.parametrize("fault", [429, 502])
    async def test_an_edit_that_meets_a_429_or_a_5xx_still_lands(
        self, safe_ember: Ember, tg: FakeTelegram, fast_clock: FakeClock, fault: int
    ) -> None:
        await enroll_pair(safe_ember, tg)
        alex, therapist = tg.user(PARTICIPANT_ID), tg.user(THERAPIST_ID)
        alex.send_text(CRISIS)
        alert = await therapist.wait_for_message(is_alert)
        tg.fail_next("editMessageText", status=fault, chat_id=THERAPIST_ID, count=2)
        therapist.press(alert, text="Acknowledge")
        await therapist.wait_for_message(lambda m: "is acknowledged" in (m.text or ""))
        # each refusal is retried when its time comes: Ember's clock moves on meanwhile
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 15
        while not (alert.edits and not alert.buttons):
            assert loop.time() < deadline, "the edit never landed"
            fast_clock.advance(timedelta(seconds=5))
            await asyncio.sleep(0.25)
        calls = tg.calls_to("editMessageText")
        assert [c.status for c in calls] == [fault, fault, 200]
        assert "Acknowledged by T-01" in (alert.text or "")
