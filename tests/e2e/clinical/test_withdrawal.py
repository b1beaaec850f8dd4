"""Withdrawal keeps the duty of care; /delete follows the clinic's retention policy.

Over the fake Bot API with the real Application: after /stop (and after /delete) no prompt
arrives, what the participant writes is kept and screened, a crisis still gets the safety
message and reaches a human (escalating if nobody acknowledges), and they are told plainly
what happens to what they write; /delete tells the care team it is an erasure request; after
`ember erase` the last message reaches them and nothing of theirs is left.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import Ember, ember_app
from bot.clock import SystemClock
from bot.domain import timefmt
from bot.domain.people import Role
from bot.services import planning, sessions
from bot.simulator import FakeTelegram, SentMessage
from prompts.catalogue import MESSAGES, Catalogue, crisis_text, load_catalogue
from storage.models import (
    ErasureRequest,
    Escalation,
    Flag,
    JournalMessage,
    OutboxMessage,
    Person,
    ScheduledPrompt,
)
from tests.support.e2e import (
    PARTICIPANT_ID,
    THERAPIST_ID,
    enroll_pair,
    make_invitation,
    settings_for,
)

COORDINATOR_ID = 6001
GERMAN_ID = 8002
CRISIS = "I've saved up my pills and I'm going to take them all tonight when everyone's asleep."
ZONE = "Europe/Berlin"  # enroll_pair's participant: German crisis lines, English words

PROTOCOL = """
id: soon
name: Three prompts soon after dosing
version: 1
response_window: 2h
reminders: 2
steps:
  - {id: first, anchor: dosing, after: 10m, kind: text, text: {en: "First: how was it?"}}
  - {id: mood, anchor: dosing, after: 20m, kind: scale, text: {en: "Second: your mood?"},
     scale: {min_label: {en: low}, max_label: {en: good}}}
  - {id: later, anchor: dosing, after: 1d, kind: text, text: {en: "Third: a day later?"}}
"""


def crisis_header(catalogue: Catalogue) -> str:
    """The start of P-0142's crisis alert, whatever its flag number."""
    full = catalogue.text("alert.header", "en", tier="CRISIS", code="P-0142", flag=0)
    return full.rsplit("#", 1)[0]


class LeapingClock:
    """Real time that a test can move ahead: escalations and prompts hours away arrive in
    a moment, while everything else (a retry after Telegram's "slow down", say) still
    happens when it should, as it would not on a clock that stands still."""

    def __init__(self) -> None:
        self._ahead = timedelta(0)

    def now(self) -> datetime:
        return SystemClock().now() + self._ahead

    def advance(self, delta: timedelta) -> datetime:
        self._ahead += delta
        return self.now()


@pytest.fixture
def clock() -> LeapingClock:
    return LeapingClock()


@pytest.fixture
async def ember(
    tg: FakeTelegram, e2e_db: str, key: str, clock: LeapingClock
) -> AsyncIterator[Ember]:
    async with ember_app(settings_for(tg, e2e_db, key), clock=clock, tick_seconds=0.2) as app:
        yield app


def is_(expected: str) -> Callable[[SentMessage], bool]:
    return lambda m: m.text == expected


async def care_team(ember: Ember, tg: FakeTelegram) -> None:
    """T-01 with their consenting participant P-0142, and a coordinator C-01."""
    await enroll_pair(ember, tg)
    code = await make_invitation(ember, Role.COORDINATOR, "C-01")
    tg.user(COORDINATOR_ID, "Kim").send_command("/start", code)
    await tg.user(COORDINATOR_ID).wait_for_message()


async def stop(
    ember: Ember, tg: FakeTelegram, user_id: int = PARTICIPANT_ID, lang: str = "en"
) -> None:
    user, cat = tg.user(user_id), ember.catalogue
    user.send_command("/stop")
    confirm = await user.wait_for_message(is_(cat.text("stop.confirm", lang)))
    user.press(confirm, text=cat.text("stop.confirm_yes", lang))
    await user.wait_for_message(is_(cat.text("stop.done", lang)))


async def ask_erasure(
    ember: Ember, tg: FakeTelegram, confirm_key: str = "delete.confirm"
) -> SentMessage:
    alex, cat = tg.user(PARTICIPANT_ID), ember.catalogue
    alex.send_command("/delete")
    confirm = await alex.wait_for_message(is_(cat.text(confirm_key, "en")))
    alex.press(confirm, text=cat.text("delete.confirm_yes", "en"))
    return confirm


def safety_lines(ember: Ember, lang: str = "en") -> str:
    return crisis_text(ember.catalogue, lang, None, ZONE, header=False)


async def count(ember: Ember, model: type, *where: object) -> int:
    async with ember.storage.sessions() as session:
        stmt = select(func.count()).select_from(model).where(*where)  # type: ignore[arg-type]
        return int(await session.scalar(stmt) or 0)


async def participant_row(ember: Ember, code: str = "P-0142") -> Person:
    async with ember.storage.sessions() as session:
        return (await session.scalars(select(Person).where(Person.code == code))).one()


class TestAfterStop:
    async def test_a_crisis_gets_the_safety_message_and_reaches_a_human_until_acknowledged(
        self, ember: Ember, tg: FakeTelegram, clock: LeapingClock
    ) -> None:
        await care_team(ember, tg)
        await stop(ember, tg)
        alex, therapist = tg.user(PARTICIPANT_ID), tg.user(THERAPIST_ID)
        coordinator, cat = tg.user(COORDINATOR_ID), ember.catalogue
        await therapist.wait_for_message(is_(cat.text("notice.withdrawn", "en", code="P-0142")))

        alex.send_text(CRISIS)
        await alex.wait_for_message(
            is_(cat.text("safety.crisis", "en", crisis=safety_lines(ember)))
        )
        header = crisis_header(cat)
        alert = await therapist.wait_for_message(lambda m: (m.text or "").startswith(header))
        assert "pills" in (alert.text or "")  # the evidence, as for anyone taking part

        clock.advance(timedelta(minutes=16))  # nobody acknowledged: the chain goes on
        escalated = cat.text("alert.escalated", "en", round=1, minutes=16, therapist="T-01")
        called = await coordinator.wait_for_message(
            lambda m: (m.text or "").startswith(header) and escalated in (m.text or "")
        )
        coordinator.press(called, text=cat.text("alert.ack_button", "en"))
        await coordinator.wait_for_message(lambda m: "acknowledged" in (m.text or ""))
        clock.advance(timedelta(minutes=40))
        await asyncio.sleep(0.8)
        assert await count(ember, Escalation) == 1  # acknowledged: no second round

    async def test_no_prompt_or_reminder_arrives_even_when_due(
        self, ember: Ember, tg: FakeTelegram, clock: LeapingClock
    ) -> None:
        await care_team(ember, tg)
        now = clock.now()
        async with ember.storage.uow() as uow:
            await planning.load_protocol(uow, now=now, source=PROTOCOL, source_name="soon")
            alex_row = await uow.people.by_code("P-0142")
            assert alex_row is not None
            await planning.assign_protocol(uow, now=now, participant=alex_row, protocol_id="soon")
            await sessions.add_session(
                uow, now=now, participant=alex_row, kind="dosing", starts_at=now
            )
            await uow.commit()
        await stop(ember, tg)
        await ember.services.prompting.one_off(None, "P-0142", "Is the week going well?")
        for _ in range(4):  # past every prompt's time and every reminder's
            clock.advance(timedelta(hours=7))
            await asyncio.sleep(0.5)
        alex = tg.user(PARTICIPANT_ID)
        asked = [t for t in alex.texts if t.startswith(("First:", "Second:", "Third:", "Is the"))]
        assert asked == []
        assert ember.catalogue.text("prompt.reminder", "en") not in alex.texts
        async with ember.storage.sessions() as session:
            statuses = set((await session.scalars(select(ScheduledPrompt.status))).all())
        assert statuses == {"cancelled"}
        assert await count(ember, Flag) == 0  # cancelled is not missed: no silence flag

    async def test_what_they_write_is_kept_and_they_are_told_so_in_their_language(
        self, ember: Ember, tg: FakeTelegram
    ) -> None:
        await care_team(ember, tg)
        cat = ember.catalogue
        code = await make_invitation(ember, Role.PARTICIPANT, "P-0200", therapist="T-01", lang="de")
        lena = tg.user(GERMAN_ID, "Lena", language_code="de")
        lena.send_command("/start", code)
        consent = await lena.wait_for_message()
        lena.press(consent, text=cat.text("consent.agree", "de"))
        await lena.wait_for_message(is_(cat.text("consent.agreed", "de")))
        await stop(ember, tg, GERMAN_ID, "de")

        lena.send_text("Die Woche war ruhig, ich gehe viel spazieren.")
        await lena.wait_for_message(is_(cat.text("journal.after_stop", "de")))
        english = cat.text("journal.after_stop", "en")
        assert "/delete" in english and "care team" in english and "still kept" in english
        assert await count(ember, JournalMessage) == 1  # kept, and read by their team
        therapist = tg.user(THERAPIST_ID)
        therapist.send_command("/journal", "P-0200")
        await therapist.wait_for_message(lambda m: "spazieren" in (m.text or ""))

    async def test_a_new_consent_text_does_not_silence_someone_who_withdrew(
        self, tg: FakeTelegram, e2e_db: str, key: str, clock: LeapingClock, tmp_path: Path
    ) -> None:
        """They agreed once and withdrew; they cannot agree again (consent buttons do
        nothing after /stop), so the consent they gave stands and a crisis still counts."""
        settings = settings_for(tg, e2e_db, key)
        async with ember_app(settings, clock=clock, tick_seconds=0.2) as first:
            await care_team(first, tg)
            await stop(first, tg)
            await asyncio.sleep(1.1)  # one message a second per chat: a restart paces afresh
        renewed = consent_renewed(tmp_path)
        async with ember_app(settings, clock=clock, catalogue=renewed, tick_seconds=0.2) as second:
            alex, therapist = tg.user(PARTICIPANT_ID), tg.user(THERAPIST_ID)
            alex.send_text(CRISIS)
            await alex.wait_for_message(
                is_(renewed.text("safety.crisis", "en", crisis=safety_lines(second)))
            )
            header = crisis_header(renewed)
            await therapist.wait_for_message(lambda m: (m.text or "").startswith(header))
            alex.send_text("sorry, I'm ok now")
            await alex.wait_for_message(is_(renewed.text("journal.after_stop", "en")))
            assert renewed.text("consent.needed", "en") not in alex.texts


class TestDelete:
    async def test_the_care_team_hears_of_an_erasure_request_and_the_participant_what_next(
        self, ember: Ember, tg: FakeTelegram
    ) -> None:
        await care_team(ember, tg)
        alex, therapist = tg.user(PARTICIPANT_ID), tg.user(THERAPIST_ID)
        coordinator, cat = tg.user(COORDINATOR_ID), ember.catalogue
        await ask_erasure(ember, tg)
        await alex.wait_for_message(is_(cat.text("delete.requested", "en")))
        await therapist.wait_for_message(
            is_(cat.text("notice.erasure_requested", "en", code="P-0142"))
        )
        told = await coordinator.wait_for_message(
            is_(cat.text("notice.erasure_requested_coordinator", "en", code="P-0142"))
        )
        assert "ember erase P-0142" in (told.text or "")
        await asyncio.sleep(0.3)
        for user in (therapist, coordinator):  # an erasure request, never "a /stop"
            assert not any("(/stop)" in t or "withdrawn" in t for t in user.texts)
        row = await participant_row(ember)
        assert row.status == "withdrawn"
        async with ember.storage.sessions() as session:
            request = (await session.scalars(select(ErasureRequest))).one()
        assert request.status == "open" and request.requested_by == "participant"

        alex.send_text("Still thinking about the session.")
        await alex.wait_for_message(is_(cat.text("journal.after_delete", "en")))
        alex.send_text(CRISIS)
        await alex.wait_for_message(
            is_(cat.text("safety.crisis", "en", crisis=safety_lines(ember)))
        )
        header = crisis_header(cat)
        await therapist.wait_for_message(lambda m: (m.text or "").startswith(header))

        alex.send_command("/delete")  # asking again changes nothing and says so
        confirm = await alex.wait_for_message(is_(cat.text("delete.confirm", "en")))
        alex.press(confirm, text=cat.text("delete.confirm_yes", "en"))
        await alex.wait_for_message(is_(cat.text("delete.already", "en")))
        assert await count(ember, ErasureRequest) == 1

    async def test_when_records_must_be_kept_they_are_told_until_when(
        self, tg: FakeTelegram, e2e_db: str, key: str, clock: LeapingClock
    ) -> None:
        settings = settings_for(tg, e2e_db, key, retention_policy="keep:10y")
        async with ember_app(settings, clock=clock, tick_seconds=0.2) as ember:
            await care_team(ember, tg)
            cat = ember.catalogue
            await ask_erasure(ember, tg, "delete.confirm_kept")
            answer = await tg.user(PARTICIPANT_ID).wait_for_message(
                lambda m: (m.text or "").startswith("Your request is recorded")
            )
            async with ember.storage.sessions() as session:
                request = (await session.scalars(select(ErasureRequest))).one()
            assert request.policy == "keep:10y" and request.keep_until is not None
            kept = request.keep_until
            assert kept == request.requested_at.replace(year=request.requested_at.year + 10)
            local = timefmt.day(kept, ZONE, "en")
            assert answer.text == cat.text("delete.requested_kept", "en", until=local)
            await tg.user(COORDINATOR_ID).wait_for_message(
                is_(
                    cat.text(
                        "notice.erasure_kept_coordinator",
                        "en",
                        code="P-0142",
                        until=timefmt.day(kept, "Europe/Berlin", "en"),
                    )
                )
            )
            with pytest.raises(Exception, match="retention policy keeps P-0142's records"):
                await ember.services.erasure.erase("P-0142")


class TestErase:
    async def test_the_last_message_reaches_them_and_nothing_of_theirs_is_left(
        self, ember: Ember, tg: FakeTelegram
    ) -> None:
        await care_team(ember, tg)
        alex, therapist = tg.user(PARTICIPANT_ID), tg.user(THERAPIST_ID)
        coordinator, cat = tg.user(COORDINATOR_ID), ember.catalogue
        alex.send_text("The lighthouse dream came back.")
        await alex.wait_for_message(is_(cat.text("journal.saved", "en")))
        alex.send_text(CRISIS)
        header = crisis_header(cat)
        await therapist.wait_for_message(lambda m: (m.text or "").startswith(header))
        confirm = await ask_erasure(ember, tg)
        await alex.wait_for_message(is_(cat.text("delete.requested", "en")))
        assert await count(ember, JournalMessage) == 2 and await count(ember, Flag) == 1

        done = await ember.services.erasure.erase("P-0142", by="C-01")  # `ember erase`
        assert not done.already and done.counts.messages == 2 and done.counts.flags == 1
        await alex.wait_for_message(
            is_(cat.text("delete.erased", "en", crisis=safety_lines(ember)))
        )
        erased = cat.text("notice.erased", "en", code="P-0142", by="C-01")
        await therapist.wait_for_message(is_(erased))
        await coordinator.wait_for_message(is_(erased))
        # once delivered, not even the chat id of their last message is kept
        for _ in range(50):
            if await count(ember, OutboxMessage, OutboxMessage.chat_id == PARTICIPANT_ID) == 0:
                break
            await asyncio.sleep(0.1)
        assert await count(ember, OutboxMessage, OutboxMessage.chat_id == PARTICIPANT_ID) == 0
        assert await count(ember, JournalMessage) == 0 and await count(ember, Flag) == 0
        row = await participant_row(ember)
        assert (row.status, row.telegram_user_id, row.chat_id) == ("erased", None, None)

        # from now on they are a stranger: one polite line, nothing kept
        alex.send_text("hello?")
        await alex.wait_for_message(is_(cat.text("stranger", "en")))
        pressed = alex.press(confirm, "delete:yes", forge=True)
        await tg.wait_until(lambda: tg.callback(pressed).answered)
        assert await count(ember, JournalMessage) == 0
        assert await count(ember, ErasureRequest) == 1
        therapist.send_command("/flags")
        await therapist.wait_for_message(is_(cat.text("alert.flags_none", "en")))
        therapist.send_command("/journal", "P-0142")
        await therapist.wait_for_message(is_(cat.text("staff.no_participant", "en", code="P-0142")))
        assert (await ember.services.erasure.erase("P-0142")).already


def consent_renewed(folder: Path) -> Catalogue:
    """The shipped catalogue with a new consent version (as when the consent text changes)."""
    copy = folder / "messages"
    shutil.copytree(MESSAGES, copy)
    english = copy / "en.yaml"
    text = english.read_text(encoding="utf-8")
    current = load_catalogue().text("consent.version")
    english.write_text(
        text.replace(f'version: "{current}"', 'version: "2099-01"'), encoding="utf-8"
    )
    renewed = load_catalogue(copy)
    assert renewed.text("consent.version") == "2099-01"
    return renewed
