"""Use cases on real databases with a fake clock: downtime, signals, quiet hours, blocking."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.delivery.retry import DeliveryError, DeliveryErrorKind
from bot.domain import Tier
from bot.domain.outgoing import Outgoing
from bot.domain.records import ClaimedMessage
from bot.services import planning, sessions, staffing
from bot.services.api import Services
from bot.services.context import ServiceContext
from bot.services.inbound import InboundMessage, Sender
from prompts.catalogue import default_catalogue
from storage.models import (
    Alert,
    Flag,
    JournalMessage,
    OutboxMessage,
    Person,
    ScheduledPrompt,
)
from storage.uow import Storage
from tests.support.builders import DAILY, daily_protocol
from tests.support.population import populate_caseloads


@pytest.fixture
def services(storage: Storage, clock: FakeClock) -> Services:
    return Services(ServiceContext(storage=storage, clock=clock, catalogue=default_catalogue()))


async def participant_on(services: Services, clock: FakeClock, source: str) -> Person:
    pairs = await populate_caseloads(
        services.ctx.storage, therapists=1, participants=1, now=clock.now()
    )
    async with services.ctx.uow() as uow:
        await planning.load_protocol(uow, now=clock.now(), source=source, source_name="t")
        person = await uow.people.by_telegram_id(next(iter(pairs)))
        assert person is not None
        await planning.assign_protocol(
            uow, now=clock.now(), participant=person, protocol_id="daily"
        )
        await sessions.add_session(
            uow, now=clock.now(), participant=person, kind="dosing", starts_at=clock.now()
        )
        await uow.commit()
        return person


async def rows(services: Services, model: type) -> list:  # type: ignore[type-arg]
    async with services.ctx.storage.sessions() as session:
        return list((await session.scalars(select(model))).all())


class TestDowntime:
    async def test_prompts_due_while_down_are_sent_if_open_else_missed(
        self, services: Services, clock: FakeClock
    ) -> None:
        await participant_on(services, clock, daily_protocol(3))
        # down for 2 days and 3 hours: day 1's window (6 h) is over, day 2's is still open
        clock.advance(timedelta(days=2, hours=3))
        result = await services.prompting.tick()
        assert (result.sent, result.missed) == (1, 1)
        prompts = {p.step_id: p.status for p in await rows(services, ScheduledPrompt)}
        assert prompts == {"d1": "missed", "d2": "sent", "d3": "pending"}
        day2 = next(p for p in await rows(services, ScheduledPrompt) if p.step_id == "d2")
        keys = [r.idempotency_key for r in await rows(services, OutboxMessage)]
        assert keys == [f"prompt:{day2.id}"]
        # a second tick sends nothing more
        assert (await services.prompting.tick()).sent == 0


class TestSignals:
    async def test_several_missed_prompts_raise_a_low_flag(
        self, services: Services, clock: FakeClock
    ) -> None:
        await participant_on(services, clock, daily_protocol(4))
        for _ in range(4):
            clock.advance(timedelta(days=1))
            await services.prompting.tick()
            clock.advance(timedelta(hours=7))
            await services.prompting.tick()
        flags = await rows(services, Flag)
        assert [(f.tier, f.source_kind) for f in flags] == [(Tier.LOW, "silence")]
        assert await rows(services, Alert) == []  # low: digest only

    async def test_a_very_low_mood_alerts_respecting_quiet_hours(
        self, services: Services, clock: FakeClock
    ) -> None:
        clock.set(datetime(2026, 3, 2, 20, 30, tzinfo=UTC))  # 21:30 in Berlin
        person = await participant_on(services, clock, daily_protocol(1))
        async with services.ctx.uow() as uow:
            await staffing.set_therapist(
                uow, now=clock.now(), code="T-000", quiet="21:00-07:00", tz="Europe/Berlin"
            )
            await uow.commit()
        clock.advance(timedelta(days=1))
        await services.prompting.tick()
        prompt = (await rows(services, ScheduledPrompt))[0]
        assert person.chat_id is not None
        answer = await services.prompting.answer_button(
            person, Sender(1, person.chat_id, person.chat_id), prompt.id, "1", None
        )
        assert answer.outcome == "recorded"
        flag = (await rows(services, Flag))[0]
        assert (flag.tier, flag.source_kind) == (Tier.MODERATE, "scale")
        alert_row = next(r for r in await rows(services, OutboxMessage) if r.kind == "alert")
        # 21:30 Berlin is quiet: the alert waits for 07:00 local (06:00 UTC)
        assert alert_row.not_before == datetime(2026, 3, 4, 6, 0, tzinfo=UTC)
        assert not any(r.kind == "safety" for r in await rows(services, OutboxMessage))

    async def test_phq9_item_9_above_zero_is_high(
        self, services: Services, clock: FakeClock
    ) -> None:
        source = DAILY.format(
            steps="  - id: phq\n    anchor: dosing\n    after: 1h\n"
            "    kind: questionnaire\n    questionnaire: phq9\n"
            '    text: {en: "Standard questions"}\n'
        )
        person = await participant_on(services, clock, source)
        clock.advance(timedelta(hours=1))
        await services.prompting.tick()
        prompt = (await rows(services, ScheduledPrompt))[0]
        assert person.chat_id is not None
        for item in range(1, 10):
            value = 1 if item == 9 else 0
            step = await services.questionnaires.answer(
                person, Sender(100 + item, person.chat_id, person.chat_id), prompt.id, item, value
            )
            assert step.outcome in ("recorded", "done")
        flags = await rows(services, Flag)
        assert [(f.tier, f.categories) for f in flags] == [(Tier.HIGH, "suicidality")]
        kinds = {r.kind for r in await rows(services, OutboxMessage)}
        assert {"safety", "alert"} <= kinds


class TestButtonsAnsweredOnce:
    """Two presses of one button handled at the same moment (a double tap reaching two
    instances): the prompt row is held by the first, so the second finds it answered."""

    async def test_a_double_press_on_a_scale_records_one_answer(
        self, services: Services, clock: FakeClock
    ) -> None:
        import asyncio

        person = await participant_on(services, clock, daily_protocol(1))
        clock.advance(timedelta(days=1))
        await services.prompting.tick()
        prompt = (await rows(services, ScheduledPrompt))[0]
        assert person.chat_id is not None
        presses = [
            services.prompting.answer_button(
                person, Sender(n, person.chat_id, person.chat_id), prompt.id, "1", None
            )
            for n in (201, 202)
        ]
        outcomes = sorted(a.outcome for a in await asyncio.gather(*presses))
        assert outcomes == ["answered", "recorded"]
        assert len(await rows(services, JournalMessage)) == 1
        assert len(await rows(services, Flag)) == 1

    async def test_a_double_press_on_a_questionnaire_item_never_skips_the_next(
        self, services: Services, clock: FakeClock
    ) -> None:
        import asyncio

        source = DAILY.format(
            steps="  - id: phq\n    anchor: dosing\n    after: 1h\n"
            "    kind: questionnaire\n    questionnaire: phq9\n"
            '    text: {en: "Standard questions"}\n'
        )
        person = await participant_on(services, clock, source)
        clock.advance(timedelta(hours=1))
        await services.prompting.tick()
        prompt = (await rows(services, ScheduledPrompt))[0]
        assert person.chat_id is not None
        presses = [
            services.questionnaires.answer(
                person, Sender(n, person.chat_id, person.chat_id), prompt.id, 1, value
            )
            for n, value in ((301, 0), (302, 3))
        ]
        outcomes = sorted(s.outcome for s in await asyncio.gather(*presses))
        assert outcomes == ["recorded", "stale"]
        prompt = (await rows(services, ScheduledPrompt))[0]
        assert list(json.loads(prompt.state)["answers"]) == ["phq9_1"]
        keys = [r.idempotency_key for r in await rows(services, OutboxMessage)]
        assert f"q:{prompt.id}:2" in keys


class TestTextBesideAButtonPrompt:
    async def test_the_reply_goes_to_the_open_text_prompt_and_the_scale_stays_open(
        self, services: Services, clock: FakeClock
    ) -> None:
        source = DAILY.format(
            steps="  - id: story\n    anchor: dosing\n    after: 1h\n    kind: text\n"
            '    text: {en: "How was it?"}\n'
            "  - id: mood\n    anchor: dosing\n    after: 2h\n    kind: scale\n"
            '    text: {en: "Your mood?"}\n'
        )
        person = await participant_on(services, clock, source)
        clock.advance(timedelta(hours=1))
        await services.prompting.tick()
        clock.advance(timedelta(hours=1))
        await services.prompting.tick()
        assert person.chat_id is not None
        sender = Sender(400, person.chat_id, person.chat_id)
        recorded = await services.journal.record(
            person, InboundMessage(sender, 40, "text", "Long, and I felt held.")
        )
        statuses = {p.step_id: p.status for p in await rows(services, ScheduledPrompt)}
        assert statuses == {"story": "answered", "mood": "sent"}
        assert recorded.still_open is not None and "Your mood?" in recorded.still_open.text
        typed = await services.journal.record(
            person, InboundMessage(Sender(401, person.chat_id, person.chat_id), 41, "text", "8")
        )
        assert typed.scale_answer == "8"
        statuses = {p.step_id: p.status for p in await rows(services, ScheduledPrompt)}
        assert statuses == {"story": "answered", "mood": "answered"}


class TestBlocked:
    async def test_a_blocked_bot_marks_the_participant_and_tells_the_therapist(
        self, services: Services, clock: FakeClock
    ) -> None:
        person = await participant_on(services, clock, daily_protocol(1))
        assert person.chat_id is not None
        failed = ClaimedMessage(
            1, "prompt:1", person.chat_id, person.id, "prompt", 0, 1, False, Outgoing("x")
        )
        await services.participation.delivery_failed(
            failed, DeliveryError(DeliveryErrorKind.BLOCKED)
        )
        async with services.ctx.uow() as uow:
            again = await uow.people.by_id(person.id)
        assert again is not None and again.status == "unreachable"
        notices = [r for r in await rows(services, OutboxMessage) if r.kind == "notice"]
        assert len(notices) == 1
        text = services.ctx.storage.cipher.open(notices[0].payload_enc)
        assert person.code in text and "blocked" in text


class TestSeveralInstances:
    async def test_concurrent_ticks_and_claims_never_double_up(
        self, services: Services, clock: FakeClock, storage: Storage
    ) -> None:
        import asyncio


        pairs = await populate_caseloads(storage, therapists=2, participants=30, now=clock.now())
        async with services.ctx.uow() as uow:
            await planning.load_protocol(
                uow, now=clock.now(), source=daily_protocol(1), source_name="t"
            )
            for tid in pairs:
                person = await uow.people.by_telegram_id(tid)
                assert person is not None
                await planning.assign_protocol(
                    uow, now=clock.now(), participant=person, protocol_id="daily"
                )
                await sessions.add_session(
                    uow, now=clock.now(), participant=person, kind="dosing", starts_at=clock.now()
                )
            await uow.commit()
        clock.advance(timedelta(days=1))
        # two instances tick at the same moment
        first, second = await asyncio.gather(services.prompting.tick(), services.prompting.tick())
        assert first.sent + second.sent == 30

        # and two dispatchers claim at the same moment
        async def claim(worker: str) -> list[str]:
            async with storage.uow() as uow:
                claimed = await uow.outbox.claim(worker=worker, now=clock.now(), limit=20)
                await uow.commit()
            return [c.key for c in claimed]

        a, b = await asyncio.gather(claim("a"), claim("b"))
        assert not set(a) & set(b)
        assert len(a) + len(b) == 30


class TestLanguages:
    @pytest.mark.parametrize(
        "text",
        [
            "Ich will nicht mehr leben, heute Nacht nehme ich alle Tabletten.",
            "Esta noche me voy a quitar la vida, ya tengo las pastillas.",
        ],
    )
    def test_a_crisis_in_another_language_than_enrolled_is_still_caught(
        self, services: Services, text: str
    ) -> None:
        verdict = services.ctx.screen(text, "en")
        assert verdict.tier >= Tier.HIGH

    def test_other_languages_do_not_add_low_tier_noise(self, services: Services) -> None:
        verdict = services.ctx.screen("We watched a film about grief and hope.", "en")
        assert verdict.tier <= Tier.LOW
