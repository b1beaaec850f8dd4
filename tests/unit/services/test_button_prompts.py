"""Button prompts keep their meaning: what is typed or sent beside an open scale, choice or
questionnaire is an entry of its own and the question stays open; a scale's number may be
typed; a questionnaire goes on where it stopped; stale buttons change nothing; every
prompt shows how to reach /crisis. On the in-memory unit of work."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.domain import PromptStatus, Tier
from bot.domain.outgoing import Outgoing
from bot.domain.people import Person
from bot.domain.records import ScheduledPrompt
from bot.services.api import Services
from bot.services.inbound import InboundMessage
from bot.services.render import answers_of
from tests.support.builders import PARTICIPANT_ID, THERAPIST_ID, clinic, sender
from tests.support.fake_uow import FakeStorage

PROTOCOL = """
id: buttons
name: One button prompt
version: 1
response_window: 6h
reminders: 2
steps:
  - id: ask
    anchor: dosing
    after: 1h
{step}"""

STEPS = {
    "scale": """    kind: scale
    text: {en: "How is your mood?", de: "Wie ist Ihre Stimmung?"}
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
    "text": """    kind: text
    text: {en: "How was the session?"}
""",
}

CRISIS = "I have the pills here and I will take them all tonight to end my life."


async def open_prompt(
    services: Services, clock: FakeClock, kind: str, language: str = "en"
) -> tuple[Person, ScheduledPrompt]:
    """P-0142 with one prompt of ``kind`` just sent."""
    _, participant = await clinic(services)
    if language != "en":
        async with services.ctx.uow() as uow:
            participant = replace(participant, language=language)
            await uow.people.save(participant)
            await uow.commit()
    await services.planning.load_protocol(PROTOCOL.format(step=STEPS[kind]), "buttons.yaml")
    await services.planning.assign_protocol("P-0142", "buttons")
    await services.sessions.add(None, "P-0142", "dosing", "2026-01-05 10:00")
    clock.advance(timedelta(hours=1, minutes=1))
    assert (await services.prompting.tick()).sent == 1
    return participant, await prompt_now(services)


async def prompt_now(services: Services) -> ScheduledPrompt:
    """The prompt of the step "ask", as stored now."""
    async with services.ctx.uow() as uow:
        participant = await uow.people.by_code("P-0142")
        assert participant is not None
        [prompt] = [p for p in await uow.schedules.prompts_of(participant.id) if p.step_id == "ask"]
    return prompt


def typed(n: int, body: str, kind: str = "text") -> InboundMessage:
    return InboundMessage(sender(PARTICIPANT_ID, 100 + n), n, kind, body)


def photo(n: int) -> InboundMessage:
    return InboundMessage(sender(PARTICIPANT_ID, 100 + n), n, "photo", None, media_ref="file-1")


def data(message: Outgoing | None) -> list[str]:
    assert message is not None
    return [b.data for row in message.buttons for b in row]


async def press_item(
    services: Services, participant: Person, prompt: ScheduledPrompt, item: int, value: int
) -> str:
    step = await services.questionnaires.answer(
        participant, sender(PARTICIPANT_ID, 1000 + item), prompt.id, item, value
    )
    return step.outcome


class TestTypedTextBesideAButtonPrompt:
    @pytest.mark.parametrize("kind", ["scale", "choice"])
    async def test_text_is_an_entry_of_its_own_and_the_question_stays_open(
        self, services: Services, storage: FakeStorage, clock: FakeClock, kind: str
    ) -> None:
        participant, prompt = await open_prompt(services, clock, kind)
        recorded = await services.journal.record(participant, typed(1, "A long walk today."))
        assert recorded.created and recorded.prompt_id is None
        assert (await prompt_now(services)).status is PromptStatus.SENT
        [entry] = [e for e in storage.tables.entries.values()]
        assert entry.prompt_id is None
        again = recorded.still_open
        assert again is not None
        lead = services.ctx.catalogue.text("prompt.still_open", "en")
        assert again.text.startswith(lead)
        assert again.text.endswith(services.ctx.catalogue.text("prompt.crisis_line", "en"))
        assert data(again) and all(d.startswith(f"ans:{prompt.id}:") for d in data(again))
        # the buttons still answer it
        value = "7" if kind == "scale" else "well"
        answer = await services.prompting.answer_button(
            participant, sender(PARTICIPANT_ID, 50), prompt.id, value, None
        )
        assert answer.outcome == "recorded"
        assert (await prompt_now(services)).status is PromptStatus.ANSWERED

    async def test_a_photo_does_not_answer_a_choice(
        self, services: Services, clock: FakeClock
    ) -> None:
        participant, prompt = await open_prompt(services, clock, "choice")
        recorded = await services.journal.record(participant, photo(1))
        assert recorded.created and recorded.prompt_id is None
        assert (await prompt_now(services)).status is PromptStatus.SENT
        assert data(recorded.still_open) == [f"ans:{prompt.id}:well", f"ans:{prompt.id}:poorly"]

    async def test_a_reply_to_the_prompt_message_does_not_answer_it_either(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        participant, _ = await open_prompt(services, clock, "choice")
        [row] = storage.queued("prompt")
        storage.tables.outbox[row.key] = replace(row, telegram_message_id=77)
        message = replace(typed(1, "Badly, to be honest."), reply_to_message_id=77)
        recorded = await services.journal.record(participant, message)
        assert recorded.prompt_id is None and recorded.still_open is not None
        assert (await prompt_now(services)).status is PromptStatus.SENT

    async def test_a_crisis_beside_an_open_scale_gets_the_safety_message_and_an_alert(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        participant, _ = await open_prompt(services, clock, "scale")
        recorded = await services.journal.record(participant, typed(1, CRISIS))
        assert recorded.tier >= Tier.HIGH
        assert recorded.still_open is None  # the safety message speaks, alone
        assert [m.chat_id for m in storage.queued("safety")] == [PARTICIPANT_ID]
        assert [m.chat_id for m in storage.queued("alert")] == [THERAPIST_ID]
        assert (await prompt_now(services)).status is PromptStatus.SENT

    async def test_several_messages_in_a_row_get_one_gentle_line(
        self, services: Services, clock: FakeClock
    ) -> None:
        participant, _ = await open_prompt(services, clock, "scale")
        first = await services.journal.record(participant, typed(1, "Tired."))
        clock.advance(5)
        second = await services.journal.record(participant, typed(2, "But calm."))
        assert first.still_open is not None
        assert second.quiet and second.still_open is None

    async def test_a_free_text_prompt_still_takes_the_next_message(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        participant, prompt = await open_prompt(services, clock, "text")
        recorded = await services.journal.record(participant, typed(1, "Long, and I felt held."))
        assert recorded.prompt_id == prompt.id and recorded.still_open is None
        assert (await prompt_now(services)).status is PromptStatus.ANSWERED

    async def test_an_older_free_text_prompt_still_open_takes_the_reply(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        await clinic(services)
        two = PROTOCOL.format(step=STEPS["text"]) + STEPS["scale"].replace(
            "    kind: scale", "  - id: mood\n    anchor: dosing\n    after: 2h\n    kind: scale"
        )
        await services.planning.load_protocol(two, "two.yaml")
        await services.planning.assign_protocol("P-0142", "buttons")
        await services.sessions.add(None, "P-0142", "dosing", "2026-01-05 10:00")
        clock.advance(timedelta(hours=1, minutes=1))
        await services.prompting.tick()
        clock.advance(timedelta(hours=1))
        await services.prompting.tick()
        participant = await services.access.identify(PARTICIPANT_ID)
        assert participant is not None
        recorded = await services.journal.record(participant, typed(1, "It was long."))
        statuses = {p.step_id: p.status for p in storage.tables.prompts.values()}
        assert statuses == {"ask": PromptStatus.ANSWERED, "mood": PromptStatus.SENT}
        assert recorded.prompt_id == (await prompt_now(services)).id
        assert recorded.still_open is not None and "How is your mood?" in recorded.still_open.text

    async def test_while_paused_text_is_kept_without_pointing_at_the_buttons(
        self, services: Services, clock: FakeClock
    ) -> None:
        participant, _ = await open_prompt(services, clock, "scale")
        participant = await services.participation.pause(participant, None)
        recorded = await services.journal.record(participant, typed(1, "7"))
        assert recorded.scale_answer is None and recorded.still_open is None
        assert (await prompt_now(services)).status is PromptStatus.SENT


class TestAStepGoneFromAReloadedProtocol:
    async def test_what_is_written_is_kept_and_the_reminder_still_goes_out(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        participant, prompt = await open_prompt(services, clock, "choice")
        other = PROTOCOL.replace("id: ask", "id: renamed").format(step=STEPS["scale"])
        await services.planning.load_protocol(other.replace("version: 1", "version: 2"), "b.yaml")
        recorded = await services.journal.record(participant, typed(1, "Slept badly."))
        assert recorded.created and recorded.still_open is None
        assert (await prompt_now(services)).status is PromptStatus.SENT
        clock.advance(timedelta(hours=3))
        await services.prompting.tick()  # the tick goes on for every other prompt too
        [reminder] = [
            m for m in storage.queued("reminder") if m.key.startswith(f"reminder:{prompt.id}:")
        ]
        assert reminder.message.text.startswith(
            services.ctx.catalogue.text("prompt.reminder", "en")
        )


class TestTypedScaleNumber:
    @pytest.mark.parametrize("body", ["7", " 7 ", "7/10", "7 / 10"])
    async def test_just_the_number_is_the_answer(
        self, services: Services, storage: FakeStorage, clock: FakeClock, body: str
    ) -> None:
        participant, prompt = await open_prompt(services, clock, "scale")
        recorded = await services.journal.record(participant, typed(1, body))
        assert recorded.scale_answer == "7" and recorded.prompt_id == prompt.id
        assert (await prompt_now(services)).status is PromptStatus.ANSWERED
        [message] = storage.tables.messages.values()
        assert (message.kind, message.text) == ("scale", "7")
        # the button on the message now says so, and changes nothing
        late = await services.prompting.answer_button(
            participant, sender(PARTICIPANT_ID, 60), prompt.id, "3", None
        )
        assert late.outcome == "answered"
        assert len(storage.tables.messages) == 1

    @pytest.mark.parametrize(
        "body", ["I'd say 7 but yesterday 2", "11", "7/5", "7.5", "-1", "７", "seven", "7 10"]
    )
    async def test_anything_else_is_words(
        self, services: Services, clock: FakeClock, body: str
    ) -> None:
        participant, _ = await open_prompt(services, clock, "scale")
        recorded = await services.journal.record(participant, typed(1, body))
        assert recorded.scale_answer is None and recorded.prompt_id is None
        assert recorded.still_open is not None
        assert (await prompt_now(services)).status is PromptStatus.SENT

    async def test_a_very_low_typed_number_is_weighed_as_the_button_would_be(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        participant, _ = await open_prompt(services, clock, "scale")
        await services.journal.record(participant, typed(1, "1"))
        assert [(f.tier, f.source_kind) for f in storage.tables.flags.values()] == [
            (Tier.MODERATE, "scale")
        ]

    async def test_a_number_typed_for_a_choice_is_words(
        self, services: Services, clock: FakeClock
    ) -> None:
        participant, _ = await open_prompt(services, clock, "choice")
        recorded = await services.journal.record(participant, typed(1, "2"))
        assert recorded.scale_answer is None and recorded.still_open is not None
        assert (await prompt_now(services)).status is PromptStatus.SENT


class TestStaleButtons:
    async def test_a_double_press_on_a_scale_is_recorded_once(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        participant, prompt = await open_prompt(services, clock, "scale")
        outcomes = [
            (
                await services.prompting.answer_button(
                    participant, sender(PARTICIPANT_ID, n), prompt.id, "1", None
                )
            ).outcome
            for n in (50, 51)
        ]
        assert outcomes == ["recorded", "answered"]
        assert len(storage.tables.messages) == 1 and len(storage.tables.flags) == 1

    async def test_a_button_while_paused_changes_nothing(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        participant, prompt = await open_prompt(services, clock, "choice")
        participant = await services.participation.pause(participant, timedelta(days=1))
        answer = await services.prompting.answer_button(
            participant, sender(PARTICIPANT_ID, 50), prompt.id, "well", None
        )
        assert answer.outcome == "paused" and storage.tables.messages == {}
        assert (await prompt_now(services)).status is PromptStatus.SENT

    async def test_a_button_after_stop_changes_nothing(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        participant, prompt = await open_prompt(services, clock, "scale")
        await services.participation.withdraw(participant)
        answer = await services.prompting.answer_button(
            participant, sender(PARTICIPANT_ID, 50), prompt.id, "5", None
        )
        assert answer.outcome == "withdrawn" and storage.tables.messages == {}

    async def test_a_button_after_the_window_is_closed(
        self, services: Services, clock: FakeClock
    ) -> None:
        participant, prompt = await open_prompt(services, clock, "scale")
        clock.advance(timedelta(hours=7))
        answer = await services.prompting.answer_button(
            participant, sender(PARTICIPANT_ID, 50), prompt.id, "5", None
        )
        assert answer.outcome == "closed"


class TestQuestionnaireResumes:
    async def test_text_in_between_keeps_the_answers_and_offers_the_next_item(
        self, services: Services, clock: FakeClock
    ) -> None:
        participant, prompt = await open_prompt(services, clock, "questionnaire")
        assert await press_item(services, participant, prompt, 1, 0) == "recorded"
        assert await press_item(services, participant, prompt, 2, 1) == "recorded"
        recorded = await services.journal.record(participant, typed(1, "Need a moment."))
        assert recorded.prompt_id is None
        prompt = await prompt_now(services)
        assert prompt.status is PromptStatus.SENT
        again = recorded.still_open
        assert again is not None and "3 of 9" in again.text
        assert data(again) == [f"q:{prompt.id}:3:{v}" for v in range(4)]
        # a photo, a stale press of item 2, a press of a later item: nothing changes
        await services.journal.record(participant, photo(2))
        assert await press_item(services, participant, prompt, 2, 3) == "stale"
        assert await press_item(services, participant, prompt, 9, 0) == "stale"
        for item in range(3, 10):
            outcome = await press_item(services, participant, prompt, item, 0)
            assert outcome == ("done" if item == 9 else "recorded")

    async def test_item_9_is_asked_after_a_double_press_on_item_8(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        participant, prompt = await open_prompt(services, clock, "questionnaire")
        for item in range(1, 9):
            await press_item(services, participant, prompt, item, 0)
        assert await press_item(services, participant, prompt, 8, 0) == "stale"
        [item9] = [m for m in storage.queued("reply") if m.key == f"q:{prompt.id}:9"]
        assert "9 of 9" in item9.message.text
        assert await press_item(services, participant, prompt, 9, 2) == "done"
        assert [(f.tier, f.categories) for f in storage.tables.flags.values()] == [
            (Tier.HIGH, "suicidality")
        ]
        assert [m.chat_id for m in storage.queued("safety")] == [PARTICIPANT_ID]

    async def test_a_reminder_asks_the_current_item_not_the_first(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        participant, prompt = await open_prompt(services, clock, "questionnaire")
        for item in range(1, 5):
            await press_item(services, participant, prompt, item, 1)
        clock.advance(timedelta(hours=3))
        assert (await services.prompting.tick()).reminded == 1
        [reminder] = storage.queued("reminder")
        text = reminder.message.text
        assert text.startswith(services.ctx.catalogue.text("prompt.reminder_again", "en"))
        assert "5 of 9" in text and "1 of 9" not in text
        assert data(reminder.message) == [f"q:{prompt.id}:5:{v}" for v in range(4)]
        assert text.endswith(services.ctx.catalogue.text("prompt.crisis_line", "en"))

    async def test_a_reminder_before_any_answer_asks_the_first_item(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        _, prompt = await open_prompt(services, clock, "questionnaire")
        clock.advance(timedelta(hours=3))
        await services.prompting.tick()
        [reminder] = storage.queued("reminder")
        assert "PHQ-9: 9" in reminder.message.text and "1 of 9" in reminder.message.text
        assert data(reminder.message) == [f"q:{prompt.id}:1:{v}" for v in range(4)]

    async def test_coming_back_offers_the_current_item(
        self, services: Services, clock: FakeClock
    ) -> None:
        participant, prompt = await open_prompt(services, clock, "questionnaire")
        await press_item(services, participant, prompt, 1, 0)
        again = await services.prompting.open_question(participant)
        assert again is not None and "2 of 9" in again.text
        assert data(again) == [f"q:{prompt.id}:2:{v}" for v in range(4)]
        participant = await services.participation.pause(participant, None)
        assert await services.prompting.open_question(participant) is None

    async def test_a_press_while_paused_or_after_stop_records_nothing(
        self, services: Services, clock: FakeClock
    ) -> None:
        participant, prompt = await open_prompt(services, clock, "questionnaire")
        await press_item(services, participant, prompt, 1, 0)
        participant = await services.participation.pause(participant, None)
        assert await press_item(services, participant, prompt, 2, 0) == "paused"
        await services.participation.resume(participant)
        assert await press_item(services, participant, prompt, 2, 0) == "recorded"
        await services.participation.withdraw(participant)
        assert await press_item(services, participant, prompt, 3, 0) == "withdrawn"
        assert answers_of(await prompt_now(services)) == {"phq9_1": 0, "phq9_2": 0}


class TestCrisisLine:
    @pytest.mark.parametrize("language", ["en", "es", "fr", "de"])
    @pytest.mark.parametrize("kind", ["scale", "choice", "questionnaire", "text"])
    async def test_every_prompt_shows_how_to_reach_crisis(
        self,
        services: Services,
        storage: FakeStorage,
        clock: FakeClock,
        kind: str,
        language: str,
    ) -> None:
        await open_prompt(services, clock, kind, language)
        line = services.ctx.catalogue.text("prompt.crisis_line", language)
        assert "/crisis" in line
        [prompt] = storage.queued("prompt")
        assert prompt.message.text.endswith(line)
        clock.advance(timedelta(hours=3))
        await services.prompting.tick()
        [reminder] = storage.queued("reminder")
        assert reminder.message.text.endswith(line)

    async def test_a_one_off_prompt_shows_it_too(
        self, services: Services, storage: FakeStorage
    ) -> None:
        await clinic(services)
        await services.prompting.one_off(None, "P-0142", "How did the walk go?")
        [prompt] = storage.queued("prompt")
        assert prompt.message.text.startswith("How did the walk go?")
        assert prompt.message.text.endswith(services.ctx.catalogue.text("prompt.crisis_line", "en"))


@pytest.mark.parametrize(
    "key",
    [
        "prompt.crisis_line",
        "prompt.still_open",
        "prompt.reminder_again",
        "prompt.already",
        "prompt.paused",
        "prompt.after_stop",
        "questionnaire.resume",
    ],
)
def test_every_new_line_is_written_in_all_four_languages(key: str) -> None:
    from prompts.catalogue import default_catalogue

    cat = default_catalogue()
    texts = {lang: cat.text(key, lang) for lang in ("en", "es", "fr", "de")}
    assert all(key in cat.keys(lang) for lang in texts)
    assert len(set(texts.values())) == 4  # translated, not the English fallback
    if key in ("prompt.crisis_line", "prompt.after_stop"):
        assert all("/crisis" in t for t in texts.values())
