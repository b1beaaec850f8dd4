"""The figures' arithmetic: a prompt counts once its window has closed."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from bot.domain.people import PersonStatus, Role
from bot.domain.schedule import PromptStatus
from bot.domain.stats import PromptFact, acknowledgement, by_step, enrolled, invited, outcome

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def fact(status: PromptStatus, hours_left: float = 1, step: str | None = "day1") -> PromptFact:
    return PromptFact("p", step, status, NOW + timedelta(hours=hours_left))


def test_a_sent_prompt_past_its_window_is_missed_and_inside_it_open() -> None:
    assert outcome(fact(PromptStatus.SENT, hours_left=-1), NOW) == "missed"
    assert outcome(fact(PromptStatus.SENT, hours_left=0), NOW) == "missed"
    assert outcome(fact(PromptStatus.SENT, hours_left=1), NOW) == "open"
    assert outcome(fact(PromptStatus.ANSWERED), NOW) == "answered"
    assert outcome(fact(PromptStatus.MISSED), NOW) == "missed"
    for never_sent in (PromptStatus.PENDING, PromptStatus.SKIPPED, PromptStatus.CANCELLED):
        assert outcome(fact(never_sent), NOW) is None


def test_fourteen_sent_nine_answered_five_closed_unanswered_is_not_a_perfect_rate() -> None:
    facts = [fact(PromptStatus.ANSWERED)] * 9 + [fact(PromptStatus.SENT, -2)] * 5
    [step] = by_step(facts, NOW)
    assert (step.sent, step.answered, step.missed, step.open) == (14, 9, 5, 0)
    assert step.rate == 9 / 14


def test_nothing_closed_has_no_rate_and_one_offs_have_their_own_line() -> None:
    steps = by_step([fact(PromptStatus.SENT), fact(PromptStatus.ANSWERED, step=None)], NOW)
    assert [(s.protocol_id, s.step_id, s.rate) for s in steps] == [
        ("", "one-off", 1.0), ("p", "day1", None)]


def test_pending_invitations_are_not_enrolled() -> None:
    people = Counter({(Role.THERAPIST, PersonStatus.INVITED): 2,
                      (Role.THERAPIST, PersonStatus.ACTIVE): 1,
                      (Role.PARTICIPANT, PersonStatus.CONSENT_PENDING): 1,
                      (Role.PARTICIPANT, PersonStatus.ERASED): 1})
    assert (enrolled(people, Role.THERAPIST), invited(people, Role.THERAPIST)) == (1, 2)
    assert enrolled(people, Role.PARTICIPANT) == 1


def test_median_and_worst_time_to_acknowledge() -> None:
    ack = acknowledgement((4.0, 30.0, 95.0, 12.0))
    assert (ack.count, ack.median, ack.worst) == (4, 21.0, 95.0)
    assert acknowledgement(()).median is None
