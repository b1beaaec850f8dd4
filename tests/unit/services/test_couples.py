"""Couples as use cases on the in-memory unit of work: linking, shared sessions, doses,
sharing and relaying, each refused where it must be."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.domain import Role
from bot.errors import AlreadyExists, InvalidValue, NotFound, UnknownParticipant
from bot.services.api import Services
from bot.services.couples import fingerprint
from bot.services.inbound import InboundMessage
from tests.support.builders import PARTICIPANT_ID, THERAPIST_ID, clinic, enroll, sender
from tests.support.fake_uow import FakeStorage

PARTNER_ID = 5002


async def couple(services: Services) -> None:
    await clinic(services)
    await enroll(services, Role.PARTICIPANT, "P-0143", PARTNER_ID, therapist="T-01")
    await services.couples.link(None, "P-0142", "P-0143")


async def sessions_of(storage: FakeStorage, code: str) -> list[object]:
    async with storage.uow() as uow:
        person = await uow.people.by_code(code)
        assert person is not None
        return list(await uow.schedules.sessions_of(person.id))


class TestLinking:
    async def test_partners_are_linked_once_and_unlinked(self, services: Services) -> None:
        await couple(services)
        assert await services.couples.partner_code(None, "P-0142") == "P-0143"
        assert await services.couples.partner_code(None, "P-0143") == "P-0142"
        await services.couples.link(None, "P-0143", "P-0142")  # again: nothing changes
        assert await services.couples.unlink(None, "P-0142") == "P-0143"
        assert await services.couples.partner_code(None, "P-0142") is None

    async def test_no_one_is_in_two_couples_or_a_couple_with_themselves(
        self, services: Services
    ) -> None:
        await couple(services)
        await enroll(services, Role.PARTICIPANT, "P-0150", 5003, therapist="T-01")
        with pytest.raises(AlreadyExists) as caught:
            await services.couples.link(None, "P-0150", "P-0142")
        assert caught.value.key == "problem.in_couple"
        with pytest.raises(InvalidValue):
            await services.couples.link(None, "P-0150", "P-0150")

    async def test_a_partner_may_be_named_at_invitation(self, services: Services) -> None:
        await clinic(services)
        await services.enrollment.invite(
            None, role=Role.PARTICIPANT, code="P-0143", therapist_code="T-01",
            timezone="UTC", partner_code="P-0142",
        )
        assert await services.couples.partner_code(None, "P-0142") == "P-0143"

    async def test_a_therapist_cannot_link_anyone(self, services: Services) -> None:
        therapist, _ = await clinic(services)
        await enroll(services, Role.PARTICIPANT, "P-0143", PARTNER_ID, therapist="T-01")
        with pytest.raises(Exception, match="may not"):
            await services.couples.link(therapist, "P-0142", "P-0143")


class TestSharedSessions:
    async def test_one_session_for_both_moves_and_cancels_together(
        self, services: Services, storage: FakeStorage
    ) -> None:
        await couple(services)
        first, second = await services.sessions.add_for_couple(
            None, "P-0142", "dosing", "2026-02-01 09:00"
        )
        assert (first.code, second.code) == ("P-0142", "P-0143")
        await services.sessions.change(None, "P-0143", first.id, when="2026-02-02 09:00")
        for code in ("P-0142", "P-0143"):
            (row,) = await sessions_of(storage, code)
            assert row.starts_at.day == 2  # type: ignore[attr-defined]
        await services.sessions.change(None, "P-0142", first.id, cancel=True)
        for code in ("P-0142", "P-0143"):
            (row,) = await sessions_of(storage, code)
            assert row.cancelled  # type: ignore[attr-defined]

    async def test_a_participant_without_a_partner_has_no_couple_session(
        self, services: Services
    ) -> None:
        await clinic(services)
        with pytest.raises(NotFound) as caught:
            await services.sessions.add_for_couple(None, "P-0142", "dosing", "2026-02-01 09:00")
        assert caught.value.key == "problem.no_couple"


class TestDoses:
    async def test_doses_are_recorded_on_a_dosing_session_and_listed(
        self, services: Services
    ) -> None:
        await clinic(services)
        view = await services.sessions.add(None, "P-0142", "dosing", "2026-02-01 09:00")
        recorded = await services.sessions.record_doses(
            None, "P-0142", view.id, "80mg@09:00", ["40mg@10:30"]
        )
        assert recorded.doses == "initial 80mg@09:00; supplemental 40mg@10:30"
        (listed,) = await services.sessions.listing(None, "P-0142")
        assert listed.doses == recorded.doses and listed.status == "scheduled"

    async def test_doses_belong_only_to_a_dosing_session_of_that_participant(
        self, services: Services
    ) -> None:
        await couple(services)
        talk = await services.sessions.add(None, "P-0142", "integration", "2026-02-02 10:00")
        with pytest.raises(InvalidValue) as caught:
            await services.sessions.record_doses(None, "P-0142", talk.id, "80mg@09:00")
        assert caught.value.key == "problem.dose_session"
        dosing = await services.sessions.add(None, "P-0142", "dosing", "2026-02-01 09:00")
        with pytest.raises(NotFound):
            await services.sessions.record_doses(None, "P-0143", dosing.id, "80mg@09:00")
        with pytest.raises(InvalidValue) as caught:
            await services.sessions.record_doses(None, "P-0142", dosing.id, "80 mg")
        assert caught.value.key == "problem.dose"


class TestSharing:
    async def write(self, services: Services, telegram_id: int, n: int, body: str) -> int:
        person = await services.access.identify(telegram_id)
        assert person is not None
        message = InboundMessage(sender(telegram_id, n), n, "text", body)
        return (await services.journal.record(person, message)).message_id

    async def test_an_entry_goes_to_the_partner_once(
        self, services: Services, storage: FakeStorage
    ) -> None:
        await couple(services)
        message_id = await self.write(services, PARTICIPANT_ID, 11, "I am grateful for us.")
        alex = await services.access.identify(PARTICIPANT_ID)
        assert alex is not None
        shown = fingerprint("I am grateful for us.")
        assert (await services.couples.share(alex, message_id, shown)).outcome == "shared"
        assert (await services.couples.share(alex, message_id, shown)).outcome == "already"
        to_partner = [m for m in storage.tables.outbox.values() if m.chat_id == PARTNER_ID
                      and "grateful" in m.message.text]
        assert len(to_partner) == 1

    async def test_only_ones_own_entry_can_be_shared(self, services: Services) -> None:
        await couple(services)
        message_id = await self.write(services, PARTICIPANT_ID, 11, "Mine alone.")
        blake = await services.access.identify(PARTNER_ID)
        assert blake is not None
        shown = fingerprint("Mine alone.")
        assert (await services.couples.share(blake, message_id, shown)).outcome == "invalid"

    async def test_an_entry_edited_since_the_confirmation_is_not_sent(
        self, services: Services, storage: FakeStorage
    ) -> None:
        await couple(services)
        message_id = await self.write(services, PARTICIPANT_ID, 11, "First words.")
        alex = await services.access.identify(PARTICIPANT_ID)
        assert alex is not None
        stale = fingerprint("Words from another version.")
        assert (await services.couples.share(alex, message_id, stale)).outcome == "changed"
        assert not any(m.chat_id == PARTNER_ID for m in storage.tables.outbox.values())

    async def test_fear_of_the_partner_is_never_shared_and_is_flagged(
        self, services: Services, storage: FakeStorage
    ) -> None:
        await couple(services)
        message_id = await self.write(services, PARTICIPANT_ID, 11, "I'm afraid of my husband.")
        alex = await services.access.identify(PARTICIPANT_ID)
        assert alex is not None
        shown = fingerprint("I'm afraid of my husband.")
        assert (await services.couples.share(alex, message_id, shown)).outcome == "not_shared"
        assert not any(m.chat_id == PARTNER_ID and "afraid" in m.message.text
                       for m in storage.tables.outbox.values())
        flags = [f for f in storage.tables.flags.values() if f.source_kind == "share"]
        assert len(flags) == 1 and "share_refused" in flags[0].categories


class TestRelay:
    async def test_only_the_couples_therapist_relays(self, services: Services) -> None:
        await couple(services)
        therapist = await services.access.identify(THERAPIST_ID)
        assert therapist is not None
        assert await services.couples.relay(therapist, 77, "P-0142", "A note.") == "P-0143"
        other = await enroll(services, Role.THERAPIST, "T-02", 7002)
        with pytest.raises(UnknownParticipant):
            await services.couples.relay(other, 78, "P-0142", "A note.")

    async def test_a_relay_needs_a_partner(self, services: Services) -> None:
        therapist, _ = await clinic(services)
        with pytest.raises(NotFound):
            await services.couples.relay(therapist, 77, "P-0142", "A note.")




CHECK_PROTOCOL = """
id: check
name: Safety check
version: 1
steps:
  - id: check
    anchor: dosing
    before: 1d
    kind: checklist
    checklist: pre-session
    window: 12h
    text: {en: "Before your session, a short safety check."}
"""


class TestSafetyCheck:
    async def checked(self, services: Services, clock: FakeClock) -> None:
        await clinic(services)
        await services.planning.load_protocol(CHECK_PROTOCOL, "check.yaml")
        await services.planning.assign_protocol("P-0142", "check")
        await services.sessions.add(None, "P-0142", "dosing", "2026-01-07 09:00")
        clock.advance(timedelta(days=1))  # 2026-01-06 09:00 UTC: the check is due
        assert (await services.prompting.tick()).sent == 1

    async def answer(self, services: Services, n: int, body: str) -> None:
        alex = await services.access.identify(PARTICIPANT_ID)
        assert alex is not None
        await services.journal.record(alex, InboundMessage(sender(PARTICIPANT_ID, n), n, "text",
                                                           body))

    def medical(self, storage: FakeStorage) -> list[str]:
        return [f"{f.tier.label}:{f.categories}" for f in storage.tables.flags.values()
                if "medical" in f.categories]

    async def test_a_clean_answer_raises_nothing(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        await self.checked(services, clock)
        await self.answer(services, 11, "1. nothing 2. no changes 3. no alcohol, no drugs")
        assert self.medical(storage) == []

    async def test_an_ssri_added_after_the_answer_still_counts(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        await self.checked(services, clock)
        await self.answer(services, 11, "1. nothing 2. no 3. no")
        clock.advance(timedelta(minutes=2))
        await self.answer(services, 12, "oh wait, I started Zoloft last week")
        assert self.medical(storage) == ["high:medical,medication"]

    async def test_silence_until_the_window_closes_is_flagged_once(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        await self.checked(services, clock)
        clock.advance(timedelta(hours=12))
        await services.prompting.tick()
        await services.prompting.tick()
        assert self.medical(storage) == ["moderate:checklist_unanswered,medical"]

    async def test_a_check_skipped_while_prompts_are_paused_is_flagged(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        await clinic(services)
        await services.planning.load_protocol(CHECK_PROTOCOL, "check.yaml")
        await services.planning.assign_protocol("P-0142", "check")
        await services.sessions.add(None, "P-0142", "dosing", "2026-01-07 09:00")
        alex = await services.access.identify(PARTICIPANT_ID)
        assert alex is not None
        await services.participation.pause(alex, timedelta(days=3))
        clock.advance(timedelta(days=1))
        assert (await services.prompting.tick()).skipped == 1
        assert self.medical(storage) == ["moderate:checklist_unanswered,medical"]
