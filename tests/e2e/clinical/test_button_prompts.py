"""Button prompts keep their meaning, over HTTP against the fake Bot API.

While a scale, choice or questionnaire is open, what a participant types or sends is a
journal entry of its own, screened like any other, and the question stays open: a gentle
line asks it again with its buttons. A PHQ-9 goes on where it stopped, so item 9 is always
asked. A number typed for an open scale is its answer. Stale buttons are answered kindly
and change nothing. Every prompt and a participant's /help show how to reach /crisis.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import Ember, ember_app
from bot.clock import FakeClock
from bot.delivery.pacing import Pacer
from bot.domain import Tier
from bot.services import planning, sessions
from bot.simulator import FakeTelegram, SentMessage
from prompts.catalogue import Catalogue, default_catalogue
from storage.models import Flag, JournalEntry, JournalMessage, ScheduledPrompt
from tests.support.e2e import PARTICIPANT_ID, THERAPIST_ID, enroll_pair, settings_for

CRISIS = "I've saved up my pills and I'm going to take them all tonight when everyone's asleep."

PROTOCOL = """
id: clinical-buttons
name: One button prompt
version: 1
response_window: 2h
reminders: 1
steps:
  - id: ask
    anchor: dosing
    after: 1m
{step}"""

STEPS = {
    "scale": """    kind: scale
    text: {en: "How is your mood right now?"}
    scale: {min_label: {en: very low}, max_label: {en: very good}}
""",
    "choice": """    kind: choice
    text: {en: "How did you sleep?"}
    choices:
      - {id: well, label: {en: Well}}
      - {id: poorly, label: {en: Poorly}}
""",
    "questionnaire": """    kind: questionnaire
    questionnaire: phq9
    text: {en: "A few standard questions about the last two weeks."}
""",
}


@pytest.fixture
def cat() -> Catalogue:
    return default_catalogue()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))  # 10:00 in Berlin


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    # Telegram's per-chat limit is a second a message; these tests are about meaning, so
    # the fake and the pacer agree on a faster one (pacing has its own tests)
    async with FakeTelegram(per_chat_rate=50.0) as server:
        yield server


def start_ember(
    tg: FakeTelegram, e2e_db: str, key: str, clock: FakeClock
) -> AbstractAsyncContextManager[Ember]:
    return ember_app(
        settings_for(tg, e2e_db, key),
        clock=clock,
        tick_seconds=0.1,
        pacing=lambda storage: Pacer(storage, chat_interval=0.03),
    )


@pytest.fixture
async def ember(tg: FakeTelegram, e2e_db: str, key: str, clock: FakeClock) -> AsyncIterator[Ember]:
    async with start_ember(tg, e2e_db, key, clock) as running:
        yield running


def text(message: SentMessage) -> str:
    return message.text or ""


def data(tg_user_buttons: list[tuple[str, str | None]]) -> list[str | None]:
    return [d for _, d in tg_user_buttons]


def prompt_id_of(message: SentMessage) -> int:
    first = message.buttons[0][1]
    assert first is not None
    return int(first.split(":")[1])


async def open_prompt(ember: Ember, tg: FakeTelegram, clock: FakeClock, kind: str) -> SentMessage:
    """A therapist, their participant, and one prompt of ``kind`` just arrived."""
    await enroll_pair(ember, tg)
    now = clock.now()
    async with ember.storage.uow() as uow:
        source = PROTOCOL.format(step=STEPS[kind])
        await planning.load_protocol(uow, now=now, source=source, source_name="test")
        participant = await uow.people.by_code("P-0142")
        assert participant is not None
        await planning.assign_protocol(
            uow, now=now, participant=participant, protocol_id="clinical-buttons"
        )
        await sessions.add_session(
            uow, now=now, participant=participant, kind="dosing", starts_at=now
        )
        await uow.commit()
    clock.advance(timedelta(minutes=2))
    return await tg.user(PARTICIPANT_ID).wait_for_message(lambda m: bool(m.buttons))


async def prompt_row(ember: Ember) -> ScheduledPrompt:
    async with ember.storage.sessions() as session:
        return (await session.scalars(select(ScheduledPrompt))).one()


async def free_entries(ember: Ember) -> list[str]:
    """The texts of journal entries that answer no prompt."""
    async with ember.storage.uow() as uow:
        participant = await uow.people.by_code("P-0142")
        assert participant is not None
        entries = await uow.journal.recent_entries(participant.id, 20)
    return [e.text for e in entries if e.prompt_id is None]


async def answered_kindly(tg: FakeTelegram, query: str) -> str:
    await tg.wait_until(lambda: tg.callback(query).answered)
    return tg.callback(query).answer_text or ""


class TestQuestionnaire:
    async def test_text_during_a_phq9_is_an_entry_and_item_9_is_still_asked(
        self, ember: Ember, tg: FakeTelegram, clock: FakeClock, cat: Catalogue
    ) -> None:
        alex, therapist = tg.user(PARTICIPANT_ID), tg.user(THERAPIST_ID)
        first = await open_prompt(ember, tg, clock, "questionnaire")
        assert "PHQ-9" in text(first) and "1 of 9" in text(first)
        assert text(first).endswith(cat.text("prompt.crisis_line", "en"))
        pid = prompt_id_of(first)
        item = first
        for n, value in ((1, 0), (2, 1), (3, 0)):
            alex.press(item, f"q:{pid}:{n}:{value}")
            item = await alex.wait_for_message(lambda m, n=n: f"{n + 1} of 9" in text(m))
        item4 = item
        # an answered item keeps its question, shows the answer, and still shows /crisis
        await tg.wait_until(lambda: "→" in text(first))
        assert text(first).endswith(f"→ Not at all\n\n{cat.text('prompt.crisis_line', 'en')}")

        alex.send_text("This is a lot. I need a minute before the rest.")
        await alex.wait_for_message(lambda m: text(m) == cat.text("journal.saved", "en"))
        again = await alex.wait_for_message(
            lambda m: text(m).startswith(cat.text("prompt.still_open", "en"))
        )
        assert "4 of 9" in text(again) and "PHQ-9" in text(again)
        assert text(again).endswith(cat.text("prompt.crisis_line", "en"))
        assert data(alex.buttons(again)) == [f"q:{pid}:4:{v}" for v in range(4)]
        assert (await prompt_row(ember)).status == "sent"
        assert "This is a lot. I need a minute before the rest." in await free_entries(ember)

        # the participant goes on from the gentle line; the older copy is stale now
        alex.press(again, f"q:{pid}:4:1")
        item5 = await alex.wait_for_message(lambda m: "5 of 9" in text(m))
        stale = alex.press(item4, f"q:{pid}:4:0")
        assert await answered_kindly(tg, stale) == cat.text("questionnaire.already", "en")
        # a double press on item 5: one answer, item 6 asked once
        alex.press(item5, f"q:{pid}:5:0")
        double = alex.press(item5, f"q:{pid}:5:3")
        assert await answered_kindly(tg, double) == cat.text("questionnaire.already", "en")
        item = await alex.wait_for_message(lambda m: "6 of 9" in text(m))
        for n in (6, 7, 8):
            alex.press(item, f"q:{pid}:{n}:0")
            item = await alex.wait_for_message(lambda m, n=n: f"{n + 1} of 9" in text(m))
        assert "9 of 9" in text(item)
        alex.press(item, f"q:{pid}:9:1")

        # the supportive message and the thank-you for finishing, in either order
        opening = cat.text("safety.high", "en").splitlines()[0]
        done = cat.text("questionnaire.done", "en")
        await tg.wait_until(lambda: done in alex.texts and any(opening in t for t in alex.texts))
        [safety] = [t for t in alex.texts if t.startswith(opening)]
        assert "0800 111 0 111" in safety  # their region's crisis line
        alert = await therapist.wait_for_message(lambda m: "HIGH" in text(m))
        assert "P-0142" in text(alert) and "suicidality" in text(alert)

        row = await prompt_row(ember)
        assert row.status == "answered"
        answers = json.loads(row.state or "{}")["answers"]
        assert answers == {
            "phq9_1": 0,
            "phq9_2": 1,
            "phq9_3": 0,
            "phq9_4": 1,
            "phq9_5": 0,
            "phq9_6": 0,
            "phq9_7": 0,
            "phq9_8": 0,
            "phq9_9": 1,
        }
        for n in range(2, 10):  # every item asked exactly once (the gentle line aside)
            asked = [m for m in alex.messages if text(m).startswith(f"{n} of 9")]
            assert len(asked) == 1, n
        async with ember.storage.sessions() as session:
            flags = (await session.scalars(select(Flag))).all()
        from_answers = [(f.tier, f.categories) for f in flags if f.source_kind == "questionnaire"]
        assert from_answers == [(Tier.HIGH, "suicidality")]

    async def test_a_restart_and_a_reminder_go_on_at_the_first_unanswered_item(
        self, tg: FakeTelegram, e2e_db: str, key: str, clock: FakeClock, cat: Catalogue
    ) -> None:
        alex = tg.user(PARTICIPANT_ID)
        async with start_ember(tg, e2e_db, key, clock) as ember:
            first = await open_prompt(ember, tg, clock, "questionnaire")
            pid = prompt_id_of(first)
            alex.press(first, f"q:{pid}:1:2")
            second = await alex.wait_for_message(lambda m: "2 of 9" in text(m))
            alex.press(second, f"q:{pid}:2:1")
            await alex.wait_for_message(lambda m: "3 of 9" in text(m))
        # Ember restarts; the participant comes back with /start and is offered item 3;
        # an hour later the reminder asks item 3 too, not item 1
        async with start_ember(tg, e2e_db, key, clock) as ember:
            alex.send_command("/start")
            await alex.wait_for_message(lambda m: text(m) == cat.text("start.welcome_back", "en"))
            back = await alex.wait_for_message(
                lambda m: text(m).startswith(cat.text("prompt.still_open", "en"))
            )
            assert "3 of 9" in text(back) and "PHQ-9" in text(back)
            assert data(alex.buttons(back)) == [f"q:{pid}:3:{v}" for v in range(4)]
            clock.advance(timedelta(hours=1, minutes=1))
            reminder = await alex.wait_for_message(
                lambda m: text(m).startswith(cat.text("prompt.reminder_again", "en"))
            )
            assert "3 of 9" in text(reminder) and "1 of 9" not in text(reminder)
            assert text(reminder).endswith(cat.text("prompt.crisis_line", "en"))
            assert data(alex.buttons(reminder)) == [f"q:{pid}:3:{v}" for v in range(4)]
            alex.press(reminder, f"q:{pid}:3:0")
            await alex.wait_for_message(lambda m: "4 of 9" in text(m))
            answers = json.loads((await prompt_row(ember)).state or "{}")["answers"]
            assert answers == {"phq9_1": 2, "phq9_2": 1, "phq9_3": 0}


class TestScale:
    async def test_a_crisis_typed_while_a_scale_is_open_is_screened_and_the_scale_stays_open(
        self, ember: Ember, tg: FakeTelegram, clock: FakeClock, cat: Catalogue
    ) -> None:
        alex, therapist = tg.user(PARTICIPANT_ID), tg.user(THERAPIST_ID)
        scale = await open_prompt(ember, tg, clock, "scale")
        assert text(scale).endswith(cat.text("prompt.crisis_line", "en"))
        alex.send_text(CRISIS)
        safety = await alex.wait_for_message(
            lambda m: text(m).startswith(cat.text("safety.crisis", "en").splitlines()[0])
        )
        assert "0800 111 0 111" in text(safety)
        alert = await therapist.wait_for_message(lambda m: "CRISIS" in text(m))
        assert "P-0142" in text(alert) and "pills" in text(alert)
        assert (await prompt_row(ember)).status == "sent"
        assert CRISIS in await free_entries(ember)
        # the scale still answers
        alex.press(scale, text="6")
        await alex.wait_for_message(
            lambda m: text(m) == cat.text("prompt.answered_scale", "en", value="6")
        )
        assert (await prompt_row(ember)).status == "answered"
        # the safety message spoke alone: no thank-you, no "the question is still open"
        lead = cat.text("prompt.still_open", "en")
        assert not any(t.startswith(lead) for t in alex.texts)
        assert cat.text("journal.saved", "en") not in alex.texts

    async def test_seven_typed_for_an_open_scale_is_its_answer(
        self, ember: Ember, tg: FakeTelegram, clock: FakeClock, cat: Catalogue
    ) -> None:
        alex = tg.user(PARTICIPANT_ID)
        scale = await open_prompt(ember, tg, clock, "scale")
        alex.send_text("I'd say 7 but yesterday 2")  # words: an entry, the scale stays open
        again = await alex.wait_for_message(
            lambda m: text(m).startswith(cat.text("prompt.still_open", "en"))
        )
        assert "How is your mood right now?" in text(again)
        assert (await prompt_row(ember)).status == "sent"

        alex.send_text("7")
        await alex.wait_for_message(
            lambda m: text(m) == cat.text("prompt.answered_scale", "en", value="7")
        )
        row = await prompt_row(ember)
        assert row.status == "answered"
        async with ember.storage.sessions() as session:
            answer = (
                await session.scalars(select(JournalMessage).where(JournalMessage.kind == "scale"))
            ).one()
            entry = await session.get(JournalEntry, answer.entry_id)
        assert entry is not None and entry.prompt_id == row.id
        # its buttons now say so, kindly, and change nothing
        late = alex.press(scale, text="3")
        assert await answered_kindly(tg, late) == cat.text("prompt.already", "en")
        late_again = alex.press(again, text="2")
        assert await answered_kindly(tg, late_again) == cat.text("prompt.already", "en")
        async with ember.storage.sessions() as session:
            scale_answers = (
                await session.scalars(select(JournalMessage).where(JournalMessage.kind == "scale"))
            ).all()
        assert len(scale_answers) == 1


class TestChoice:
    async def test_a_photo_during_a_choice_does_not_answer_it(
        self, ember: Ember, tg: FakeTelegram, clock: FakeClock, cat: Catalogue
    ) -> None:
        alex = tg.user(PARTICIPANT_ID)
        choice = await open_prompt(ember, tg, clock, "choice")
        assert text(choice).endswith(cat.text("prompt.crisis_line", "en"))
        alex.send_photo()
        saved = cat.text("journal.media_saved", "en", what=cat.text("journal.media.photo", "en"))
        await alex.wait_for_message(lambda m: text(m) == saved)
        again = await alex.wait_for_message(
            lambda m: text(m).startswith(cat.text("prompt.still_open", "en"))
        )
        pid = prompt_id_of(choice)
        assert data(alex.buttons(again)) == [f"ans:{pid}:well", f"ans:{pid}:poorly"]
        assert (await prompt_row(ember)).status == "sent"

        alex.press(again, text="Poorly")
        await alex.wait_for_message(
            lambda m: text(m) == cat.text("prompt.answered_choice", "en", value="Poorly")
        )
        assert (await prompt_row(ember)).status == "answered"

    async def test_buttons_while_paused_and_after_stop_change_nothing(
        self, ember: Ember, tg: FakeTelegram, clock: FakeClock, cat: Catalogue
    ) -> None:
        alex = tg.user(PARTICIPANT_ID)
        choice = await open_prompt(ember, tg, clock, "choice")
        alex.send_command("/pause")
        await alex.wait_for_message(lambda m: text(m) == cat.text("pause.paused", "en"))
        alex.press(choice, text="Well")
        await alex.wait_for_message(lambda m: text(m) == cat.text("prompt.paused", "en"))
        assert (await prompt_row(ember)).status == "sent"

        alex.send_command("/stop")
        confirm = await alex.wait_for_message(lambda m: "Are you sure" in text(m))
        alex.press(confirm, text=cat.text("stop.confirm_yes", "en"))
        await alex.wait_for_message(lambda m: text(m) == cat.text("stop.done", "en"))
        alex.press(choice, text="Well")
        await alex.wait_for_message(lambda m: text(m) == cat.text("prompt.after_stop", "en"))
        assert (await prompt_row(ember)).status == "cancelled"
        async with ember.storage.sessions() as session:
            choices = (
                await session.scalars(select(JournalMessage).where(JournalMessage.kind == "choice"))
            ).all()
        assert choices == []


class TestCrisisWithinReach:
    async def test_help_shows_crisis_first(
        self, ember: Ember, tg: FakeTelegram, cat: Catalogue
    ) -> None:
        await enroll_pair(ember, tg)
        alex = tg.user(PARTICIPANT_ID)
        alex.send_command("/help")
        shown = await alex.wait_for_message(lambda m: cat.text("help.header", "en") in text(m))
        assert text(shown).splitlines()[0] == cat.text("prompt.crisis_line", "en")
        assert f"/crisis — {cat.text('help.participant.crisis', 'en')}" in text(shown)
