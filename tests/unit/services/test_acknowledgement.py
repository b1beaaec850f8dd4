"""Acknowledging a flag, on the in-memory unit of work: one number for staff, every copy of
its alerts changed (sent ones edited through the outbox, waiting ones rewritten), escalation
stopped, and a second acknowledgement told who was first without recording anything."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from bot.domain import Role, Tier, timefmt
from bot.domain.outgoing import OutboxStatus
from bot.domain.people import Person
from bot.errors import NotAllowed, NotFound
from bot.services.api import Services
from bot.services.flags import raise_flag
from bot.services.inbound import InboundMessage
from tests.support.builders import PARTICIPANT_ID, clinic, enroll, sender
from tests.support.fake_uow import FakeStorage, QueuedMessage

CRISIS = "I have the pills here and I will take them all tonight to end my life."


async def crisis(services: Services, participant: Person) -> tuple[int, int]:
    """A crisis message from the participant; returns (flag id, alert id)."""
    message = InboundMessage(sender(PARTICIPANT_ID, 10), 10, "text", CRISIS)
    await services.journal.record(participant, message)
    async with services.ctx.uow() as uow:
        [(flag, _)] = await uow.flags.open_flags()
        [alert] = await uow.flags.alerts_of_flag(flag.id)
    return flag.id, alert.id


async def care_team(services: Services) -> dict[str, Person]:
    therapist, participant = await clinic(services)
    team = {
        "T-01": therapist,
        "P-0142": participant,
        "T-02": await enroll(services, Role.THERAPIST, "T-02", 7002, tz="America/New_York"),
        "C-01": await enroll(services, Role.COORDINATOR, "C-01", 9001, tz="Asia/Tokyo"),
        "C-02": await enroll(services, Role.COORDINATOR, "C-02", 9002),
    }
    await services.staffing.set_therapist("T-01", backup="T-02")
    return team


def copies(storage: FakeStorage) -> dict[str, QueuedMessage]:
    return {row.key: row for row in storage.queued("alert")}


def edits(storage: FakeStorage) -> list[QueuedMessage]:
    return storage.queued("edit")


class TestOneNumber:
    async def test_the_alert_shows_the_flag_number_that_flags_lists_and_its_button_carries_it(
        self, services: Services, storage: FakeStorage
    ) -> None:
        therapist, participant = await clinic(services)
        flag_id, alert_id = await crisis(services, participant)
        [(listed, _)] = await services.flags.open(therapist)
        [alert] = storage.queued("alert")
        header = services.ctx.catalogue.text(
            "alert.header", "en", tier="CRISIS", code="P-0142", flag=flag_id
        )
        assert flag_id != alert_id  # so the test can tell which number is shown
        assert listed.id == flag_id and alert.message.text.startswith(header)
        assert f"Flag #{flag_id}" in header
        assert [[b.data for b in row] for row in alert.message.buttons] == [[f"ack:flag:{flag_id}"]]
        assert alert.topic == f"alert:{alert_id}"

    async def test_ack_by_flag_number_answers_with_that_number(self, services: Services) -> None:
        therapist, participant = await clinic(services)
        flag_id, _ = await crisis(services, participant)
        done = await services.escalation.acknowledge(therapist, flag_id=flag_id)
        assert (done.flag_id, done.participant_code, done.first) == (flag_id, "P-0142", True)
        assert done.by == "T-01"

    async def test_a_flag_without_an_alert_is_acknowledged_under_its_own_number(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        _, participant = await clinic(services)
        coordinator = await enroll(services, Role.COORDINATOR, "C-01", 9001)
        async with services.ctx.uow() as uow:
            raised = await raise_flag(
                uow,
                now=clock.now(),
                catalogue=services.ctx.catalogue,
                policy=services.ctx.policy,
                participant=participant,
                tier=Tier.LOW,
                categories=["distress"],
                evidence=[{"rule": "signal.silence"}],
                source_kind="silence",
                source_id=None,
            )
            await uow.commit()
        assert raised is not None and raised.alert_id is None
        clock.advance(timedelta(minutes=7))
        done = await services.escalation.acknowledge(coordinator, flag_id=raised.flag_id)
        assert (done.flag_id, done.minutes, done.first) == (raised.flag_id, 7, True)
        [entry] = [a for a in storage.tables.audit if a["action"] == "flag.acknowledged"]
        assert entry["detail"] == f"flag #{raised.flag_id} after 7 min"
        assert storage.tables.flags[raised.flag_id].acknowledged_by_id == coordinator.id

    async def test_an_older_button_carrying_the_alert_still_works(
        self, services: Services, storage: FakeStorage
    ) -> None:
        therapist, participant = await clinic(services)
        flag_id, alert_id = await crisis(services, participant)
        done = await services.escalation.acknowledge(therapist, alert_id=alert_id)
        assert done.flag_id == flag_id and done.first
        assert storage.tables.flags[flag_id].status == "acknowledged"


class TestEveryCopy:
    async def test_every_copy_shows_who_and_when_in_the_readers_own_zone(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        team = await care_team(services)
        flag_id, alert_id = await crisis(services, team["P-0142"])
        t01, t02, c01, c02 = (team[c].id for c in ("T-01", "T-02", "C-01", "C-02"))
        clock.advance(timedelta(minutes=16))
        assert await services.escalation.escalate() == 1
        assert set(copies(storage)) == {
            f"alert:{alert_id}:0:{t01}",
            f"alert:{alert_id}:1:{t01}",
            f"alert:{alert_id}:1:{t02}",
            f"alert:{alert_id}:1:{c01}",
            f"alert:{alert_id}:1:{c02}",
        }
        # what the delivery workers have done with them by now
        sent_first = storage.settle(f"alert:{alert_id}:0:{t01}", OutboxStatus.SENT, 501)
        in_flight = storage.settle(f"alert:{alert_id}:1:{t01}", OutboxStatus.SENDING)
        sent_backup = storage.settle(f"alert:{alert_id}:1:{t02}", OutboxStatus.SENT, 502)
        storage.settle(f"alert:{alert_id}:1:{c02}", OutboxStatus.FAILED)
        waiting = copies(storage)[f"alert:{alert_id}:1:{c01}"]
        assert waiting.status == "pending" and waiting.message.buttons

        clock.advance(timedelta(minutes=2))
        done = await services.escalation.acknowledge(team["T-02"], flag_id=flag_id)
        assert done.first and done.minutes == 18

        line = services.ctx.catalogue.text
        at = clock.now()
        by_target = {row.edits_id: row for row in edits(storage)}
        assert set(by_target) == {sent_first.id, in_flight.id, sent_backup.id}
        for original, tz in (
            (sent_first, "Europe/Berlin"),
            (in_flight, "Europe/Berlin"),
            (sent_backup, "America/New_York"),
        ):
            edit = by_target[original.id]
            assert edit.key == f"edit:{original.id}" and edit.chat_id == original.chat_id
            assert edit.message.buttons == ()
            assert edit.message.text == original.message.text + "\n\n" + line(
                "alert.acknowledged", "en", by="T-02", when=timefmt.when_zoned(at, tz, "en")
            )
        rewritten = copies(storage)[f"alert:{alert_id}:1:{c01}"]
        assert rewritten.status == "pending" and rewritten.message.buttons == ()
        assert rewritten.message.text.endswith(timefmt.when_zoned(at, "Asia/Tokyo", "en") + ".")
        tokyo = at.astimezone(ZoneInfo("Asia/Tokyo"))
        assert f"{tokyo.hour % 12 or 12}:{tokyo:%M}" in rewritten.message.text.splitlines()[-1]
        failed = copies(storage)[f"alert:{alert_id}:1:{c02}"]
        assert failed.message.buttons  # reached nobody: left as it was, and no edit

        clock.advance(timedelta(hours=2))
        assert await services.escalation.escalate() == 0
        assert [a["action"] for a in storage.tables.audit].count("alert.acknowledged") == 1
        assert storage.tables.alerts[alert_id].acknowledged_by_id == team["T-02"].id

    async def test_copies_in_another_language_say_it_in_that_language(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        therapist, participant = await clinic(services)
        async with services.ctx.uow() as uow:
            stored = await uow.people.by_id(therapist.id)
            assert stored is not None
            await uow.people.save(replace(stored, language="de"))
            await uow.commit()
        flag_id, _ = await crisis(services, participant)
        [alert] = storage.queued("alert")
        assert f"Meldung #{flag_id}" in alert.message.text
        storage.settle(alert.key, OutboxStatus.SENT, 700)
        await services.escalation.acknowledge(therapist, flag_id=flag_id)
        [edit] = edits(storage)
        assert "Bestätigt von T-01 am" in edit.message.text


class TestSecondAcknowledgement:
    async def test_a_second_one_is_told_who_was_first_and_records_nothing(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        team = await care_team(services)
        flag_id, alert_id = await crisis(services, team["P-0142"])
        storage.settle(next(iter(copies(storage))), OutboxStatus.SENT, 501)
        clock.advance(timedelta(minutes=3))
        first = await services.escalation.acknowledge(team["T-02"], flag_id=flag_id)
        acknowledged_at = clock.now()
        before = (len(storage.tables.audit), len(edits(storage)), len(storage.tables.outbox))
        clock.advance(timedelta(minutes=5))
        # the therapist presses the button on their (stale) copy: an older alert button
        again = await services.escalation.acknowledge(team["T-01"], alert_id=alert_id)
        by_command = await services.escalation.acknowledge(team["C-01"], flag_id=flag_id)
        assert first.first and not again.first and not by_command.first
        assert (again.flag_id, again.by, again.minutes) == (flag_id, "T-02", 3)
        assert again.when == timefmt.when_zoned(acknowledged_at, "Europe/Berlin", "en")
        assert by_command.when == timefmt.when_zoned(acknowledged_at, "Asia/Tokyo", "en")
        after = (len(storage.tables.audit), len(edits(storage)), len(storage.tables.outbox))
        assert after == before
        assert storage.tables.flags[flag_id].acknowledged_by_id == team["T-02"].id


class TestRefused:
    async def test_an_unrelated_therapist_or_a_participant_changes_nothing(
        self, services: Services, storage: FakeStorage
    ) -> None:
        _, participant = await clinic(services)
        other = await enroll(services, Role.THERAPIST, "T-09", 7009)
        flag_id, alert_id = await crisis(services, participant)
        with pytest.raises(NotFound):
            await services.escalation.acknowledge(other, flag_id=flag_id)
        with pytest.raises(NotAllowed):
            await services.escalation.acknowledge(other, alert_id=alert_id)
        with pytest.raises(NotAllowed):
            await services.escalation.acknowledge(participant, flag_id=flag_id)
        with pytest.raises(NotFound):
            await services.escalation.acknowledge(other, flag_id=flag_id + 1000)
        assert storage.tables.flags[flag_id].status == "open"
        assert edits(storage) == [] and copies(storage)
        assert all(row.message.buttons for row in copies(storage).values())
