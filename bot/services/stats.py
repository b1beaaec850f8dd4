"""Clinic statistics (`/stats`, `ember stats`): enrolment by status, response rates per
protocol step, missed prompts, open flags by tier, time to acknowledge.

Coordinators and the command line see the clinic; a therapist sees only their own
participants (and no staff or outbox figures). The arithmetic is in `bot/domain/stats.py`.
"""

from __future__ import annotations

from datetime import timedelta

from bot.domain.people import Person, PersonStatus, Role
from bot.domain.stats import (
    ClinicCounts,
    acknowledgement,
    by_step,
    enrolled,
    invited,
    total,
)
from bot.services.access import current_staff
from bot.services.context import Bound
from prompts.catalogue import Catalogue

WINDOW = timedelta(days=30)


def _rate(answered: int, closed: int) -> str:
    return f"{answered / closed:.0%}" if closed else "—"


def _minutes(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} min"


def stats_text(catalogue: Catalogue, counts: ClinicCounts, lang: str = "en") -> str:
    """The figures, as /stats and `ember stats` show them."""
    people = counts.people
    none = catalogue.text("care.stats_none", lang)
    scope = "care.stats_scope_mine" if counts.therapist_id is not None else "care.stats_scope"
    lines = [
        catalogue.text(scope, lang),
        catalogue.text(
            "care.stats_people",
            lang,
            enrolled=enrolled(people, Role.PARTICIPANT),
            active=people[(Role.PARTICIPANT, PersonStatus.ACTIVE)],
            paused=people[(Role.PARTICIPANT, PersonStatus.PAUSED)],
            withdrawn=people[(Role.PARTICIPANT, PersonStatus.WITHDRAWN)],
            unreachable=people[(Role.PARTICIPANT, PersonStatus.UNREACHABLE)],
            consent_pending=people[(Role.PARTICIPANT, PersonStatus.CONSENT_PENDING)],
            invited=invited(people, Role.PARTICIPANT),
        ),
    ]
    if counts.therapist_id is None:
        lines.append(
            catalogue.text(
                "care.stats_staff",
                lang,
                therapists=enrolled(people, Role.THERAPIST),
                therapists_invited=invited(people, Role.THERAPIST),
                coordinators=enrolled(people, Role.COORDINATOR),
                coordinators_invited=invited(people, Role.COORDINATOR),
            )
        )
    steps = by_step(list(counts.prompts), counts.now)
    whole = total(steps)
    lines.append(
        catalogue.text(
            "care.stats_prompts",
            lang,
            sent=whole.sent,
            answered=whole.answered,
            missed=whole.missed,
            open=whole.open,
            closed=whole.closed,
            rate=_rate(whole.answered, whole.closed),
        )
    )
    for step in steps:
        name = f"{step.protocol_id}/{step.step_id}" if step.protocol_id else step.step_id
        lines.append(
            catalogue.text(
                "care.stats_step",
                lang,
                step=name,
                sent=step.sent,
                answered=step.answered,
                missed=step.missed,
                open=step.open,
                rate=_rate(step.answered, step.closed),
            )
        )
    flags = counts.open_flags
    lines.append(
        catalogue.text(
            "care.stats_flags",
            lang,
            open_flags=sum(flags.values()),
            by_tier=", ".join(f"{t.label} {n}" for t, n in sorted(flags.items(), reverse=True))
            or none,
        )
    )
    ack = acknowledgement(counts.ack_minutes)
    lines.append(
        catalogue.text(
            "care.stats_ack",
            lang,
            acked=ack.count,
            median_ack=_minutes(ack.median),
            worst_ack=_minutes(ack.worst),
            unacked=counts.open_alerts,
        )
    )
    if counts.therapist_id is None:
        box = ", ".join(f"{k} {v}" for k, v in sorted(counts.outbox.items())) or none
        lines.append(catalogue.text("care.stats_outbox", lang, outbox=box))
    return "\n".join(lines)


class Stats(Bound):
    """The clinic's figures, or a therapist's own."""

    async def counts(self, staff: Person | None = None) -> ClinicCounts:
        """What the figures are made of; ``staff`` None is the command line (the clinic)."""
        now = self.ctx.clock.now()
        async with self.ctx.reader() as uow:
            therapist_id: int | None = None
            if staff is not None:
                current = await current_staff(uow, staff, Role.COORDINATOR, Role.THERAPIST)
                if current.role == Role.THERAPIST:
                    therapist_id = current.id
            return await uow.clinic.counts(now, since=now - WINDOW, therapist_id=therapist_id)

    async def text(self, staff: Person | None = None, lang: str = "en") -> str:
        """The figures as text: a coordinator's (or ``None``, the command line) are the
        clinic's, a therapist's their own participants'."""
        return stats_text(self.ctx.catalogue, await self.counts(staff), lang)
