"""Clinicians' notes about a participant they may see (sealed by the repository)."""

from __future__ import annotations

from bot.domain.people import Person
from bot.services.access import visible_participant
from bot.services.context import Bound


class Notes(Bound):
    """Notes written by the care team."""

    async def add(self, author: Person, code: str, text: str) -> Person:
        """A clinician's note about a participant they may see (sealed)."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            participant = await visible_participant(uow, author, code)
            await uow.clinic.add_note(
                participant_id=participant.id, author_id=author.id, text=text, now=now
            )
            await uow.audit.record(
                at=now,
                actor=author.code,
                actor_id=author.id,
                action="note.add",
                subject_id=participant.id,
            )
            await uow.commit()
        return participant
