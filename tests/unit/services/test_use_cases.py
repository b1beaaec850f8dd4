"""The use cases, one class each, on the in-memory unit of work (tests/support/fake_uow.py).

What depends on the database itself (locking, constraints, sealing at rest) is tested on
SQLite and PostgreSQL in tests/integration/.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.domain import PersonStatus, PromptStatus, Role, Tier
from bot.domain.outgoing import Outgoing
from bot.errors import (
    InvalidValue,
    InvitationExpired,
    NotAllowed,
    NotFound,
    UnknownParticipant,
)
from bot.services.api import Services
from bot.services.inbound import InboundMessage
from tests.support.builders import (
    PARTICIPANT_ID,
    THERAPIST_ID,
    clinic,
    daily_protocol,
    enroll,
    sender,
)
from tests.support.fake_uow import FakeStorage, account_hash

CRISIS = "I have the pills here and I will take them all tonight to end my life."


def text(n: int, body: str, update_id: int | None = None) -> InboundMessage:
    return InboundMessage(sender(PARTICIPANT_ID, update_id or n), n, "text", body)


class TestEnrollWithCode:
    async def test_a_consented_participant_is_active(self, services: Services) -> None:
        _, participant = await clinic(services)
        assert participant.status is PersonStatus.ACTIVE
        assert participant.consent_version == services.enrollment.consent_version

    async def test_an_expired_code_changes_nothing(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        created = await services.enrollment.invite(
            None, role=Role.THERAPIST, code="T-09", timezone="UTC"
        )
        clock.advance(timedelta(days=8))
        with pytest.raises(InvitationExpired):
            await services.enrollment.start_with_code(sender(42), created.raw_code)
        person = await services.access.identify(42)
        assert person is None
        assert (await self.stored(storage, "T-09")).status is PersonStatus.INVITED

    async def test_a_malformed_code_names_its_catalogue_message(self, services: Services) -> None:
        with pytest.raises(InvalidValue) as caught:
            await services.enrollment.invite(None, role=Role.THERAPIST, code="nonsense")
        assert caught.value.key == "problem.code"
        assert services.ctx.catalogue.text(caught.value.key, "en", **caught.value.values) == (
            "'nonsense' is not a code like P-0142, T-01 or C-01")

    @staticmethod
    async def stored(storage: FakeStorage, code: str):  # type: ignore[no-untyped-def]
        async with storage.uow() as uow:
            return await uow.people.by_code(code)


class TestRecordJournal:
    async def test_a_crisis_message_flags_alerts_and_answers_with_support(
        self, services: Services, storage: FakeStorage
    ) -> None:
        await clinic(services)
        participant = await services.access.identify(PARTICIPANT_ID)
        assert participant is not None
        recorded = await services.journal.record(participant, text(10, CRISIS))
        assert recorded.created and recorded.tier >= Tier.HIGH
        assert [f.tier >= Tier.HIGH for f in storage.tables.flags.values()] == [True]
        [alert] = storage.queued("alert")
        assert alert.chat_id == THERAPIST_ID and "P-0142" in alert.message.text
        assert [m.chat_id for m in storage.queued("safety")] == [PARTICIPANT_ID]

    async def test_a_replayed_message_is_stored_and_flagged_once(
        self, services: Services, storage: FakeStorage
    ) -> None:
        _, participant = await clinic(services)
        await services.journal.record(participant, text(10, CRISIS))
        again = await services.journal.record(participant, text(10, CRISIS))
        assert not again.created
        assert len(storage.tables.flags) == 1 and len(storage.queued("alert")) == 1

    async def test_several_messages_in_a_row_get_one_thank_you(
        self, services: Services, clock: FakeClock
    ) -> None:
        _, participant = await clinic(services)
        first = await services.journal.record(participant, text(10, "A calm morning."))
        clock.advance(5)
        second = await services.journal.record(participant, text(11, "Then a walk."))
        clock.advance(60)
        third = await services.journal.record(participant, text(12, "And tea."))
        assert (first.quiet, second.quiet, third.quiet) == (False, True, False)


class TestAnswerStranger:
    async def test_one_line_per_quiet_period_and_only_a_hash_kept(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        line = Outgoing("only for invited people")
        assert await services.replies.answer_stranger(sender(9999, 1), line)
        assert not await services.replies.answer_stranger(sender(9999, 2), line)
        clock.advance(timedelta(minutes=11))
        assert await services.replies.answer_stranger(sender(9999, 3), line)
        assert storage.stranger_marks() == [f"stranger:{account_hash(9999)}"]
        assert "9999" not in str(storage.tables.marks)
        assert storage.tables.people == {}


class TestTick:
    async def test_a_due_prompt_is_sent_once_and_a_late_one_is_missed(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        await clinic(services)
        await services.planning.load_protocol(daily_protocol(3), "daily.yaml")
        await services.planning.assign_protocol("P-0142", "daily")
        await services.sessions.add(None, "P-0142", "dosing", "2026-01-05 10:00")
        clock.advance(timedelta(days=1, hours=2))
        assert (await services.prompting.tick()).sent == 1
        assert (await services.prompting.tick()).sent == 0  # nothing twice
        clock.advance(timedelta(days=2))
        result = await services.prompting.tick()
        assert result.missed >= 1
        statuses = {p.status for p in storage.tables.prompts.values()}
        assert PromptStatus.MISSED in statuses
        assert len(storage.queued("prompt")) == 2

    async def test_missed_prompts_in_a_row_raise_a_low_flag(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        await clinic(services)
        await services.planning.load_protocol(daily_protocol(4), "daily.yaml")
        await services.planning.assign_protocol("P-0142", "daily")
        await services.sessions.add(None, "P-0142", "dosing", "2026-01-05 10:00")
        for _ in range(4):
            clock.advance(timedelta(days=1))
            await services.prompting.tick()
            clock.advance(timedelta(hours=7))
            await services.prompting.tick()
        assert [(f.tier, f.source_kind) for f in storage.tables.flags.values()] == [
            (Tier.LOW, "silence")]
        assert storage.queued("alert") == []


class TestAcknowledge:
    async def test_acknowledging_stops_the_escalation(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        therapist, participant = await clinic(services)
        await services.journal.record(participant, text(10, CRISIS))
        [alert_id] = storage.tables.alerts
        result = await services.escalation.acknowledge(therapist, alert_id=alert_id)
        assert result.participant_code == "P-0142"
        clock.advance(timedelta(hours=2))
        assert await services.escalation.escalate() == 0

    async def test_an_unacknowledged_crisis_escalates_to_the_coordinators(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        await enroll(services, Role.COORDINATOR, "C-01", 9001)
        _, participant = await clinic(services)
        await services.journal.record(participant, text(10, CRISIS))
        clock.advance(timedelta(minutes=16))
        assert await services.escalation.escalate() == 1
        assert {m.chat_id for m in storage.queued("alert")} >= {THERAPIST_ID, 9001}

    async def test_another_therapist_cannot_acknowledge(
        self, services: Services, storage: FakeStorage
    ) -> None:
        _, participant = await clinic(services)
        other = await enroll(services, Role.THERAPIST, "T-02", 7002)
        await services.journal.record(participant, text(10, CRISIS))
        [alert_id] = storage.tables.alerts
        with pytest.raises(NotAllowed):
            await services.escalation.acknowledge(other, alert_id=alert_id)
        [flag_id] = storage.tables.flags
        with pytest.raises(NotFound):
            await services.escalation.acknowledge(other, flag_id=flag_id)


class TestForgedAcknowledge:
    """Callback data can be forged, and the caller's value may be stale: acknowledging
    re-reads the caller's role and assignment in its own unit of work."""

    async def test_a_therapist_passed_as_a_coordinator_is_refused(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        _, participant = await clinic(services)
        other = await enroll(services, Role.THERAPIST, "T-02", 7002)
        await services.journal.record(participant, text(10, CRISIS))
        [alert_id] = storage.tables.alerts
        forged = replace(other, role=Role.COORDINATOR)
        with pytest.raises(NotAllowed) as refused:
            await services.escalation.acknowledge(forged, alert_id=alert_id)
        assert refused.value.key == "problem.not_allowed"
        clock.advance(timedelta(minutes=16))
        assert await services.escalation.escalate() == 1  # still unacknowledged

    async def test_a_participant_cannot_acknowledge_even_as_a_forged_coordinator(
        self, services: Services, storage: FakeStorage
    ) -> None:
        _, participant = await clinic(services)
        await services.journal.record(participant, text(10, CRISIS))
        [alert_id] = storage.tables.alerts
        [flag_id] = storage.tables.flags
        for caller in (participant, replace(participant, role=Role.COORDINATOR)):
            with pytest.raises(NotAllowed):
                await services.escalation.acknowledge(caller, alert_id=alert_id)
            with pytest.raises(NotAllowed):
                await services.escalation.acknowledge(caller, flag_id=flag_id)
        assert storage.tables.alerts[alert_id].acknowledged_by_id is None

    async def test_the_flags_view_and_caseload_refuse_a_forged_role(
        self, services: Services
    ) -> None:
        _, participant = await clinic(services)
        with pytest.raises(NotAllowed):
            await services.flags.open(replace(participant, role=Role.COORDINATOR))
        with pytest.raises(NotAllowed):
            await services.staffing.caseload(replace(participant, role=Role.THERAPIST))


class TestStaffActOnTheirOwnParticipants:
    async def test_another_therapist_is_told_the_same_as_for_an_unknown_code(
        self, services: Services, storage: FakeStorage
    ) -> None:
        await clinic(services)
        other = await enroll(services, Role.THERAPIST, "T-02", 7002)
        for code in ("P-0142", "P-9999"):
            with pytest.raises(UnknownParticipant):
                await services.journal.read(other, code, 5)
            with pytest.raises(UnknownParticipant):
                await services.sessions.add(other, code, "integration", "2026-01-09 10:00")
        assert [e for e in storage.tables.audit if e["action"] == "journal.read"] == []
        assert storage.tables.sessions == {}

    async def test_the_own_therapist_reads_and_the_read_is_audited(
        self, services: Services, storage: FakeStorage
    ) -> None:
        therapist, participant = await clinic(services)
        await services.journal.record(participant, text(10, "A calm morning."))
        seen, entries = await services.journal.read(therapist, "p-0142", 5)
        assert seen.code == "P-0142" and entries[0].text == "A calm morning."
        [read] = [e for e in storage.tables.audit if e["action"] == "journal.read"]
        assert read["actor"] == "T-01" and read["subject_id"] == participant.id


class TestWithdraw:
    async def test_stop_cancels_prompts_and_tells_the_therapist(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        _, participant = await clinic(services)
        await services.planning.load_protocol(daily_protocol(3), "daily.yaml")
        await services.planning.assign_protocol("P-0142", "daily")
        await services.sessions.add(None, "P-0142", "dosing", "2026-01-05 10:00")
        await services.participation.withdraw(participant)
        statuses = {p.status for p in storage.tables.prompts.values()}
        assert statuses == {PromptStatus.CANCELLED}
        assert [m.chat_id for m in storage.queued("notice")] == [THERAPIST_ID]
        stopped = await services.access.identify(PARTICIPANT_ID)
        assert stopped is not None and stopped.status is PersonStatus.WITHDRAWN


class TestUnitOfWork:
    async def test_leaving_without_commit_keeps_nothing(self, storage: FakeStorage) -> None:
        async with storage.uow() as uow:
            await uow.clinic.set_setting("oncall", "T-01", None)  # type: ignore[arg-type]
        assert storage.tables.settings == {}


class TestDigestsAndStats:
    async def test_the_digest_lists_the_caseload_and_is_audited(
        self, services: Services, storage: FakeStorage
    ) -> None:
        therapist, participant = await clinic(services)
        await services.journal.record(participant, text(10, "A calm morning."))
        digest = "\n".join(m.text for m in await services.digests.digest(therapist))
        assert "P-0142" in digest and "A calm morning." in digest
        assert [e["action"] for e in storage.tables.audit].count("digest") == 1

    async def test_a_digest_goes_out_once_a_day_at_the_therapists_time(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        await clinic(services)
        await services.staffing.set_therapist("T-01", digest_at="08:00")
        clock.advance(timedelta(days=1))  # 10:00 in Berlin, past 08:00
        assert await services.digests.send_due() == 1
        assert await services.digests.send_due() == 0
        assert [m.chat_id for m in storage.queued("digest")] == [THERAPIST_ID]

    async def test_stats_count_people_by_role_and_status(self, services: Services) -> None:
        await clinic(services)
        figures = await services.stats.text()
        assert figures.splitlines()[:3] == [
            "The clinic's figures",
            "Participants: 1 enrolled (1 active, 0 paused, 0 withdrawn, 0 unreachable, "
            "0 yet to consent); invitations not yet used: 0",
            "Therapists: 1 enrolled, 0 invited; coordinators: 0 enrolled, 0 invited",
        ]
        assert "response rate — (answered of the 0 whose window has closed)" in figures


class TestParticipantOnly:
    async def test_a_therapist_cannot_pause_as_if_a_participant(self, services: Services) -> None:
        therapist, _ = await clinic(services)
        with pytest.raises(NotAllowed):
            await services.participation.pause(therapist, timedelta(days=1))
