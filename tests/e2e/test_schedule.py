"""A whole protocol with second-scale offsets, run through the real bot and the fake Bot API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.app import Ember, ember_app
from bot.services import planning, sessions
from bot.simulator import FakeTelegram
from storage.models import InboundUpdate, ScheduledPrompt
from tests.support.e2e import PARTICIPANT_ID, THERAPIST_ID, enroll_pair, settings_for

FAST_PROTOCOL = """
id: fast-test
name: A protocol in seconds
version: 1
response_window: 3s
reminders: 1
steps:
  - id: first
    anchor: dosing
    after: 2s
    kind: text
    text: {en: "First: how was the session?"}
  - id: mood
    anchor: dosing
    after: 4s
    kind: scale
    text: {en: "Second: how is your mood?"}
    scale: {min_label: {en: very low}, max_label: {en: very good}}
  - id: sleep
    anchor: dosing
    after: 7s
    kind: choice
    text: {en: "Third: how did you sleep?"}
    choices:
      - {id: well, label: {en: Well}}
      - {id: poorly, label: {en: Poorly}}
"""


@pytest.fixture
async def fast_ember(tg: FakeTelegram, e2e_db: str, key: str) -> AsyncIterator[Ember]:
    async with ember_app(settings_for(tg, e2e_db, key), tick_seconds=0.2) as running:
        yield running


async def start_fast_protocol(ember: Ember) -> None:
    now = ember.clock.now()
    async with ember.storage.uow() as uow:
        await planning.load_protocol(uow, now=now, source=FAST_PROTOCOL, source_name="test")
        participant = await uow.people.by_code("P-0142")
        assert participant is not None
        await planning.assign_protocol(
            uow, now=now, participant=participant, protocol_id="fast-test"
        )
        await sessions.add_session(
            uow, now=now, participant=participant, kind="dosing", starts_at=now
        )
        await uow.commit()


async def statuses(ember: Ember) -> dict[str, str]:
    async with ember.storage.sessions() as session:
        rows = (await session.scalars(select(ScheduledPrompt))).all()
    return {r.step_id or r.key: r.status for r in rows}


class TestWholeProtocol:
    async def test_each_prompt_arrives_once_in_order_and_is_recorded(
        self, fast_ember: Ember, tg: FakeTelegram
    ) -> None:
        ember = fast_ember
        await enroll_pair(ember, tg)
        alex = tg.user(PARTICIPANT_ID)
        await start_fast_protocol(ember)
        started = ember.clock.now()

        first = await alex.wait_for_message(lambda m: "First:" in (m.text or ""), timeout=6)
        assert ember.clock.now() - started >= timedelta(seconds=1.5)
        alex.send_text("It was long, and I felt held.")
        await alex.wait_for_message(lambda m: "It's in your journal" in (m.text or ""))

        mood = await alex.wait_for_message(lambda m: "Second:" in (m.text or ""), timeout=6)
        prompt_id = _prompt_id(alex.buttons(mood))
        assert [d for _, d in alex.buttons(mood)] == [f"ans:{prompt_id}:{n}" for n in range(11)]
        alex.press(mood, text="7")
        await alex.wait_for_message(lambda m: "You chose 7" in (m.text or ""))

        sleep = await alex.wait_for_message(lambda m: "Third:" in (m.text or ""), timeout=8)
        # unanswered: one gentle reminder inside the window, then "missed"
        await alex.wait_for_message(lambda m: "gentle reminder" in (m.text or ""), timeout=4)
        for _ in range(50):
            if (await statuses(ember)).get("sleep") == "missed":
                break
            await asyncio.sleep(0.1)
        assert await statuses(ember) == {"first": "answered", "mood": "answered", "sleep": "missed"}
        texts = [m.text or "" for m in alex.messages]
        order = [
            next(i for i, t in enumerate(texts) if t.startswith(p))
            for p in ("First:", "Second:", "Third:")
        ]
        assert order == sorted(order)
        for prefix in ("First:", "Second:", "Third:"):
            assert sum(t.startswith(prefix) for t in texts) == 1
        assert first.message_id < sleep.message_id
        assert tg.rate_limited_429s == 0

    async def test_a_forged_answer_button_changes_nothing(
        self, fast_ember: Ember, tg: FakeTelegram
    ) -> None:
        ember = fast_ember
        await enroll_pair(ember, tg)
        alex = tg.user(PARTICIPANT_ID)
        await start_fast_protocol(ember)
        mood = await alex.wait_for_message(lambda m: "Second:" in (m.text or ""), timeout=8)
        prompt_id = _prompt_id(alex.buttons(mood))
        # a value that is not on the scale, and another participant's prompt id
        alex.press(mood, f"ans:{prompt_id}:99", forge=True)
        alex.press(mood, f"ans:{prompt_id + 1000}:3", forge=True)
        alex.press(mood, "ack:1", forge=True)
        # numbers no person or database means: superscripts, other scripts, huge ids
        odd = ["ans:²:3", f"ans:{prompt_id}:²", "ans:99999999999999999999:3", "ans::", "",
               "ack:99999999999999999999", "ack:٣", "q:1:²:0", f"q:{prompt_id}:1:99999999999"]
        queries = [alex.press(mood, data, forge=True) for data in odd]
        before = ember.intake.processed
        await tg.wait_until(lambda: ember.intake.processed >= before + 3 + len(odd), timeout=8)
        assert (await statuses(ember))["mood"] == "sent"
        assert not any("You chose" in (m.text or "") for m in alex.messages)
        await tg.wait_until(lambda: all(tg.callback(q).answered for q in queries), timeout=5)
        async with ember.storage.sessions() as session:
            failed = await session.scalar(
                select(func.count())
                .select_from(InboundUpdate)
                .where(InboundUpdate.error.is_not(None))
            )
        assert failed == 0  # answered kindly, never a crash

    async def test_pause_skips_prompts_and_resume_brings_them_back(
        self, fast_ember: Ember, tg: FakeTelegram
    ) -> None:
        ember = fast_ember
        await enroll_pair(ember, tg)
        alex = tg.user(PARTICIPANT_ID)
        alex.send_command("/pause")
        await alex.wait_for_message(lambda m: "paused" in (m.text or ""))
        await start_fast_protocol(ember)
        await asyncio.sleep(8)
        assert set((await statuses(ember)).values()) == {"skipped"}
        alex.send_command("/resume")
        await alex.wait_for_message(lambda m: "Welcome back" in (m.text or ""))
        assert not any(
            (m.text or "").startswith(("First:", "Second:", "Third:")) for m in alex.messages
        )

    async def test_stop_withdraws_and_tells_the_therapist(
        self, fast_ember: Ember, tg: FakeTelegram
    ) -> None:
        ember = fast_ember
        await enroll_pair(ember, tg)
        alex = tg.user(PARTICIPANT_ID)
        await start_fast_protocol(ember)
        alex.send_command("/stop")
        confirm = await alex.wait_for_message(lambda m: "Are you sure" in (m.text or ""))
        alex.press(confirm, text="Yes, stop")
        await alex.wait_for_message(lambda m: "stopped taking part" in (m.text or ""))
        note = await tg.user(THERAPIST_ID).wait_for_message(lambda m: "withdrawn" in (m.text or ""))
        assert "P-0142" in (note.text or "")
        assert set((await statuses(ember)).values()) == {"cancelled"}
        # the duty of care goes on: what they still write is kept, screened and read
        alex.send_text("just wanted to say the week was ok")
        told = await alex.wait_for_message(lambda m: "still kept" in (m.text or ""))
        assert "/crisis" in (told.text or "")
        alex.send_text("I've saved up my pills and I'm taking them all tonight")
        await alex.wait_for_message(lambda m: "emergency" in (m.text or ""))
        alert = await tg.user(THERAPIST_ID).wait_for_message(lambda m: "CRISIS" in (m.text or ""))
        assert "P-0142" in (alert.text or "")


def _prompt_id(buttons: list[tuple[str, str | None]]) -> int:
    data = buttons[0][1]
    assert data is not None
    return int(data.split(":")[1])


QUESTIONNAIRE_PROTOCOL = """
id: fast-phq
name: PHQ-9 in a second
version: 1
response_window: 60s
steps:
  - id: phq
    anchor: dosing
    after: 1s
    kind: questionnaire
    questionnaire: phq9
    text: {en: "A few standard questions about the last two weeks."}
"""


class TestQuestionnaire:
    async def test_phq9_is_given_item_by_item_and_scored(
        self, fast_ember: Ember, tg: FakeTelegram
    ) -> None:
        ember = fast_ember
        await enroll_pair(ember, tg)
        alex = tg.user(PARTICIPANT_ID)
        now = ember.clock.now()
        async with ember.storage.uow() as uow:
            await planning.load_protocol(uow, now=now, source=QUESTIONNAIRE_PROTOCOL,
                                           source_name="test")
            participant = await uow.people.by_code("P-0142")
            assert participant is not None
            await planning.assign_protocol(uow, now=now, participant=participant,
                                             protocol_id="fast-phq")
            await sessions.add_session(uow, now=now, participant=participant,
                                         kind="dosing", starts_at=now)
            await uow.commit()
        first = await alex.wait_for_message(lambda m: "PHQ-9" in (m.text or ""), timeout=6)
        assert "1 of 9" in (first.text or "")
        # a stale press of a later item is refused; then each item in turn
        alex.press(first, first.buttons[0][1].replace(":1:", ":5:"), forge=True)
        message = first
        answers = [1, 1, 2, 0, 1, 0, 1, 0, 0]
        for n, value in enumerate(answers, start=1):
            data = "missing"
            for _, d in alex.buttons(message):
                if d and d.endswith(f":{n}:{value}"):
                    data = d
            alex.press(message, data)
            if n < len(answers):
                message = await alex.wait_for_message(
                    lambda m, n=n: f"{n + 1} of 9" in (m.text or ""), timeout=5)
        await alex.wait_for_message(lambda m: "Thank you for answering" in (m.text or ""))
        assert (await statuses(ember))["phq"] == "answered"
        async with ember.storage.uow() as uow:

            entries = await uow.journal.recent_entries(participant.id, 5)
        assert any("PHQ-9: 6 (Mild)" in e.text for e in entries)
