"""Odd input loses nothing and breaks nothing; logs carry no journal text, names or ids."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import func, select

from bot.app import Ember
from bot.simulator import FakeTelegram, utf16_len
from storage.models import JournalMessage
from tests.support.e2e import PARTICIPANT_ID, THERAPIST_ID, enroll_pair

ODD = (
    "\u202eRTL override\u202c zero\u200bwidth e\u0301\u0301 🧑‍🧑‍🧒‍🧒 "
    "\U0001d54f\U0001d560\U0001d560 \x00nul \ufeffbom " + "ж" * 300
)


class TestOddInput:
    async def test_huge_and_odd_unicode_text_is_kept_whole(
        self, ember: Ember, tg: FakeTelegram
    ) -> None:
        await enroll_pair(ember, tg)
        alex = tg.user(PARTICIPANT_ID)
        huge = (ODD * 20)[:4096]
        alex.send_text(huge)
        await alex.wait_for_message(lambda m: "It's in your journal" in (m.text or ""))
        async with ember.storage.uow() as uow:
            participant = await uow.people.by_code("P-0142")
            assert participant is not None
            entries = await uow.journal.recent_entries(participant.id, 1)
        assert entries[0].text == huge
        alex.send_command("/journal")  # the echo is split to fit Telegram's limit
        await alex.wait_for_message(lambda m: "Your last" in (m.text or ""))
        assert all(len(m.text or "") <= 4096 for m in alex.messages)

    async def test_a_journal_of_emoji_reads_back_in_pieces_telegram_accepts(
        self, ember: Ember, tg: FakeTelegram
    ) -> None:
        """Telegram counts UTF-16 units: 2,000 emoji are 4,000 of them, not 2,000."""
        await enroll_pair(ember, tg)
        alex = tg.user(PARTICIPANT_ID)
        entries = [f"day {n} " + "🌧" * 1000 for n in range(5)]  # 2,006 units each
        for entry in entries:
            alex.send_text(entry)
        await tg.wait_until(lambda: ember.intake.processed >= 5 + 3, timeout=20)
        alex.send_command("/journal")
        await alex.wait_for_message(lambda m: "day 4" in (m.text or ""), timeout=20)

        def shown() -> str:
            return "".join(m.text or "" for m in alex.messages)

        # the journal comes in several pieces, one chat message a second: wait for the last
        await tg.wait_until(lambda: entries[-1] in shown(), timeout=20)
        assert all(f"day {n} " + "🌧" * 1000 in shown() for n in range(5))  # nothing cut
        assert all(utf16_len(m.text or "") <= 4096 for m in alex.messages)

    async def test_a_flood_is_stored_in_full_without_a_reply_storm(
        self, ember: Ember, tg: FakeTelegram
    ) -> None:
        await enroll_pair(ember, tg)
        alex = tg.user(PARTICIPANT_ID)
        for n in range(40):
            alex.send_text(f"line {n} of a long night")
        await alex.wait_for_message(lambda m: "It's in your journal" in (m.text or ""))
        await tg.wait_until(lambda: ember.intake.processed >= 40 + 3, timeout=20)
        await asyncio.sleep(2.5)  # room for any further replies to arrive
        async with ember.storage.sessions() as session:
            stored = await session.scalar(select(func.count()).select_from(JournalMessage))
        assert stored == 40
        thanks = [m for m in alex.messages if "It's in your journal" in (m.text or "")]
        assert len(thanks) in (1, 2, 3)  # one thank-you, not forty
        assert tg.rate_limited_429s == 0

    async def test_media_stickers_and_unknown_commands_get_clear_answers(
        self, ember: Ember, tg: FakeTelegram
    ) -> None:
        await enroll_pair(ember, tg)
        alex = tg.user(PARTICIPANT_ID)
        alex.send_voice()
        assert "voice message" in ((await alex.wait_for_message()).text or "")
        alex.send_sticker()
        assert "sticker" in ((await alex.wait_for_message()).text or "")
        alex.send_document(file_name="letter.pdf")
        assert "file" in ((await alex.wait_for_message()).text or "")
        alex.send_command("/frobnicate")
        assert "/help" in ((await alex.wait_for_message()).text or "")


class TestPrivacy:
    @pytest.fixture(autouse=True)
    def _capture_everything(self, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.INFO)

    async def test_logs_carry_no_journal_text_names_or_telegram_ids(
        self, ember: Ember, tg: FakeTelegram, caplog: pytest.LogCaptureFixture
    ) -> None:
        await enroll_pair(ember, tg)
        alex = tg.user(PARTICIPANT_ID)
        alex.send_text("Secret words about Uncle Bartholomew, and I want to die")
        await tg.user(THERAPIST_ID).wait_for_message(lambda m: "HIGH" in (m.text or ""))
        alex.send_command("/journal")
        await alex.wait_for_message(lambda m: "Your last" in (m.text or ""))
        logged = "\n".join(r.getMessage() + " " + str(r.args) for r in caplog.records)
        assert logged  # something was logged at all
        for secret in (
            "Bartholomew",
            "Secret words",
            "Alex",
            "Dana",
            str(PARTICIPANT_ID),
            str(THERAPIST_ID),
            tg.token,
        ):
            assert secret not in logged, secret
