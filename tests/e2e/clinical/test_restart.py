"""Risk first at start-up: while Ember was down a participant wrote fifty ordinary messages
and then a crisis message, and thirty prompts fell due. When Ember starts, the therapist's
alert and the participant's safety message arrive within seconds and before any of the
due prompts; the ordinary messages follow in order (and are not taken for answers to the
prompts that went out after them); nothing is lost and nothing is twice."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.app import Ember, ember_app
from bot.clock import FakeClock
from bot.domain.people import Person, PersonStatus, Role
from bot.services import planning, sessions
from bot.simulator import FakeTelegram, SentMessage
from prompts.catalogue import crisis_text, default_catalogue
from storage.models import (
    InboundUpdate,
    JournalMessage,
    JournalMessageVersion,
    ScheduledPrompt,
)
from tests.support.e2e import PARTICIPANT_ID, THERAPIST_ID, enroll_pair, settings_for

CRISIS = "I've saved up my pills and I'm going to take them all tonight when everyone's asleep."
ORDINARY = "Note {n}: tidied the kitchen and read a chapter of my book."
PROMPT = "How are you this evening? (restart check-in)"
ONE_PROMPT = f"""
id: restart
name: One evening prompt
version: 1
response_window: 2h
reminders: 0
steps:
  - id: evening
    anchor: dosing
    after: 30m
    kind: text
    text: {{en: "{PROMPT}"}}
"""
OTHERS = 29  # with the participant who writes: thirty prompts due at once
FIRST_OTHER = 120_000
START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


async def thirty_due_prompts(ember: Ember) -> list[int]:
    """P-0142 and 29 more participants of T-01 on a protocol whose one prompt is due 30
    minutes after a dosing session recorded now; returns the chats that get a prompt."""
    now = ember.clock.now()
    async with ember.storage.uow() as uow:
        therapist = await uow.people.by_code("T-01")
        alex = await uow.people.by_code("P-0142")
        assert therapist is not None and alex is not None
        await planning.load_protocol(uow, now=now, source=ONE_PROMPT, source_name="test")
        people = [alex]
        for n in range(OTHERS):
            chat = FIRST_OTHER + n
            people.append(await uow.people.add(Person(
                id=0, role=Role.PARTICIPANT, code=f"P-{7000 + n}", telegram_user_id=chat,
                chat_id=chat, timezone="Europe/Berlin", status=PersonStatus.ACTIVE,
                therapist_id=therapist.id, consent_version=alex.consent_version,
                consented_at=now, created_at=now, enrolled_at=now)))
        for person in people:
            await planning.assign_protocol(uow, now=now, participant=person,
                                           protocol_id="restart")
            await sessions.add_session(uow, now=now, participant=person, kind="dosing",
                                       starts_at=now)
        await uow.commit()
    return [PARTICIPANT_ID] + [FIRST_OTHER + n for n in range(OTHERS)]


async def scalar(ember: Ember, stmt: object) -> int:
    async with ember.storage.sessions() as session:
        return int(await session.scalar(stmt) or 0)  # type: ignore[call-overload]


async def eventually(read: Callable[[], Awaitable[int]], expected: int,
                     timeout: float = 15.0) -> None:
    """Wait until ``read()`` gives ``expected`` (a database count, polled)."""
    deadline = time.monotonic() + timeout
    while (found := await read()) != expected and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert found == expected


def prompts(tg: FakeTelegram) -> list[SentMessage]:
    return [m for m in tg.sent if PROMPT in (m.text or "")]


@pytest.mark.serial  # alerted within 5 s of start-up: a wall-clock bound
async def test_a_crisis_sent_while_ember_was_down_is_alerted_first_at_start(
    tg: FakeTelegram, e2e_db: str, key: str
) -> None:
    cat = default_catalogue()
    clock = FakeClock(START)
    settings = settings_for(tg, e2e_db, key)
    alex, therapist = tg.user(PARTICIPANT_ID), tg.user(THERAPIST_ID)
    async with ember_app(settings, clock=clock, tick_seconds=0.2) as ember:
        await enroll_pair(ember, tg)
        chats = await thirty_due_prompts(ember)
    for chat in chats:
        tg.user(chat)

    # Ember is down: fifty ordinary messages, then a crisis; the prompts fall due
    ordinary = [alex.send_text(ORDINARY.format(n=n)) for n in range(50)]
    crisis = alex.send_text(CRISIS)
    clock.advance(timedelta(minutes=40))
    tg.reset_rate_limits()  # forty minutes down: Telegram's per-chat limits have long reset
    before = len(tg.sent)

    started = time.monotonic()
    async with ember_app(settings, clock=clock, tick_seconds=0.2) as ember:
        alert = await therapist.wait_for_message(lambda m: "CRISIS" in (m.text or ""),
                                                 timeout=15)
        lines = crisis_text(cat, "en", None, "Europe/Berlin", header=False)
        safety = await alex.wait_for_message(
            lambda m: (m.text or "") == cat.text("safety.crisis", "en", crisis=lines))
        await tg.wait_until(lambda: len(prompts(tg)) == 30, timeout=30)
        updates = [u["update_id"] for u in [*ordinary, crisis]]
        done = select(func.count()).select_from(InboundUpdate).where(
            InboundUpdate.update_id.in_(updates), InboundUpdate.status == "processed")
        await eventually(lambda: scalar(ember, done), 51)
        async with ember.storage.uow() as uow:
            writer = await uow.people.by_code("P-0142")
        assert writer is not None
        async with ember.storage.sessions() as session:
            journal = (await session.scalars(
                select(JournalMessage.telegram_message_id)
                .where(JournalMessage.participant_id == writer.id)
                .order_by(JournalMessage.id))).all()
            own_prompt = (await session.scalars(select(ScheduledPrompt.status).where(
                ScheduledPrompt.participant_id == writer.id))).one()

    to_alert = alert.sent_at - started
    first_prompt = min(m.sent_at for m in prompts(tg))
    print(f"\nstart → therapist alert {to_alert:.2f} s, safety message "
          f"{safety.sent_at - started:.2f} s, first due prompt {first_prompt - started:.2f} s")
    assert alert.sent_at < first_prompt and safety.sent_at < first_prompt
    assert to_alert < 5.0
    # the crisis first, then the ordinary messages in the order they were written
    assert journal == [crisis["message"]["message_id"]] + [
        u["message"]["message_id"] for u in ordinary]
    assert own_prompt == "sent"  # what was written before it went out is not its answer
    # nothing twice: one prompt per chat, one alert, one safety message, one thank-you
    assert Counter(m.chat_id for m in prompts(tg)) == Counter(chats)
    assert sum("CRISIS" in (m.text or "") for m in therapist.messages) == 1
    sent = Counter((m.chat_id, m.text) for m in tg.sent[before:])
    assert [message for message, n in sent.items() if n > 1] == []


async def test_a_message_edited_into_a_crisis_while_down_keeps_its_first_version(
    tg: FakeTelegram, e2e_db: str, key: str
) -> None:
    """The edit goes first, and the message it changes just before it: both versions kept."""
    clock = FakeClock(START)
    settings = settings_for(tg, e2e_db, key)
    alex, therapist = tg.user(PARTICIPANT_ID), tg.user(THERAPIST_ID)
    async with ember_app(settings, clock=clock, tick_seconds=0.2) as ember:
        await enroll_pair(ember, tg)
    first = alex.send_text(ORDINARY.format(n=0))
    for n in range(1, 5):
        alex.send_text(ORDINARY.format(n=n))
    edit = alex.edit(first["message"]["message_id"], CRISIS)
    tg.reset_rate_limits()
    async with ember_app(settings, clock=clock, tick_seconds=0.2) as ember:
        await therapist.wait_for_message(lambda m: "CRISIS" in (m.text or ""), timeout=15)
        done = select(func.count()).select_from(InboundUpdate).where(
            InboundUpdate.update_id.between(first["update_id"], edit["update_id"]),
            InboundUpdate.status == "processed")
        await eventually(lambda: scalar(ember, done), 6)
        async with ember.storage.sessions() as session:
            stored = (await session.scalars(select(JournalMessage).where(
                JournalMessage.telegram_message_id == first["message"]["message_id"]))).one()
            earlier = (await session.scalars(select(JournalMessageVersion.body_enc).where(
                JournalMessageVersion.message_id == stored.id))).all()
        cipher = ember.storage.cipher
        assert cipher.open_optional(stored.body_enc) == CRISIS
        assert [cipher.open_optional(b) for b in earlier] == [ORDINARY.format(n=0)]
        assert ember.intake.urgent == 2  # the edit, and its original just before it
