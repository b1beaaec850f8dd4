"""Clinic statistics: enrolment, response rates, open flags, time to acknowledge."""

from __future__ import annotations

import statistics

from bot.domain.people import Person, PersonStatus, Role
from bot.domain.records import ClinicCounts
from bot.domain.schedule import PromptStatus
from bot.services.access import current_staff
from bot.services.context import Bound
from prompts.catalogue import Catalogue


def stats_text(catalogue: Catalogue, counts: ClinicCounts, lang: str = "en") -> str:
    """The clinic's figures for /stats and `ember stats`."""
    prompts, statuses = counts.recent_prompts, counts.participant_statuses
    roles, flags = counts.roles, counts.open_flags
    answered = prompts[PromptStatus.ANSWERED]
    missed = prompts[PromptStatus.MISSED]
    sent = answered + missed + prompts[PromptStatus.SENT]
    rate = f"{answered / (answered + missed):.0%}" if answered + missed else "—"
    minutes = counts.ack_minutes
    median = f"{statistics.median(minutes):.0f} min" if minutes else "—"
    return catalogue.text(
        "care.stats",
        lang,
        participants=roles[Role.PARTICIPANT],
        active=statuses[PersonStatus.ACTIVE],
        paused=statuses[PersonStatus.PAUSED],
        withdrawn=statuses[PersonStatus.WITHDRAWN],
        unreachable=statuses[PersonStatus.UNREACHABLE],
        pending=statuses[PersonStatus.INVITED] + statuses[PersonStatus.CONSENT_PENDING],
        therapists=roles[Role.THERAPIST],
        coordinators=roles[Role.COORDINATOR],
        sent=sent,
        answered=answered,
        missed=missed,
        rate=rate,
        open_flags=sum(flags.values()),
        by_tier=", ".join(f"{t.label} {n}" for t, n in sorted(flags.items())) or "none",
        acked=len(minutes),
        median_ack=median,
        unacked=counts.open_alerts,
        outbox=", ".join(f"{k} {v}" for k, v in sorted(counts.outbox.items())) or "empty",
    )


class Stats(Bound):
    """The clinic's figures."""

    async def text(self, coordinator: Person | None = None, lang: str = "en") -> str:
        """The figures; ``coordinator`` None is the command line."""
        async with self.ctx.uow() as uow:
            if coordinator is not None:
                await current_staff(uow, coordinator, Role.COORDINATOR)
            counts = await uow.clinic.counts(self.ctx.clock.now())
        return stats_text(self.ctx.catalogue, counts, lang)
