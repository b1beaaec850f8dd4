"""Digests with a chart, over the fake Bot API: a photo at the therapist's local digest
time, once (not again after a restart), its numbers matching the rows; a caseload of
fifty arriving whole in several messages; a participant's own mood chart with /journal."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.app import Ember, ember_app
from bot.clock import FakeClock
from bot.domain import PersonStatus, Role, timefmt
from bot.domain.chart import png_size
from bot.domain.outgoing import utf16_length
from bot.domain.people import Person
from bot.domain.records import ScheduledPrompt
from bot.domain.schedule import PromptStatus
from bot.simulator import FakeTelegram, SentMessage
from tests.support.e2e import PARTICIPANT_ID, THERAPIST_ID, enroll_pair, settings_for

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 07:00 in Berlin


def is_digest(message: SentMessage) -> bool:
    return "Digest for Dr. T-01" in (message.text or "")


async def participant(ember: Ember, code: str) -> Person:
    async with ember.storage.uow() as uow:
        found = await uow.people.by_code(code)
    assert found is not None
    return found


async def add_rows(ember: Ember, person: Person, now: datetime, *, sent: int, answered: int,
                   missed: int, moods: tuple[int, ...] = (3, 6)) -> None:
    """Prompts sent in the last hours (answered, missed or open), mood answers, and two
    PHQ-9 results: a baseline eight days back (17) and one today (9)."""
    async with ember.storage.uow() as uow:
        statuses = ([PromptStatus.ANSWERED] * answered + [PromptStatus.MISSED] * missed
                    + [PromptStatus.SENT] * (sent - answered - missed))
        for n, status in enumerate(statuses):
            at = now - timedelta(hours=5, minutes=n)
            await uow.schedules.add_prompt(ScheduledPrompt(
                id=0, participant_id=person.id, key=f"oneoff:{100 + n}", kind="text",
                due_at=at, expires_at=at + timedelta(days=1), created_at=at, status=status,
                sent_at=at, text="How was today?"))
        for n, value in enumerate(moods):
            await uow.journal.add_message(
                participant_id=person.id, prompt_id=None, telegram_message_id=None,
                update_id=None, kind="scale", text=str(value), media_ref=None, screened=True,
                now=now - timedelta(hours=4 - n))
        for n, (total, band) in enumerate(((17, "Moderately severe"), (9, "Mild"))):
            at = now - (timedelta(days=8) if n == 0 else timedelta(hours=2))
            await uow.schedules.add_prompt(ScheduledPrompt(
                id=0, participant_id=person.id, key=f"q:phq9:{n}", kind="questionnaire",
                due_at=at, expires_at=at + timedelta(days=1), created_at=at,
                status=PromptStatus.ANSWERED, sent_at=at - timedelta(days=30), answered_at=at,
                state=json.dumps({"instrument": "phq9", "answers": {},
                                  "score": {"total": total, "percentage": None, "band": band}})))
        await uow.commit()


async def test_a_digest_with_its_chart_arrives_at_the_local_time_once(
    tg: FakeTelegram, e2e_db: str, key: str
) -> None:
    clock = FakeClock(START)
    settings = settings_for(tg, e2e_db, key)
    therapist = tg.user(THERAPIST_ID)
    async with ember_app(settings, clock=clock, tick_seconds=0.2) as ember:
        await enroll_pair(ember, tg)
        await ember.services.staffing.set_therapist("T-01", digest_at="20:00")
        alex = await participant(ember, "P-0142")
        clock.advance(timedelta(hours=12))  # 19:00 in Berlin
        await add_rows(ember, alex, clock.now(), sent=4, answered=2, missed=1)
    tg.reset_rate_limits()
    async with ember_app(settings, clock=clock, tick_seconds=0.2):  # the job runs at start
        await asyncio.sleep(1.0)
    assert not any(is_digest(m) for m in therapist.messages)  # not before 20:00
    clock.advance(timedelta(hours=1, minutes=1))  # 20:01 in Berlin
    tg.reset_rate_limits()
    async with ember_app(settings, clock=clock, tick_seconds=0.2):
        chart = await therapist.wait_for_message(is_digest, timeout=10)
        await asyncio.sleep(1.5)  # the rest of the digest, if any
    assert chart.kind == "photo"
    assert chart.file is not None and png_size(chart.file.content) == (800, 270)
    caption = chart.text or ""
    assert utf16_length(caption) <= 1024
    assert "Monday, March 2, 2026" in caption and "Chart: P-0142" in caption
    text = "\n".join(m.text or "" for m in therapist.messages if m.message_id >= chart.message_id)
    assert "P-0142 (active): prompts 4 sent, 2 answered, 1 missed" in text
    assert "PHQ-9: 9 (Mild); baseline 17 (Moderately severe)" in text
    assert "change -8, better (clinically meaningful)" in text

    clock.advance(timedelta(minutes=30))  # a restart the same evening sends nothing more
    tg.reset_rate_limits()
    async with ember_app(settings, clock=clock, tick_seconds=0.2):
        await asyncio.sleep(1.0)
    assert sum(is_digest(m) for m in therapist.messages) == 1
    assert sum(m.kind == "photo" for m in therapist.messages) == 1


async def test_a_digest_for_fifty_participants_arrives_whole_in_several_messages(
    tg: FakeTelegram, e2e_db: str, key: str
) -> None:
    clock = FakeClock(START)
    therapist = tg.user(THERAPIST_ID)
    async with ember_app(settings_for(tg, e2e_db, key), clock=clock, tick_seconds=0.2) as ember:
        await enroll_pair(ember, tg)
        staff = await participant(ember, "T-01")
        now = clock.now()
        async with ember.storage.uow() as uow:
            people = [await uow.people.add(Person(
                id=0, role=Role.PARTICIPANT, code=f"P-{9000 + n}", telegram_user_id=90_000 + n,
                chat_id=90_000 + n, timezone="Europe/Berlin", status=PersonStatus.ACTIVE,
                therapist_id=staff.id, consent_version="1", consented_at=now, created_at=now))
                for n in range(50)]
            for n, person in enumerate(people):
                for m in range(2):
                    await uow.journal.add_message(
                        participant_id=person.id, prompt_id=None, telegram_message_id=None,
                        update_id=None, kind="text", screened=True, media_ref=None,
                        text=f"Entry {m} of {person.code}: a long walk and a quiet evening "
                        "with friends, thinking about what came up in the session",
                        now=now - timedelta(hours=3, minutes=n * 2 + m * 61))
            await uow.commit()
        for person in people[:3]:
            await add_rows(ember, person, now, sent=2, answered=1, missed=1)
        clock.advance(timedelta(minutes=5))
        therapist.send_command("/digest")
        first = await therapist.wait_for_message(is_digest, timeout=10)
        total = int(re.search(r"Part 1 of (\d+)", first.text or "").group(1))  # type: ignore[union-attr]
        rest = [await therapist.wait_for_message(timeout=10) for _ in range(total - 1)]
    pieces = [first, *rest]
    assert total >= 3
    assert first.kind == "photo" and utf16_length(first.text or "") <= 1024
    assert all(m.kind == "text" and utf16_length(m.text or "") <= 4096 for m in rest)
    assert [f"Part {n} of {total}" in (m.text or "") for n, m in enumerate(pieces, 1)] == [
        True
    ] * total
    text = "\n".join(m.text or "" for m in pieces)
    for person in people:
        assert f"Entry 0 of {person.code}" in text and f"Entry 1 of {person.code}" in text
        assert text.count(f"{person.code} (active)") == 1
    assert "Chart: P-9000, P-9001, P-9002" in text


async def test_a_participant_gets_their_own_mood_chart_with_journal(
    tg: FakeTelegram, e2e_db: str, key: str
) -> None:
    clock = FakeClock(START)
    alex = tg.user(PARTICIPANT_ID)
    async with ember_app(settings_for(tg, e2e_db, key), clock=clock, tick_seconds=0.2) as ember:
        await enroll_pair(ember, tg)
        me = await participant(ember, "P-0142")
        clock.advance(timedelta(hours=6))
        await add_rows(ember, me, clock.now(), sent=1, answered=1, missed=0, moods=(2, 5, 8))
        alex.send_command("/journal")
        chart = await alex.wait_for_message(lambda m: m.kind == "photo", timeout=10)
        entries = await alex.wait_for_message(lambda m: "entries" in (m.text or ""))
    assert chart.file is not None and png_size(chart.file.content) == (800, 270)
    assert "Your mood answers over the last six weeks" in (chart.text or "")
    assert timefmt.when(clock.now() - timedelta(hours=2), BERLIN, "en") in (entries.text or "")
