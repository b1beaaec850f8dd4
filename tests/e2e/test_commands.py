"""Every command in each role's menu answers helpfully; roles and assignment are checked."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.app import Ember
from bot.simulator import FakeTelegram
from handlers.menus import COMMANDS
from storage.models import AuditEvent, Note, Role
from tests.support.e2e import PARTICIPANT_ID, THERAPIST_ID, enroll_pair, make_invitation

COORDINATOR_ID = 6001
UNHELPFUL = ("I don't know that command", "something went wrong")


async def with_coordinator(ember: Ember, tg: FakeTelegram) -> None:
    await enroll_pair(ember, tg)
    code = await make_invitation(ember, Role.COORDINATOR, "C-01")
    tg.user(COORDINATOR_ID, "Kim").send_command("/start", code)
    await tg.user(COORDINATOR_ID).wait_for_message()


class TestMenus:
    async def test_help_lists_exactly_the_roles_commands(self, ember: Ember,
                                                         tg: FakeTelegram) -> None:
        await with_coordinator(ember, tg)
        for user_id, role in ((PARTICIPANT_ID, "participant"), (THERAPIST_ID, "therapist"),
                              (COORDINATOR_ID, "coordinator")):
            user = tg.user(user_id)
            user.send_command("/help")
            help_text = (await user.wait_for_message(lambda m: "what you can do" in
                                                     (m.text or "").lower())).text or ""
            listed = {line.split()[0][1:] for line in help_text.splitlines()
                      if line.startswith("/")}
            assert listed == set(COMMANDS[role]), role
            assert user.command_menu == list(COMMANDS[role])

    async def test_every_menu_command_answers(self, ember: Ember, tg: FakeTelegram) -> None:
        await with_coordinator(ember, tg)
        for user_id, role in ((THERAPIST_ID, "therapist"), (COORDINATOR_ID, "coordinator"),
                              (PARTICIPANT_ID, "participant")):
            user = tg.user(user_id)
            for command in COMMANDS[role]:
                if command in ("stop", "delete"):
                    continue  # asked to confirm: covered below
                before = len(user.messages)
                user.send_command(f"/{command}")
                await tg.wait_until(lambda u=user, b=before: len(u.messages) > b, timeout=8)
                answer = user.messages[before]
                text = answer.text or ""
                assert not any(u in text for u in UNHELPFUL), (role, command, text)

    async def test_a_participant_cannot_use_staff_commands(self, ember: Ember,
                                                           tg: FakeTelegram) -> None:
        await enroll_pair(ember, tg)
        alex = tg.user(PARTICIPANT_ID)
        for command in ("/participants", "/ack 1", "/note P-0142 hi", "/stats", "/assign a b"):
            alex.send_command(*command.split())
            reply = await alex.wait_for_message()
            assert "isn't available to you" in (reply.text or "")


class TestSessions:
    async def test_session_warns_without_a_protocol_and_refuses_a_duplicate(
            self, ember: Ember, tg: FakeTelegram) -> None:
        await enroll_pair(ember, tg)
        dana = tg.user(THERAPIST_ID)
        dana.send_command("/session", "P-0142", "dosing", "2026-12-10", "09:00")
        added = (await dana.wait_for_message(
            lambda m: "Recorded dosing session" in (m.text or ""))).text or ""
        assert "P-0142 has no protocol assigned" in added
        dana.send_command("/session", "P-0142", "dosing", "2026-12-10", "09:00")
        refused = (await dana.wait_for_message(
            lambda m: "Could not record the session" in (m.text or ""))).text or ""
        assert "already has a dosing session" in refused
        assert "/session P-0142 move" in refused


class TestCare:
    async def test_stats_show_a_therapist_their_own_and_a_coordinator_the_clinic(
            self, ember: Ember, tg: FakeTelegram) -> None:
        await with_coordinator(ember, tg)
        therapist, coordinator = tg.user(THERAPIST_ID), tg.user(COORDINATOR_ID)
        therapist.send_command("/stats")
        mine = (await therapist.wait_for_message(
            lambda m: "Figures for your participants" in (m.text or ""))).text or ""
        assert "Participants: 1 enrolled" in mine and "Therapists:" not in mine
        coordinator.send_command("/stats")
        clinic = (await coordinator.wait_for_message(
            lambda m: "The clinic's figures" in (m.text or ""))).text or ""
        assert "Therapists: 1 enrolled, 0 invited; coordinators: 1 enrolled" in clinic

    async def test_export_is_a_file_of_their_own_data(self, ember: Ember,
                                                      tg: FakeTelegram) -> None:
        await enroll_pair(ember, tg)
        alex = tg.user(PARTICIPANT_ID)
        alex.send_text("A quiet day by the lake.")
        await alex.wait_for_message(lambda m: "It's in your journal" in (m.text or ""))
        alex.send_command("/export")
        sent = await alex.wait_for_message(lambda m: m.kind == "document", timeout=8)
        assert sent.file is not None
        data = json.loads(sent.file.content)
        assert data["participant"]["code"] == "P-0142"
        assert [j["text"] for j in data["journal"]] == ["A quiet day by the lake."]
        assert "flags" not in data

    async def test_notes_are_encrypted_and_only_for_own_participants(
        self, ember: Ember, tg: FakeTelegram
    ) -> None:
        await enroll_pair(ember, tg)
        therapist = tg.user(THERAPIST_ID)
        therapist.send_command("/note", "P-0142", "Discussed", "the", "river", "image")
        await therapist.wait_for_message(lambda m: "Note saved" in (m.text or ""))
        therapist.send_command("/note", "P-9999", "nobody")
        await therapist.wait_for_message(lambda m: "No participant P-9999" in (m.text or ""))
        async with ember.storage.sessions() as session:
            notes = (await session.scalars(select(Note))).all()
        assert len(notes) == 1 and "river" not in notes[0].body_enc

    async def test_journal_reads_are_audited_and_limited_to_the_caseload(
        self, ember: Ember, tg: FakeTelegram
    ) -> None:
        await enroll_pair(ember, tg)
        alex = tg.user(PARTICIPANT_ID)
        alex.send_text("I slept better.")
        await alex.wait_for_message(lambda m: "It's in your journal" in (m.text or ""))
        code = await make_invitation(ember, Role.THERAPIST, "T-02")
        other = tg.user(7002, "Sam")
        other.send_command("/start", code)
        await other.wait_for_message()
        other.send_command("/journal", "P-0142")
        refused = await other.wait_for_message()
        assert "No participant P-0142" in (refused.text or "")
        therapist = tg.user(THERAPIST_ID)
        therapist.send_command("/journal", "P-0142")
        shown = await therapist.wait_for_message(lambda m: "journal entries" in (m.text or ""))
        assert "I slept better." in (shown.text or "")
        async with ember.storage.sessions() as session:
            reads = (await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "journal.read"))).all()
        assert [r.actor for r in reads] == ["T-01"]

    async def test_delete_request_reaches_the_care_team(self, ember: Ember,
                                                        tg: FakeTelegram) -> None:
        await enroll_pair(ember, tg)
        alex = tg.user(PARTICIPANT_ID)
        alex.send_command("/delete")
        confirm = await alex.wait_for_message()
        alex.press(confirm, "delete:yes")
        await alex.wait_for_message(lambda m: "request is recorded" in (m.text or ""))
        notice = await tg.user(THERAPIST_ID).wait_for_message(
            lambda m: "deleted" in (m.text or ""))
        assert "P-0142" in (notice.text or "")
