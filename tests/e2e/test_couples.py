"""Couples over HTTP: a shared dosing session reaches both partners; nothing crosses between
them unless one confirms a share; an entry about fear of the partner is never shared and
alerts the therapist; the pre-session safety check flags an SSRI, and silence, before the
session."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.app import Ember, ember_app
from bot.services import planning
from bot.services.couples import fingerprint
from bot.simulator import FakeTelegram
from storage.models import AuditEvent, Flag, Role, ScheduledPrompt
from tests.support.e2e import (
    PARTICIPANT_ID,
    THERAPIST_ID,
    enroll_pair,
    settings_for,
)

PARTNER_ID = 8002
OUTSIDER_ID = 8003

COUPLE_PROTOCOL = """
id: couple-test
name: A couples protocol in seconds
version: 1
response_window: 1h
steps:
  - id: check
    anchor: dosing
    before: 1h
    kind: checklist
    checklist: pre-session
    window: {check_window}
    text: {{en: "Before your session, a short safety check."}}
  - id: first
    anchor: dosing
    after: 1s
    kind: text
    text: {{en: "How was the session?"}}
  - id: together
    anchor: dosing
    after: 1s
    kind: text
    audience: couple
    text: {{en: "What did you notice about the two of you?"}}
  - id: later
    anchor: dosing
    after: 1d
    kind: text
    text: {{en: "A day on: how are you?"}}
"""


@pytest.fixture
async def fast_ember(tg: FakeTelegram, e2e_db: str, key: str) -> AsyncIterator[Ember]:
    async with ember_app(settings_for(tg, e2e_db, key), tick_seconds=0.2) as running:
        yield running


async def join(ember: Ember, tg: FakeTelegram, user_id: int, code: str, **invite: str) -> None:
    created = await ember.services.enrollment.invite(
        None,
        role=Role.PARTICIPANT,
        code=code,
        timezone="Europe/Berlin",
        therapist_code=invite.get("therapist", "T-01"),
        partner_code=invite.get("partner"),
    )
    user = tg.user(user_id, code)
    user.send_command("/start", created.raw_code)
    consent = await user.wait_for_message()
    user.press(consent, text="I agree")
    await user.wait_for_message(lambda m: "all set" in (m.text or ""))


async def couple(ember: Ember, tg: FakeTelegram) -> None:
    """T-01 with P-0142 (Alex) and, invited as Alex's partner, P-0143 (Blake)."""
    await enroll_pair(ember, tg)
    await join(ember, tg, PARTNER_ID, "P-0143", partner="P-0142")


async def shared_dosing(ember: Ember, *, in_: timedelta, check_window: str = "30m") -> int:
    """The couple protocol for both, and one dosing session for both, ``in_`` from now."""
    now = ember.clock.now()
    source = COUPLE_PROTOCOL.format(check_window=check_window)
    async with ember.storage.uow() as uow:
        await planning.load_protocol(uow, now=now, source=source, source_name="test")
        await uow.commit()
    for code in ("P-0142", "P-0143"):
        await ember.services.planning.assign_protocol(code, "couple-test")
    when = (now + in_).astimezone(ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%d %H:%M:%S")
    first, second = await ember.services.sessions.add_for_couple(None, "P-0142", "dosing", when)
    assert second.partner == "P-0142" and first.partner == "P-0143"
    return first.id


async def prompts_by_code(ember: Ember) -> dict[tuple[int, str], str]:
    async with ember.storage.sessions() as session:
        rows = (await session.scalars(select(ScheduledPrompt))).all()
    return {(r.participant_id, r.step_id or ""): r.status for r in rows}


def texts(user: object) -> list[str]:
    return [m.text or "" for m in user.messages]  # type: ignore[attr-defined]


class TestSharedSession:
    async def test_both_partners_receive_their_prompts_and_cancelling_cancels_both(
        self, fast_ember: Ember, tg: FakeTelegram
    ) -> None:
        ember = fast_ember
        await couple(ember, tg)
        alex, blake = tg.user(PARTICIPANT_ID), tg.user(PARTNER_ID)
        session_id = await shared_dosing(ember, in_=timedelta(seconds=1))
        for user in (alex, blake):
            await user.wait_for_message(lambda m: "How was the session?" in (m.text or ""))
            await user.wait_for_message(lambda m: "the two of you" in (m.text or ""))
        # each answers in private; nothing of one reaches the other
        alex.send_text("It was intense, I cried a lot about my father.")
        await alex.wait_for_message(lambda m: "journal" in (m.text or ""))
        await asyncio.sleep(0.5)
        assert not any("father" in t for t in texts(blake))

        await ember.services.sessions.change(None, "P-0143", session_id, cancel=True)
        statuses = await prompts_by_code(ember)
        later = [status for (_, step), status in statuses.items() if step == "later"]
        assert later == ["cancelled", "cancelled"]  # one cancel, both schedules

        listing = await ember.services.sessions.listing(None, "P-0142")
        assert [(v.status, v.partner) for v in listing] == [("cancelled", "P-0143")]

    async def test_a_participant_not_in_a_couple_gets_no_couple_steps(
        self, fast_ember: Ember, tg: FakeTelegram
    ) -> None:
        ember = fast_ember
        await couple(ember, tg)
        await ember.services.couples.unlink(None, "P-0143")
        now = ember.clock.now()
        async with ember.storage.uow() as uow:
            await planning.load_protocol(
                uow, now=now, source=COUPLE_PROTOCOL.format(check_window="30m"),
                source_name="test",
            )
            await uow.commit()
        await ember.services.planning.assign_protocol("P-0142", "couple-test")
        when = (now + timedelta(hours=2)).astimezone(ZoneInfo("Europe/Berlin"))
        await ember.services.sessions.add(None, "P-0142", "dosing", when.strftime("%Y-%m-%d %H:%M"))
        steps = {step for (_, step) in await prompts_by_code(ember)}
        assert steps == {"check", "first", "later"}


class TestSharing:
    async def test_a_shared_entry_reaches_the_partner_only_after_confirmation(
        self, fast_ember: Ember, tg: FakeTelegram
    ) -> None:
        ember = fast_ember
        await couple(ember, tg)
        alex, blake = tg.user(PARTICIPANT_ID), tg.user(PARTNER_ID)
        entry = "I felt so close to you today, and I want you to know I'm proud of us."
        sent = alex.send_text(entry)
        await alex.wait_for_message(lambda m: "journal" in (m.text or ""))
        alex.reply_to(sent["message"]["message_id"], "/share")
        confirm = await alex.wait_for_message(lambda m: "exactly what" in (m.text or ""))
        assert entry in (confirm.text or "")
        assert [label for label, _ in alex.buttons(confirm)] == ["Share", "Cancel"]
        share_data = alex.buttons(confirm)[0][1]
        await asyncio.sleep(0.5)
        assert not any(entry in t for t in texts(blake))  # nothing before the confirmation

        alex.press(confirm, text="Share")
        shared = await blake.wait_for_message(lambda m: entry in (m.text or ""))
        assert "Your partner chose to share this with you" in (shared.text or "")
        await alex.wait_for_message(lambda m: "Shared with your partner" in (m.text or ""))
        assert "P-0142" not in (shared.text or "") and "Alex" not in (shared.text or "")

        # pressed again (a double tap): it is not sent twice
        before = len(blake.messages)
        alex.press(confirm, share_data, forge=True)
        await alex.wait_for_message(lambda m: "already shared" in (m.text or ""))
        assert len(blake.messages) == before

    async def test_cancel_sends_nothing_and_a_reply_to_the_acknowledgement_works_too(
        self, fast_ember: Ember, tg: FakeTelegram
    ) -> None:
        ember = fast_ember
        await couple(ember, tg)
        alex, blake = tg.user(PARTICIPANT_ID), tg.user(PARTNER_ID)
        alex.send_text("Something only for me, maybe for later.")
        thanks = await alex.wait_for_message(lambda m: "journal" in (m.text or ""))
        await asyncio.sleep(0.3)  # Ember notes the sent message's id once Telegram answers
        alex.reply_to(thanks, "/share")  # a reply to Ember's "It's in your journal"
        confirm = await alex.wait_for_message(lambda m: "exactly what" in (m.text or ""))
        assert "Something only for me" in (confirm.text or "")
        alex.press(confirm, text="Cancel")
        await alex.wait_for_message(lambda m: "Not shared" in (m.text or ""))
        await asyncio.sleep(0.5)
        assert not any("only for me" in t for t in texts(blake))

    async def test_a_forged_button_cannot_share_someone_elses_entry(
        self, fast_ember: Ember, tg: FakeTelegram
    ) -> None:
        ember = fast_ember
        await couple(ember, tg)
        await join(ember, tg, OUTSIDER_ID, "P-0200")
        alex, blake, outsider = (tg.user(i) for i in (PARTICIPANT_ID, PARTNER_ID, OUTSIDER_ID))
        alex.send_text("My private thoughts about the session.")
        await alex.wait_for_message(lambda m: "journal" in (m.text or ""))
        async with ember.storage.sessions() as session:
            from storage.models import JournalMessage

            message_id = await session.scalar(select(JournalMessage.id).order_by(
                JournalMessage.id.desc()).limit(1))
        last = blake.messages[-1]
        # Blake (the partner) forges a Share of Alex's entry; so does someone outside the couple
        forged = f"share:yes:{message_id}:{fingerprint('My private thoughts about the session.')}"
        blake.press(last, forged, forge=True)
        await blake.wait_for_message(lambda m: "could not be shared" in (m.text or ""))
        outsider.press(outsider.messages[-1], forged, forge=True)
        answer = await outsider.wait_for_message(lambda m: "could not" in (m.text or "")
                                                 or "partner" in (m.text or ""))
        assert "private thoughts" not in (answer.text or "")
        await asyncio.sleep(0.5)
        for user in (blake, outsider, alex):
            assert sum("private thoughts" in t for t in texts(user)) == 0

    async def test_an_entry_about_fear_of_the_partner_is_never_shared_and_alerts_the_therapist(
        self, fast_ember: Ember, tg: FakeTelegram
    ) -> None:
        ember = fast_ember
        await couple(ember, tg)
        alex, blake, therapist = (tg.user(i) for i in (PARTICIPANT_ID, PARTNER_ID, THERAPIST_ID))
        entry = "Honestly I'm afraid of my partner when he drinks."
        sent = alex.send_text(entry)
        first_alert = await therapist.wait_for_message(lambda m: "P-0142" in (m.text or ""))
        assert "abuse_safety" in (first_alert.text or "")
        alex.reply_to(sent["message"]["message_id"], "/share")
        confirm = await alex.wait_for_message(lambda m: "exactly what" in (m.text or ""))
        alex.press(confirm, text="Share")
        refused = await alex.wait_for_message(lambda m: "could not be shared" in (m.text or ""))
        for word in ("screen", "flag", "abuse", "afraid", "safety", "therapist was"):
            assert word not in (refused.text or "").lower()
        alert = await therapist.wait_for_message(lambda m: "share_refused" in (m.text or ""))
        assert "HIGH" in (alert.text or "") and "P-0142" in (alert.text or "")
        assert "afraid of my partner" in (alert.text or "")
        await asyncio.sleep(0.5)
        assert not any("afraid" in t for t in texts(blake))
        async with ember.storage.sessions() as session:
            kinds = set((await session.scalars(select(Flag.source_kind))).all())
        assert {"journal", "share"} <= kinds


class TestRelay:
    async def test_the_therapist_relays_a_note_to_the_partner_and_it_is_audited(
        self, fast_ember: Ember, tg: FakeTelegram
    ) -> None:
        ember = fast_ember
        await couple(ember, tg)
        blake, therapist = tg.user(PARTNER_ID), tg.user(THERAPIST_ID)
        words = ["Alex", "would", "like", "to", "talk", "tonight."]
        therapist.send_command("/relay", "P-0142", *words)
        await therapist.wait_for_message(lambda m: "passed on to P-0143" in (m.text or ""))
        note = await blake.wait_for_message(lambda m: "talk tonight" in (m.text or ""))
        assert "A note from your therapist" in (note.text or "")
        async with ember.storage.sessions() as session:
            actions = (await session.scalars(select(AuditEvent.action))).all()
        assert "couple.relay" in actions

    async def test_participants_lists_the_couple_side_by_side(
        self, fast_ember: Ember, tg: FakeTelegram
    ) -> None:
        ember = fast_ember
        await couple(ember, tg)
        therapist = tg.user(THERAPIST_ID)
        therapist.send_command("/participants")
        listing = await therapist.wait_for_message(lambda m: "participants" in (m.text or ""))
        assert "P-0142: active  ⇄  P-0143: active (couple)" in (listing.text or "")


class TestSessionCommand:
    async def test_a_therapist_records_one_session_for_both_partners_in_the_chat(
        self, fast_ember: Ember, tg: FakeTelegram
    ) -> None:
        ember = fast_ember
        await couple(ember, tg)
        await join(ember, tg, OUTSIDER_ID, "P-0200")
        therapist = tg.user(THERAPIST_ID)
        therapist.send_command("/session", "P-0143", "couple", "dosing", "2026-12-01", "09:00")
        done = await therapist.wait_for_message(lambda m: "Recorded one" in (m.text or ""))
        assert "for P-0143 and P-0142" in (done.text or "")
        assert "2026-12-01 09:00" in (done.text or "")
        therapist.send_command("/session", "P-0200", "couple", "dosing", "2026-12-01", "09:00")
        refused = await therapist.wait_for_message(lambda m: "Could not" in (m.text or ""))
        assert "P-0200 is not in a couple" in (refused.text or "")
        therapist.send_command("/schedule", "P-0142")
        schedule = await therapist.wait_for_message(lambda m: "session #" in (m.text or ""))
        assert "shared with partner" in (schedule.text or "")


class TestSafetyCheck:
    async def test_a_checklist_answer_naming_an_ssri_alerts_the_therapist_before_the_session(
        self, fast_ember: Ember, tg: FakeTelegram
    ) -> None:
        ember = fast_ember
        await couple(ember, tg)
        alex, therapist = tg.user(PARTICIPANT_ID), tg.user(THERAPIST_ID)
        start = ember.clock.now() + timedelta(hours=1, seconds=1)
        await shared_dosing(ember, in_=timedelta(hours=1, seconds=1))
        check = await alex.wait_for_message(lambda m: "safety check" in (m.text or ""))
        assert "1. Which medicines" in (check.text or "") and "3. " in (check.text or "")
        alex.reply_to(check, "1. I take sertraline 50 mg every morning 2. nothing 3. no")
        thanks = await alex.wait_for_message(lambda m: "Thank you for answering" in (m.text or ""))
        assert "go over your answers" in (thanks.text or "")
        for word in ("exclud", "cannot take part", "not allowed", "flag"):
            assert word not in (thanks.text or "").lower()
        alert = await therapist.wait_for_message(lambda m: "medical" in (m.text or ""))
        assert "HIGH alert for P-0142" in (alert.text or "")
        assert "sertraline" in (alert.text or "") and "SSRI" in (alert.text or "")
        assert ember.clock.now() < start  # before the session
        # no safety message with crisis lines for a checklist answer
        assert not any("emergency" in t for t in texts(alex)[-3:])

    async def test_an_unanswered_checklist_is_flagged_when_its_window_closes(
        self, fast_ember: Ember, tg: FakeTelegram
    ) -> None:
        ember = fast_ember
        await couple(ember, tg)
        alex, therapist = tg.user(PARTICIPANT_ID), tg.user(THERAPIST_ID)
        await shared_dosing(ember, in_=timedelta(hours=1, seconds=1), check_window="2s")
        await alex.wait_for_message(lambda m: "safety check" in (m.text or ""))
        alert = await therapist.wait_for_message(
            lambda m: "checklist_unanswered" in (m.text or ""), timeout=10
        )
        assert "P-0142" in (alert.text or "") or "P-0143" in (alert.text or "")
        statuses = await prompts_by_code(ember)
        assert [s for (_, step), s in statuses.items() if step == "check"] == ["missed", "missed"]


class TestDigest:
    async def test_the_therapists_digest_shows_the_couple_side_by_side(
        self, fast_ember: Ember, tg: FakeTelegram
    ) -> None:
        ember = fast_ember
        await enroll_pair(ember, tg)
        await join(ember, tg, OUTSIDER_ID, "P-0150")  # joined between the partners
        await join(ember, tg, PARTNER_ID, "P-0143", partner="P-0142")
        for user_id, words in ((PARTICIPANT_ID, "We walked by the lake together."),
                               (OUTSIDER_ID, "A quiet day on my own."),
                               (PARTNER_ID, "Slept well and had a good breakfast.")):
            user = tg.user(user_id)
            user.send_text(words)
            await user.wait_for_message(lambda m: "journal" in (m.text or ""))
        therapist = tg.user(THERAPIST_ID)
        therapist.send_command("/digest")
        digest = await therapist.wait_for_message(
            lambda m: "Couple #" in (m.text or ""), timeout=10
        )
        text = digest.text or ""
        heading = text.index("Couple #")
        assert heading < text.index("P-0142 (active)") < text.index("P-0143 (active)")
        assert text.index("P-0143 (active)") < text.index("P-0150 (active)")
        assert text.index("We walked by the lake") < text.index("Slept well and had")
        assert text.count("Couple #") == 1
