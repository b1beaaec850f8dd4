"""A message (or a button press) is stored, screened, flagged and answered in one
transaction: when the database is lost at the moment of keeping it, nothing is kept, and the
update tried again does all of it once; tried again after it was kept, it adds nothing. On
the in-memory unit of work, whose commit can be made to fail."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot.clock import FakeClock
from bot.domain.outgoing import Outgoing
from bot.services.api import Services
from bot.services.context import ServiceContext
from bot.services.inbound import InboundMessage
from bot.services.journal import JournalRecorded
from prompts.catalogue import default_catalogue
from tests.support.builders import PARTICIPANT_ID, clinic, sender
from tests.support.fake_uow import FakeStorage, FakeUnitOfWork
from tests.unit.services.test_button_prompts import open_prompt

CRISIS = "I have the pills here and I will take them all tonight to end my life."
THANKS = Outgoing("thank you")


class LosingUnitOfWork(FakeUnitOfWork):
    def __init__(self, storage: LosingStorage) -> None:
        super().__init__(storage)
        self._losing = storage

    async def commit(self) -> None:
        if self._losing.lose_next:
            self._losing.lose_next -= 1
            raise ConnectionResetError("the database connection was lost")
        await super().commit()


class LosingStorage(FakeStorage):
    """Commits fail ``lose_next`` times, as when the connection is terminated mid-way."""

    def __init__(self) -> None:
        super().__init__()
        self.lose_next = 0

    def uow(self) -> LosingUnitOfWork:
        return LosingUnitOfWork(self)


@pytest.fixture
def storage() -> LosingStorage:
    return LosingStorage()


@pytest.fixture
def services(storage: LosingStorage, clock: FakeClock) -> Services:
    return Services(ServiceContext(storage=storage, clock=clock, catalogue=default_catalogue()))


def text(n: int, body: str) -> InboundMessage:
    return InboundMessage(sender(PARTICIPANT_ID, 900 + n), n, "text", body)


class Answers:
    """The handler's side: what it would say, and how often it was asked."""

    def __init__(self, *messages: Outgoing) -> None:
        self.messages = messages
        self.asked = 0

    def __call__(self, recorded: JournalRecorded) -> Sequence[Outgoing]:
        self.asked += 1
        return [] if recorded.tier else self.messages


async def test_a_message_lost_with_the_connection_is_kept_and_answered_once_when_retried(
    services: Services, storage: LosingStorage
) -> None:
    _, participant = await clinic(services)
    answers = Answers(THANKS)
    storage.lose_next = 1
    with pytest.raises(ConnectionResetError):
        await services.journal.record(participant, text(10, "A calm walk."), answer=answers)
    assert storage.tables.messages == {} and storage.queued("reply") == []

    recorded = await services.journal.record(participant, text(10, "A calm walk."), answer=answers)
    again = await services.journal.record(participant, text(10, "A calm walk."), answer=answers)
    assert recorded.created and not again.created
    assert [r.key for r in storage.queued("reply")] == ["reply:910:0"]
    assert answers.asked == 2  # the lost attempt and the one kept; never for the replay


async def test_a_crisis_lost_with_the_connection_is_flagged_alerted_and_answered_once(
    services: Services, storage: LosingStorage
) -> None:
    _, participant = await clinic(services)
    storage.lose_next = 1
    with pytest.raises(ConnectionResetError):
        await services.journal.record(participant, text(11, CRISIS), answer=Answers(THANKS))
    assert storage.tables.flags == {} and storage.queued("alert") == []
    for _ in range(2):  # tried again, then handed over once more by Telegram
        await services.journal.record(participant, text(11, CRISIS), answer=Answers(THANKS))
    assert len(storage.tables.flags) == 1
    assert len(storage.queued("alert")) == 1 and len(storage.queued("safety")) == 1
    assert storage.queued("reply") == []  # the safety message speaks, alone


async def test_a_button_answer_and_its_confirmation_are_kept_together(
    services: Services, storage: LosingStorage, clock: FakeClock
) -> None:
    participant, prompt = await open_prompt(services, clock, "scale")
    confirmed: list[tuple[str, str]] = []

    def confirm(kind: str, label: str) -> list[Outgoing]:
        confirmed.append((kind, label))
        return [Outgoing(f"noted: {label}")]

    press = sender(PARTICIPANT_ID, 77)
    storage.lose_next = 1
    with pytest.raises(ConnectionResetError):
        await services.prompting.answer_button(
            participant, press, prompt.id, "7", None, confirm=confirm
        )
    assert storage.queued("reply") == []
    first = await services.prompting.answer_button(
        participant, press, prompt.id, "7", None, confirm=confirm
    )
    replay = await services.prompting.answer_button(
        participant, press, prompt.id, "7", None, confirm=confirm
    )
    assert (first.outcome, replay.outcome) == ("recorded", "answered")
    assert [(r.key, r.message.text) for r in storage.queued("reply")] == [
        ("reply:77:0", "noted: 7")
    ]
    assert confirmed == [("scale", "7"), ("scale", "7")]
