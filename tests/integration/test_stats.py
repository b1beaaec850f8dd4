"""`/stats` and `ember stats` on real databases: every figure against rows made here by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import FakeClock
from bot.domain import Tier
from bot.domain.people import Person as PersonValue
from bot.domain.people import PersonStatus, Role
from bot.domain.stats import acknowledgement, by_step, enrolled, invited, total
from bot.services.api import Services
from bot.services.context import ServiceContext
from prompts.catalogue import default_catalogue
from storage.models import Alert, Flag, Person, ScheduledPrompt
from storage.uow import Storage

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def person(pid: int, role: Role, code: str, status: PersonStatus, therapist: int | None = None,
           telegram: int | None = None) -> Person:
    return Person(id=pid, role=role, code=code, telegram_user_id=telegram, chat_id=telegram,
                  timezone="UTC", language="en", status=status, therapist_id=therapist,
                  created_at=NOW - timedelta(days=60))


def prompt(pid: int, participant: int, step: str | None, status: str, *, sent_days_ago: float,
           window_h: float = 24) -> ScheduledPrompt:
    sent = NOW - timedelta(days=sent_days_ago)
    return ScheduledPrompt(
        id=pid, participant_id=participant, key=f"p:{step}@{pid}" if step else f"oneoff:{pid}",
        protocol_id="p" if step else None, step_id=step, kind="text", due_at=sent,
        expires_at=sent + timedelta(hours=window_h), status=status, sent_at=sent,
        created_at=sent - timedelta(days=1),
        answered_at=sent + timedelta(hours=1) if status == "answered" else None)


def flag(fid: int, participant: int, tier: Tier, *, raised_days_ago: float,
         ack_minutes: float | None) -> Flag:
    raised = NOW - timedelta(days=raised_days_ago)
    return Flag(id=fid, participant_id=participant, source_kind="journal", source_id=None,
                tier=tier, categories="x", status="open" if ack_minutes is None else "acknowledged",
                created_at=raised,
                acknowledged_at=None if ack_minutes is None else raised + timedelta(
                    minutes=ack_minutes))


async def clinic(storage: Storage) -> None:
    """Two therapists' caseloads, a therapist and a participant only invited, and what
    happened to their prompts and flags."""
    P = Role.PARTICIPANT
    rows: list[object] = [
        person(1, Role.COORDINATOR, "C-01", PersonStatus.ACTIVE, telegram=101),
        person(2, Role.THERAPIST, "T-01", PersonStatus.ACTIVE, telegram=102),
        person(3, Role.THERAPIST, "T-02", PersonStatus.ACTIVE, telegram=103),
        person(4, Role.THERAPIST, "T-03", PersonStatus.INVITED),  # a pending invitation
        person(10, P, "P-10", PersonStatus.ACTIVE, 2, 110),
        person(11, P, "P-11", PersonStatus.PAUSED, 2, 111),
        person(12, P, "P-12", PersonStatus.INVITED, 2),
        person(13, P, "P-13", PersonStatus.CONSENT_PENDING, 2, 113),
        person(20, P, "P-20", PersonStatus.ACTIVE, 3, 120),
        person(21, P, "P-21", PersonStatus.WITHDRAWN, 3, 121),
    ]
    rows += [
        # T-01's: day1 answered twice, missed once, and once sent with its window over
        # (not yet swept: missed all the same); day2 answered once, open once
        prompt(1, 10, "day1", "answered", sent_days_ago=5),
        prompt(2, 11, "day1", "answered", sent_days_ago=5),
        prompt(3, 13, "day1", "missed", sent_days_ago=5),
        prompt(4, 10, "day2", "sent", sent_days_ago=3),  # window closed 2 days ago
        prompt(5, 10, "day3", "answered", sent_days_ago=1),
        prompt(6, 11, "day3", "sent", sent_days_ago=0.25),  # still open
        prompt(7, 10, None, "answered", sent_days_ago=2),  # a one-off
        prompt(8, 10, "day1", "answered", sent_days_ago=45),  # outside the 30 days
        prompt(9, 10, "day4", "pending", sent_days_ago=-2),  # not sent yet
        # T-02's
        prompt(20, 20, "day1", "missed", sent_days_ago=5),
        prompt(21, 21, "day1", "cancelled", sent_days_ago=5),  # withdrawn: never counted
    ]
    rows += [
        flag(1, 10, Tier.CRISIS, raised_days_ago=2, ack_minutes=4),
        flag(2, 10, Tier.HIGH, raised_days_ago=3, ack_minutes=30),
        flag(3, 11, Tier.MODERATE, raised_days_ago=1, ack_minutes=None),
        flag(4, 20, Tier.HIGH, raised_days_ago=1, ack_minutes=95),
        flag(5, 20, Tier.LOW, raised_days_ago=1, ack_minutes=None),
        flag(6, 21, Tier.HIGH, raised_days_ago=1, ack_minutes=None),
        flag(7, 10, Tier.HIGH, raised_days_ago=40, ack_minutes=600),  # outside the window
    ]
    alerts = [
        Alert(id=1, flag_id=6, participant_id=21, tier=Tier.HIGH, status="open",
              created_at=NOW - timedelta(days=1)),
        Alert(id=2, flag_id=1, participant_id=10, tier=Tier.CRISIS, status="acknowledged",
              created_at=NOW - timedelta(days=2)),
    ]
    async with storage.sessions() as session:
        for group in (rows[:10], rows[10:], alerts):
            session.add_all(group)
            await session.flush()
        await session.commit()


def services_on(storage: Storage) -> Services:
    return Services(ServiceContext(storage=storage, clock=FakeClock(NOW),
                                   catalogue=default_catalogue()))


async def staff(storage: Storage, code: str) -> PersonValue:
    async with storage.reader() as uow:
        found = await uow.people.by_code(code)
    assert found is not None
    return found


class TestClinicFigures:
    async def test_each_figure_matches_a_hand_count(self, storage: Storage) -> None:
        await clinic(storage)
        services = services_on(storage)
        counts = await services.stats.counts()
        # enrolment: pending invitations are not enrolled people
        assert enrolled(counts.people, Role.PARTICIPANT) == 5
        assert invited(counts.people, Role.PARTICIPANT) == 1
        assert enrolled(counts.people, Role.THERAPIST) == 2
        assert invited(counts.people, Role.THERAPIST) == 1
        assert enrolled(counts.people, Role.COORDINATOR) == 1
        steps = {s.step_id: s for s in by_step(list(counts.prompts), NOW)}
        assert (steps["day1"].sent, steps["day1"].answered, steps["day1"].missed) == (4, 2, 2)
        assert steps["day1"].rate == 0.5
        assert (steps["day2"].answered, steps["day2"].missed, steps["day2"].open) == (0, 1, 0)
        assert (steps["day3"].answered, steps["day3"].open, steps["day3"].rate) == (1, 1, 1.0)
        assert steps["one-off"].answered == 1
        assert "day4" not in steps  # never sent
        whole = total(list(steps.values()))
        assert (whole.sent, whole.answered, whole.missed, whole.open) == (8, 4, 3, 1)
        assert counts.open_flags == {Tier.MODERATE: 1, Tier.LOW: 1, Tier.HIGH: 1}
        ack = acknowledgement(counts.ack_minutes)
        assert (ack.count, ack.median, ack.worst) == (3, 30, 95)
        assert counts.open_alerts == 1

    async def test_the_text_says_answered_of_closed_never_of_all(self, storage: Storage) -> None:
        await clinic(storage)
        figures = await services_on(storage).stats.text()
        assert "Participants: 5 enrolled (2 active, 1 paused, 1 withdrawn, 0 unreachable, " \
               "1 yet to consent); invitations not yet used: 1" in figures
        assert "Therapists: 2 enrolled, 1 invited; coordinators: 1 enrolled, 0 invited" in figures
        assert "Prompts sent, last 30 days: 8 (4 answered, 3 missed, 1 still open); " \
               "response rate 57% (answered of the 7 whose window has closed)" in figures
        assert "p/day1: 4 sent, 2 answered, 2 missed, 0 open; response rate 50%" in figures
        assert "Open flags: 3 (high 1, moderate 1, low 1)" in figures
        assert "acknowledged: 3; time to acknowledge: median 30 min, worst 95 min; " \
               "alerts unacknowledged now: 1" in figures

    async def test_a_coordinator_sees_the_clinic(self, storage: Storage) -> None:
        await clinic(storage)
        services = services_on(storage)
        counts = await services.stats.counts(await staff(storage, "C-01"))
        assert counts.therapist_id is None
        assert enrolled(counts.people, Role.PARTICIPANT) == 5


class TestTherapistFigures:
    async def test_a_therapist_sees_only_their_own_participants(self, storage: Storage) -> None:
        await clinic(storage)
        services = services_on(storage)
        counts = await services.stats.counts(await staff(storage, "T-01"))
        assert enrolled(counts.people, Role.PARTICIPANT) == 3
        assert invited(counts.people, Role.PARTICIPANT) == 1
        assert enrolled(counts.people, Role.THERAPIST) == 0  # no staff figures
        whole = total(by_step(list(counts.prompts), NOW))
        assert (whole.sent, whole.answered, whole.missed, whole.open) == (7, 4, 2, 1)
        assert counts.open_flags == {Tier.MODERATE: 1}
        ack = acknowledgement(counts.ack_minutes)
        assert (ack.count, ack.median, ack.worst) == (2, 17, 30)
        assert counts.open_alerts == 0
        text = await services.stats.text(await staff(storage, "T-02"))
        assert text.startswith("Figures for your participants")
        assert "Therapists:" not in text and "Outbox:" not in text
        assert "Participants: 2 enrolled" in text and "1 missed" in text
