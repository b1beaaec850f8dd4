"""Handling that fails on something that passes is tried again, over HTTP against the fake
Bot API: a button press whose answer to Telegram is cut off, and a crisis whose first
handling meets a locked database, are each recorded and answered exactly once, with no
apology, and their stored update ends handled after one retry."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Ember, ember_app
from bot.clock import FakeClock
from bot.services import planning, sessions
from bot.simulator import FakeTelegram
from prompts.catalogue import default_catalogue
from storage.models import InboundUpdate, JournalMessage
from tests.support.e2e import PARTICIPANT_ID, THERAPIST_ID, enroll_pair, settings_for

CRISIS = "I've saved up my pills and I'm going to take them all tonight when everyone's asleep."
SCALE = """
id: one-scale
name: One scale
version: 1
response_window: 2h
reminders: 0
steps:
  - id: mood
    anchor: dosing
    after: 1m
    kind: scale
    text: {en: "How is your mood right now?"}
    scale: {min_label: {en: very low}, max_label: {en: very good}}
"""


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
async def ember(tg: FakeTelegram, e2e_db: str, key: str, clock: FakeClock) -> Any:
    async with ember_app(settings_for(tg, e2e_db, key), clock=clock, tick_seconds=0.1) as running:
        yield running


async def settled(ember: Ember, update_id: int, timeout: float = 10.0) -> tuple[str, int]:
    """The stored update's status and failed attempts, once it is no longer waiting (and a
    moment more, for anything sent twice to show itself)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        async with ember.storage.sessions() as session:
            row = await session.get(InboundUpdate, update_id)
        assert row is not None
        if row.status not in ("pending", "processing") or loop.time() > deadline:
            await asyncio.sleep(0.5)
            return row.status, row.attempts
        await asyncio.sleep(0.05)


def locked_once(ember: Ember, kind: type[object]) -> list[int]:
    """The next commit of a unit of work that wrote a row of ``kind`` fails as SQLite's
    "database is locked" does (nothing of it is kept); returns a list counting failures."""
    real = ember.storage.sessions
    failed: list[int] = []

    def sessions() -> AsyncSession:
        session = real()
        flush, commit = session.flush, session.commit
        wrote: list[bool] = []

        async def watching_flush(objects: Any = None) -> None:
            wrote.extend(isinstance(o, kind) for o in session.new)
            await flush(objects)

        async def failing_commit() -> None:
            if not failed and any(wrote):
                failed.append(1)
                await session.rollback()
                raise OperationalError("COMMIT", {}, sqlite3.OperationalError("database is locked"))
            await commit()

        session.flush = watching_flush  # type: ignore[method-assign]
        session.commit = failing_commit  # type: ignore[method-assign]
        return session

    ember.storage.sessions = sessions  # type: ignore[assignment]
    return failed


async def test_a_press_whose_answer_to_telegram_is_cut_off_is_recorded_and_confirmed_once(
    ember: Ember, tg: FakeTelegram, clock: FakeClock
) -> None:
    cat = default_catalogue()
    await enroll_pair(ember, tg)
    async with ember.storage.uow() as uow:
        now = clock.now()
        await planning.load_protocol(uow, now=now, source=SCALE, source_name="test")
        participant = await uow.people.by_code("P-0142")
        assert participant is not None
        await planning.assign_protocol(
            uow, now=now, participant=participant, protocol_id="one-scale"
        )
        await sessions.add_session(
            uow, now=now, participant=participant, kind="dosing", starts_at=now
        )
        await uow.commit()
    clock.advance(timedelta(minutes=2))
    alex = tg.user(PARTICIPANT_ID)
    question = await alex.wait_for_message(lambda m: bool(m.buttons))
    pid = int((question.buttons[0][1] or "").split(":")[1])

    tg.drop_connection_next("answerCallbackQuery", after_processing=True)  # spinner stopped
    query = alex.press(question, f"ans:{pid}:7")
    confirmed = cat.text("prompt.answered_scale", "en", value="7")
    await alex.wait_for_message(lambda m: m.text == confirmed, timeout=10)
    await tg.wait_until(lambda: len(tg.calls_to("answerCallbackQuery")) >= 2, timeout=10)
    assert tg.callback(query).answered
    async with ember.storage.sessions() as session:
        update_id = await session.scalar(select(func.max(InboundUpdate.update_id)))
    assert update_id is not None

    async with ember.storage.sessions() as session:
        answers = (await session.scalars(select(JournalMessage.body_enc))).all()
    assert len(answers) == 1  # the answer kept once
    assert [m.text for m in alex.messages].count(confirmed) == 1
    assert not any(m.text == cat.text("error", "en") for m in alex.messages)  # no apology
    assert await settled(ember, update_id) == ("processed", 1)  # handled on its retry


async def test_a_crisis_meeting_a_locked_database_is_alerted_and_answered_once(
    ember: Ember, tg: FakeTelegram
) -> None:
    cat = default_catalogue()
    await enroll_pair(ember, tg)
    alex, therapist = tg.user(PARTICIPANT_ID), tg.user(THERAPIST_ID)
    failed = locked_once(ember, JournalMessage)
    sent = alex.send_text(CRISIS)
    first_line = cat.text("safety.crisis", "en", crisis="").splitlines()[0]
    await alex.wait_for_message(lambda m: (m.text or "").startswith(first_line), timeout=10)
    header = cat.text("alert.header", "en", tier="CRISIS", code="P-0142", flag=0)
    await therapist.wait_for_message(
        lambda m: (m.text or "").startswith(header.rsplit("#", 1)[0]), timeout=10
    )
    assert failed == [1]  # the first handling did meet the locked database
    assert await settled(ember, sent["update_id"]) == ("processed", 1)
    assert sum((m.text or "").startswith(first_line) for m in alex.messages) == 1
    assert sum("CRISIS alert" in (m.text or "") for m in therapist.messages) == 1
    assert not any(m.text == cat.text("error", "en") for m in alex.messages)  # no apology
