"""Withdrawal and erasure, one use case a class, on the in-memory unit of work.

What erasing leaves in real tables (SQLite and PostgreSQL) is checked in
tests/integration/test_erase.py; the whole chat in tests/e2e/clinical/test_withdrawal.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.domain import PersonStatus, Role, Tier, timefmt
from bot.domain.erasure import ErasureStatus, RetentionPolicy
from bot.errors import ErasureRefused, NotAllowed, UnknownParticipant
from bot.services.api import Services
from bot.services.context import ServiceContext
from bot.services.inbound import InboundMessage
from prompts.catalogue import default_catalogue
from tests.support.builders import (
    COORDINATOR_ID,
    PARTICIPANT_ID,
    THERAPIST_ID,
    clinic,
    daily_protocol,
    enroll,
    sender,
)
from tests.support.fake_uow import FakeStorage

CRISIS = "I have the pills here and I will take them all tonight to end my life."


def text(n: int, body: str) -> InboundMessage:
    return InboundMessage(sender(PARTICIPANT_ID, n), n, "text", body)


async def team(services: Services):  # type: ignore[no-untyped-def]
    therapist, participant = await clinic(services)
    coordinator = await enroll(services, Role.COORDINATOR, "C-01", COORDINATOR_ID)
    return therapist, participant, coordinator


def keeping(storage: FakeStorage, clock: FakeClock) -> Services:
    return Services(
        ServiceContext(
            storage=storage,
            clock=clock,
            catalogue=default_catalogue(),
            retention=RetentionPolicy(years=10),
        )
    )


class TestWithdraw:
    async def test_a_prompt_already_queued_is_withdrawn_with_the_schedule(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        _, participant = await clinic(services)
        await services.planning.load_protocol(daily_protocol(3), "daily.yaml")
        await services.planning.assign_protocol("P-0142", "daily")
        await services.sessions.add(None, "P-0142", "dosing", "2026-01-05 10:00")
        clock.advance(timedelta(days=1, hours=2))
        await services.prompting.tick()
        [queued] = storage.queued("prompt")
        assert queued.status == "pending"  # handed to the outbox, not yet sent
        await services.participation.withdraw(participant)
        assert [m.status for m in storage.queued("prompt")] == ["cancelled"]
        clock.advance(timedelta(days=3))
        result = await services.prompting.tick()
        assert (result.sent, result.reminded, result.missed) == (0, 0, 0)
        assert not any(f.source_kind == "silence" for f in storage.tables.flags.values())

    async def test_after_stop_a_crisis_still_alerts_and_escalates(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        _, participant, _ = await team(services)
        await services.participation.withdraw(participant)
        recorded = await services.journal.record(participant, text(20, CRISIS))
        assert recorded.tier is Tier.CRISIS and recorded.erasure is None
        assert [m.chat_id for m in storage.queued("safety")] == [PARTICIPANT_ID]
        assert [m.chat_id for m in storage.queued("alert")] == [THERAPIST_ID]
        clock.advance(timedelta(minutes=16))
        assert await services.escalation.escalate() == 1
        assert {m.chat_id for m in storage.queued("alert")} == {THERAPIST_ID, COORDINATOR_ID}


class TestRequestErasure:
    async def test_delete_is_recorded_stops_prompts_and_tells_staff_it_is_an_erasure(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        _, participant, _ = await team(services)
        asked = await services.erasure.request(participant)
        assert asked.new and asked.request.status is ErasureStatus.OPEN
        assert asked.request.requested_at == clock.now() and asked.request.policy == "confirm"
        assert asked.request.keep_until is None
        stored = await services.access.identify(PARTICIPANT_ID)
        assert stored is not None and stored.status is PersonStatus.WITHDRAWN
        notices = {m.chat_id: m.message.text for m in storage.queued("notice")}
        assert set(notices) == {THERAPIST_ID, COORDINATOR_ID}
        assert all("asked for their data to be erased" in t for t in notices.values())
        assert not any("(/stop)" in t for t in notices.values())  # not told it was a /stop
        assert "ember erase P-0142" in notices[COORDINATOR_ID]
        assert "ember erase" not in notices[THERAPIST_ID]
        actions = [e["action"] for e in storage.tables.audit]
        assert "erasure.requested" in actions and "withdraw" in actions

    async def test_asking_twice_records_and_sends_nothing_more(
        self, services: Services, storage: FakeStorage
    ) -> None:
        _, participant, _ = await team(services)
        first = await services.erasure.request(participant)
        again = await services.erasure.request(participant)
        assert not again.new and again.request == first.request
        assert len(storage.tables.erasures) == 1 and len(storage.queued("notice")) == 2

    async def test_what_they_write_after_delete_is_kept_screened_and_knows_the_request(
        self, services: Services, storage: FakeStorage
    ) -> None:
        _, participant, _ = await team(services)
        asked = await services.erasure.request(participant)
        recorded = await services.journal.record(participant, text(30, CRISIS))
        assert recorded.created and recorded.tier is Tier.CRISIS
        assert recorded.erasure == asked.request
        assert [m.chat_id for m in storage.queued("alert")] == [THERAPIST_ID]

    async def test_under_a_keeping_policy_they_learn_until_when(
        self, storage: FakeStorage, clock: FakeClock
    ) -> None:
        services = keeping(storage, clock)
        _, participant, _ = await team(services)
        asked = await services.erasure.request(participant)
        assert asked.request.policy == "keep:10y"
        assert asked.request.keep_until == clock.now().replace(year=clock.now().year + 10)
        keep = asked.request.keep_until
        assert keep is not None
        notices = storage.queued("notice")
        assert notices and all(  # the date in each reader's zone and language
            timefmt.day(keep, storage.tables.people[m.person_id].timezone, "en")
            in m.message.text and "retention policy" in m.message.text
            for m in notices
            if m.person_id is not None
        )


class TestErase:
    async def test_without_a_request_it_is_refused_unless_forced(
        self, services: Services, storage: FakeStorage
    ) -> None:
        await team(services)
        with pytest.raises(ErasureRefused) as refused:
            await services.erasure.erase("P-0142")
        assert refused.value.key == "problem.erasure_not_requested"
        assert (await services.erasure.preview("P-0142")).counts.consents == 1  # untouched
        done = await services.erasure.erase("P-0142", force=True)
        assert done.forced
        [entry] = [e for e in storage.tables.audit if e["action"] == "erasure"]
        assert entry["detail"].startswith("forced ")

    async def test_while_the_records_are_kept_it_is_refused_unless_forced(
        self, storage: FakeStorage, clock: FakeClock
    ) -> None:
        services = keeping(storage, clock)
        _, participant, _ = await team(services)
        await services.erasure.request(participant)
        preview = await services.erasure.preview("P-0142")
        assert preview.requested and preview.held
        with pytest.raises(ErasureRefused) as refused:
            await services.erasure.erase("P-0142")
        assert refused.value.key == "problem.erasure_held"
        clock.advance(timedelta(days=366 * 10))
        assert not (await services.erasure.preview("P-0142")).held
        done = await services.erasure.erase("P-0142")
        assert not done.forced and not done.already

    async def test_erasing_leaves_a_tombstone_a_last_message_and_an_audit_entry(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        therapist, participant, coordinator = await team(services)
        await services.notes.add(therapist, "P-0142", "sleeping badly")
        await services.journal.record(participant, text(10, CRISIS))
        await services.erasure.request(participant)
        preview = await services.erasure.preview("P-0142")
        assert (preview.counts.messages, preview.counts.flags, preview.counts.notes) == (1, 1, 1)
        clock.advance(timedelta(minutes=5))
        done = await services.erasure.erase("P-0142", by="C-01")
        assert done.counts == preview.counts and done.erased_at == clock.now()

        assert storage.tables.messages == {} and storage.tables.flags == {}
        assert storage.tables.alerts == {} and storage.tables.notes == []
        left = storage.tables.people[participant.id]
        assert left.status is PersonStatus.ERASED and left.telegram_user_id is None
        assert left.chat_id is None and left.therapist_id is None and left.code == "P-0142"
        [request] = storage.tables.erasures.values()
        assert request.status is ErasureStatus.ERASED and request.erased_by == "C-01"
        [farewell] = storage.queued("erased")
        assert farewell.chat_id == PARTICIPANT_ID and farewell.person_id is None
        assert "erased" in farewell.message.text and "0800 111 0 111" in farewell.message.text
        told = {m.chat_id for m in storage.queued("notice") if "were erased" in m.message.text}
        assert told == {THERAPIST_ID, COORDINATOR_ID}
        [audit] = [e for e in storage.tables.audit if e["action"] == "erasure"]
        assert audit["actor"] == "C-01" and audit["actor_id"] == coordinator.id
        assert "messages=1" in audit["detail"] and "flags=1" in audit["detail"]
        assert all(
            e["detail"] is None
            for e in storage.tables.audit
            if e["subject_id"] == participant.id and e["action"] != "erasure"
        )

    async def test_a_second_run_says_it_is_already_erased(
        self, services: Services, storage: FakeStorage
    ) -> None:
        _, participant, _ = await team(services)
        await services.erasure.request(participant)
        first = await services.erasure.erase("P-0142")
        again = await services.erasure.erase("P-0142")
        assert again.already and again.erased_at == first.erased_at
        assert len(storage.queued("erased")) == 1
        assert (await services.erasure.preview("P-0142")).erased

    async def test_only_an_enrolled_coordinator_may_be_named_as_the_one_erasing(
        self, services: Services
    ) -> None:
        _, participant, _ = await team(services)
        await services.erasure.request(participant)
        with pytest.raises(NotAllowed):
            await services.erasure.erase("P-0142", by="T-01")

    async def test_afterwards_they_are_a_stranger_and_staff_cannot_reach_the_code(
        self, services: Services, storage: FakeStorage
    ) -> None:
        therapist, participant, _ = await team(services)
        await services.journal.record(participant, text(10, CRISIS))
        await services.erasure.request(participant)
        await services.erasure.erase("P-0142")
        assert await services.access.identify(PARTICIPANT_ID) is None
        assert await services.flags.open(therapist) == []
        assert await services.staffing.caseload(therapist) == []
        assert "P-0142" not in await services.digests.digest(therapist)
        with pytest.raises(UnknownParticipant):
            await services.journal.read(therapist, "P-0142", 5)
        with pytest.raises(UnknownParticipant):
            await services.sessions.add(None, "P-0142", "dosing", "2026-02-01 10:00")
