"""Enrollment over real HTTP: deep links, consent, strangers, replays."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select, text

from bot.app import Ember
from bot.simulator import FakeTelegram
from storage.models import Consent, InboundUpdate, JournalMessage, OutboxMessage, Person, Role
from tests.support.e2e import (
    PARTICIPANT_ID,
    THERAPIST_ID,
    count,
    enroll_pair,
    make_invitation,
)


class TestEnrollment:
    async def test_therapist_and_participant_enroll_through_deep_links(
        self, ember: Ember, tg: FakeTelegram
    ) -> None:
        await enroll_pair(ember, tg)
        async with ember.storage.sessions() as session:
            people = {p.code: p for p in (await session.scalars(select(Person))).all()}
            consents = (await session.scalars(select(Consent))).all()
        assert people["T-01"].telegram_user_id == THERAPIST_ID
        assert people["P-0142"].status == "active"
        assert [c.decision for c in consents] == ["agreed"]
        # each role sees only its own commands, set per chat
        await tg.wait_until(lambda: bool(tg.user(PARTICIPANT_ID).command_menu))
        assert "crisis" in tg.user(PARTICIPANT_ID).command_menu
        assert "ack" not in tg.user(PARTICIPANT_ID).command_menu
        assert "ack" in tg.user(THERAPIST_ID).command_menu

    async def test_consent_buttons_mean_one_thing_once(
        self, ember: Ember, tg: FakeTelegram
    ) -> None:
        await enroll_pair(ember, tg)
        alex = tg.user(PARTICIPANT_ID)
        consent = next(m for m in alex.messages if "Do you agree" in (m.text or ""))
        await tg.wait_until(lambda: alex.buttons(consent) == [])  # taken off once pressed
        # an old client presses "Not now" after agreeing: nothing is recorded or undone
        late = alex.press(consent, "consent:no", forge=True)
        await tg.wait_until(lambda: tg.callback(late).answered)
        assert "already agreed" in (tg.callback(late).answer_text or "")
        async with ember.storage.sessions() as session:
            decisions = [c.decision for c in (await session.scalars(select(Consent))).all()]
            status = (await session.scalars(select(Person.status).where(
                Person.code == "P-0142"))).one()
        assert decisions == ["agreed"] and status == "active"
        # after /stop, "I agree" on the old message does not bring them back
        alex.send_command("/stop")
        confirm = await alex.wait_for_message(lambda m: "Are you sure" in (m.text or ""))
        alex.press(confirm, text="Yes, stop")
        await alex.wait_for_message(lambda m: "stopped taking part" in (m.text or ""))
        alex.press(consent, "consent:yes", forge=True)
        await alex.wait_for_message(lambda m: "talk to your care team" in (m.text or ""))
        async with ember.storage.sessions() as session:
            status = (await session.scalars(select(Person.status).where(
                Person.code == "P-0142"))).one()
        assert status == "withdrawn"

    async def test_nothing_is_kept_before_consent(self, ember: Ember, tg: FakeTelegram) -> None:
        code = await make_invitation(ember, Role.THERAPIST, "T-01")
        tg.user(THERAPIST_ID).send_command("/start", code)
        p_code = await make_invitation(ember, Role.PARTICIPANT, "P-0142", therapist="T-01")
        alex = tg.user(PARTICIPANT_ID)
        alex.send_command("/start", p_code)
        consent = await alex.wait_for_message()
        alex.send_text("something private before agreeing")
        await alex.wait_for_message(lambda m: "consent message" in (m.text or ""))
        alex.press(consent, text="Not now")
        await alex.wait_for_message(lambda m: "Nothing you write here will be kept" in m.text)
        assert await count(ember, select(func.count()).select_from(JournalMessage)) == 0
        alex.send_command("/start")
        again = await alex.wait_for_message()
        assert "Do you agree" in again.text

    async def test_used_expired_and_unknown_codes_are_refused(
        self, ember: Ember, tg: FakeTelegram
    ) -> None:
        from datetime import timedelta

        code = await make_invitation(ember, Role.COORDINATOR, "C-01")
        tg.user(1).send_command("/start", code)
        await tg.user(1).wait_for_message(lambda m: "coordinator" in m.text)
        tg.user(2).send_command("/start", code)
        assert "already been used" in (await tg.user(2).wait_for_message()).text
        old = await make_invitation(ember, Role.COORDINATOR, "C-02", ttl=timedelta(seconds=-1))
        tg.user(3).send_command("/start", old)
        assert "expired" in (await tg.user(3).wait_for_message()).text
        tg.user(4).send_command("/start", "abcdefghijklmnop")
        assert "isn't valid" in (await tg.user(4).wait_for_message()).text
        async with ember.storage.sessions() as session:
            bound = (
                await session.scalars(
                    select(Person.telegram_user_id).where(Person.telegram_user_id.is_not(None))
                )
            ).all()
        assert bound == [1]

    async def test_a_stranger_gets_one_polite_line_and_nothing_is_kept(
        self, ember: Ember, tg: FakeTelegram
    ) -> None:
        stranger = tg.user(9999, "Eve")
        stranger.send_text("hello? my name is Eve Example")
        reply = await stranger.wait_for_message()
        assert "only for people invited by their care team" in reply.text
        stranger.send_text("hello again")
        stranger.send_command("/journal")
        await tg.wait_until(lambda: ember.intake.processed >= 3)
        assert len(stranger.messages) == 1
        # The reply's outbox row is deleted once Telegram has confirmed it, which can be
        # a moment after the message arrives: wait for that, a few seconds at most.
        for _ in range(100):
            async with ember.storage.sessions() as session:
                queued = await session.scalar(select(func.count()).select_from(OutboxMessage))
            if queued == 0:
                break
            await asyncio.sleep(0.05)
        async with ember.storage.sessions() as session:
            assert (await session.scalars(select(Person))).all() == []
            assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
            payloads = (await session.scalars(select(InboundUpdate.payload_enc))).all()
        assert payloads and all(p is None for p in payloads)


class TestJournal:
    async def test_a_free_message_is_stored_encrypted(self, ember: Ember, tg: FakeTelegram) -> None:
        await enroll_pair(ember, tg)
        alex = tg.user(PARTICIPANT_ID)
        alex.send_text("Today I walked by the river and felt the grief move through me")
        assert "It's in your journal" in (await alex.wait_for_message()).text
        async with ember.storage.sessions() as session:
            raw = await session.execute(text("SELECT body_enc FROM journal_messages"))
            stored = raw.scalars().all()
        assert len(stored) == 1 and "river" not in stored[0]
        alex.send_command("/journal")
        mine = await alex.wait_for_message()
        assert "walked by the river" in mine.text

    async def test_a_repeated_update_is_processed_once(
        self, ember: Ember, tg: FakeTelegram
    ) -> None:
        await enroll_pair(ember, tg)
        alex = tg.user(PARTICIPANT_ID)
        tg.duplicate_next_update(1)
        update = alex.send_text("once, please")
        await alex.wait_for_message(lambda m: "It's in your journal" in m.text)
        await tg.wait_until(lambda: tg.delivery_count(update["update_id"]) >= 2, timeout=10)
        tg.redeliver(update["update_id"])  # and Telegram repeats it once more, later
        await tg.wait_until(lambda: tg.delivery_count(update["update_id"]) >= 3, timeout=10)
        await tg.wait_until(lambda: ember.intake.duplicates >= 2, timeout=10)
        assert await count(ember, select(func.count()).select_from(JournalMessage)) == 1
        thanks = [m for m in alex.messages if "It's in your journal" in (m.text or "")]
        assert len(thanks) == 1

    async def test_media_and_edits_are_kept(self, ember: Ember, tg: FakeTelegram) -> None:
        await enroll_pair(ember, tg)
        alex = tg.user(PARTICIPANT_ID)
        first = alex.send_text("I feel calm")
        await alex.wait_for_message(lambda m: "It's in your journal" in m.text)
        alex.edit(first["message"]["message_id"], "I feel calm and a bit tired")
        await alex.wait_for_message(lambda m: "updated" in m.text)
        alex.send_photo(caption="the view from the clinic")
        reply = await alex.wait_for_message(lambda m: "photo" in m.text)
        assert "write it in words" in reply.text
        async with ember.storage.sessions() as session:
            rows = (
                await session.scalars(select(JournalMessage).order_by(JournalMessage.id))
            ).all()
            versions = await session.scalar(
                text("SELECT count(*) FROM journal_message_versions")
            )
        assert [r.kind for r in rows] == ["text", "photo"]
        assert rows[0].edited_at is not None and versions == 1
