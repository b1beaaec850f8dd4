"""The fault suite's workload and its reckoning.

A clinic of participants, each with a prompt falling due at one instant; while the prompts
go out, every participant writes one message (every few a crisis). Afterwards, whatever
went wrong on the way: every message is stored exactly once and every update handled;
every participant got their prompt and their answer (a thank-you, or the safety message),
and the therapist one alert per crisis; a message arrived twice only where the outbox
recorded its send as ambiguous (the answer lost after the request went out). The counts
are printed, one line per test.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clock import SystemClock
from bot.domain.outgoing import Outgoing
from bot.simulator import FakeTelegram
from prompts.catalogue import Catalogue, default_catalogue
from storage.crypto import Cipher
from storage.db import create_engine, session_factory
from storage.models import InboundUpdate, JournalMessage, OutboxMessage, Person
from storage.uow import Storage
from tests.support.population import Population, populate

PROMPT = "fan-out check-in"
ORDINARY = "A quiet afternoon; I walked by the river and cooked dinner ({n})."
CRISIS = "I've decided. I'm going to end my life tonight, I have the pills ready."
CRISIS_EVERY = 10  # every tenth participant writes a crisis


@contextlib.asynccontextmanager
async def storage_at(url: str, key: str) -> AsyncIterator[Storage]:
    """Ember's own storage on ``url``, to build the clinic and reckon up afterwards."""
    engine = create_engine(url)
    try:
        yield Storage(session_factory(engine), Cipher([key.encode()]))
    finally:
        await engine.dispose()


@dataclass
class Clinic:
    """The population and what its participants wrote."""

    population: Population
    written: dict[int, dict[str, Any]] = field(default_factory=dict)  # chat -> update sent
    crisis: set[int] = field(default_factory=set)  # chats that wrote a crisis

    @property
    def chats(self) -> list[int]:
        return self.population.participant_ids


async def clinic(
    storage: Storage, tg: FakeTelegram, participants: int, due_in: timedelta = timedelta(seconds=4)
) -> Clinic:
    """``participants`` consented participants of one therapist, a prompt due for each in
    ``due_in`` (from now), and their chats at the fake Telegram."""
    population = await populate(
        storage, participants=participants, now=SystemClock().now(), due_in=due_in
    )
    for chat in population.participant_ids:
        tg.user(chat)
    tg.user(population.therapist_chat)
    return Clinic(population)


async def write(tg: FakeTelegram, clinic: Clinic, *, seconds: float = 3.0) -> None:
    """Every participant writes one message, spread over ``seconds``."""
    pause = seconds / max(1, len(clinic.chats))
    for n, chat in enumerate(clinic.chats):
        crisis = n % CRISIS_EVERY == CRISIS_EVERY // 2
        clinic.written[chat] = tg.user(chat).send_text(CRISIS if crisis else ORDINARY.format(n=n))
        if crisis:
            clinic.crisis.add(chat)
        await asyncio.sleep(pause)


@dataclass
class Expected:
    """What each chat must have received, as tests on the texts sent."""

    catalogue: Catalogue

    def thanks(self, text: str) -> bool:
        return text == self.catalogue.text("journal.saved", "en")

    def safety(self, text: str) -> bool:
        first = self.catalogue.text("safety.crisis", "en", crisis="").splitlines()[0]
        return text.startswith(first)

    def alert_for(self, code: str) -> Callable[[str], bool]:
        head = self.catalogue.text("alert.header", "en", tier="CRISIS", code=code, flag=0)
        start = head.rsplit("#", 1)[0]
        return lambda text: text.startswith(start)


def delivered(tg: FakeTelegram, clinic: Clinic) -> bool:
    """Everything the workload must receive has arrived (each at least once)."""
    return not missing(tg, clinic)


def missing(tg: FakeTelegram, clinic: Clinic) -> list[str]:
    expected = Expected(default_catalogue())
    texts: dict[int, list[str]] = {}
    for m in tg.sent:
        texts.setdefault(m.chat_id, []).append(m.text or "")
    gaps = []
    for n, chat in enumerate(clinic.chats):
        got = texts.get(chat, [])
        if not any(PROMPT in t for t in got):
            gaps.append(f"prompt to {chat}")
        if chat in clinic.written:
            answer = expected.safety if chat in clinic.crisis else expected.thanks
            if not any(answer(t) for t in got):
                gaps.append(f"answer to {chat}")
        if chat in clinic.crisis:
            alert = expected.alert_for(f"P-{n:05d}")
            if not any(alert(t) for t in texts.get(clinic.population.therapist_chat, [])):
                gaps.append(f"alert about {chat}")
    return gaps


async def wait_for_everything(tg: FakeTelegram, clinic: Clinic, timeout: float) -> None:
    try:
        await tg.wait_until(lambda: delivered(tg, clinic), timeout=timeout)
    except TimeoutError:
        gaps = missing(tg, clinic)
        raise AssertionError(f"{len(gaps)} never delivered, e.g. {gaps[:5]}") from None


FIGURES = "fault figures"


@dataclass
class Figures:
    """The counts one fault test prints."""

    label: str
    participants: int = 0
    written: int = 0
    stored_once: int = 0
    handled: int = 0
    prompts: int = 0
    answers: int = 0
    alerts: int = 0
    duplicates: int = 0
    ambiguous: int = 0
    seconds: float = 0.0
    extra: dict[str, object] = field(default_factory=dict)

    def line(self) -> str:
        more = "".join(f", {k} {v}" for k, v in self.extra.items())
        return (
            f"[faults] {self.label}: {self.participants} participants, "
            f"{self.written} messages written, stored once {self.stored_once}, updates "
            f"handled {self.handled}; delivered: prompts {self.prompts}, answers "
            f"{self.answers}, alerts {self.alerts}; duplicates {self.duplicates} (outbox rows "
            f"recorded ambiguous {self.ambiguous}){more}; {self.seconds:.1f} s"
        )

    def show(self, request: pytest.FixtureRequest) -> None:
        """Record the line with the test's report: the run's summary prints every fault
        test's figures, whether the tests ran in one process or in several."""
        request.node.user_properties.append((FIGURES, self.line()))


async def reckon(storage: Storage, tg: FakeTelegram, clinic: Clinic, figures: Figures) -> None:
    """Check the promises (asserting) and fill in ``figures``."""
    expected = Expected(default_catalogue())
    async with storage.sessions() as session:
        stored = Counter(
            (user, message_id)
            for user, message_id in (
                await session.execute(
                    select(Person.telegram_user_id, JournalMessage.telegram_message_id).join(
                        Person, Person.id == JournalMessage.participant_id
                    )
                )
            ).all()
        )
        inbox = dict(
            (
                await session.execute(
                    select(InboundUpdate.status, func.count()).group_by(InboundUpdate.status)
                )
            ).all()
        )
        ambiguous_rows = (
            await session.execute(
                select(OutboxMessage.chat_id, OutboxMessage.payload_enc).where(
                    OutboxMessage.ambiguous.is_(True)
                )
            )
        ).all()
    ambiguous = {
        (chat, Outgoing.from_json(storage.cipher.open(payload)).text)
        for chat, payload in ambiguous_rows
    }
    written = {(chat, update["message"]["message_id"]) for chat, update in clinic.written.items()}
    # every message stored, exactly once; every update handled, none waiting or set aside
    assert set(stored) == written, "messages lost or foreign messages stored"
    assert all(n == 1 for n in stored.values()), "a message stored twice"
    assert set(inbox) <= {"processed"}, f"updates not handled: {inbox}"
    # everything delivered; twice only where the outbox says the send was ambiguous
    assert delivered(tg, clinic), missing(tg, clinic)[:5]
    sent = Counter((m.chat_id, m.text or "") for m in tg.sent)
    twice = {key: n for key, n in sent.items() if n > 1}
    assert set(twice) <= ambiguous, f"sent twice without an ambiguous send: {twice}"
    figures.participants = len(clinic.chats)
    figures.written = len(clinic.written)
    figures.stored_once = sum(1 for n in stored.values() if n == 1)
    figures.handled = int(inbox.get("processed", 0))
    figures.prompts = sum(n for (_, text), n in sent.items() if PROMPT in text)
    figures.answers = sum(
        n for (_, text), n in sent.items() if expected.thanks(text) or expected.safety(text)
    )
    figures.alerts = sum(
        n
        for (chat, text), n in sent.items()
        if chat == clinic.population.therapist_chat and "CRISIS alert" in text
    )
    figures.duplicates = sum(n - 1 for n in twice.values())
    figures.ambiguous = len(ambiguous_rows)


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.monotonic()

    def __call__(self) -> float:
        return time.monotonic() - self.started
