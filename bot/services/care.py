"""The care team's and participants' rights use cases, bound for the services: exports,
deletion requests, notes, digests, assignment and statistics. The work itself is in
``exports.py``, ``digests.py`` and ``stats.py``."""

from __future__ import annotations

import base64
from dataclasses import replace

from bot.domain.outgoing import Outgoing
from bot.domain.people import Person, PersonStatus, Role
from bot.errors import NotFound
from bot.services import digests, exports, participation, stats
from bot.services.access import visible_participant
from bot.services.context import ServiceContext


class Care:
    """Use cases for exports, deletion requests, notes, digests, assignment and stats."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # -- participants' rights ----------------------------------------------------------

    async def export_for(self, participant: Person) -> exports.Export:
        """All of a participant's own data, as JSON (flags are the care team's, not theirs)."""
        async with self.ctx.uow() as uow:
            made = await exports.export(uow, now=self.ctx.clock.now(), participant=participant)
            await uow.commit()
        return made

    async def send_export(self, participant: Person, update_id: int, caption: str) -> None:
        export = await self.export_for(participant)
        assert participant.chat_id is not None
        message = Outgoing(
            caption,
            meta={
                "document": {
                    "name": export.filename,
                    "content": base64.b64encode(export.content).decode(),
                }
            },
        )
        async with self.ctx.uow() as uow:
            await uow.outbox.enqueue(
                key=f"export:{update_id}",
                chat_id=participant.chat_id,
                message=message,
                kind="export",
                now=self.ctx.clock.now(),
                person_id=participant.id,
                priority=5,
            )
            await uow.commit()
        self.ctx.wake_delivery()

    async def request_deletion(self, participant: Person) -> None:
        """Recorded, prompts stop, and the care team is told to act under the retention policy."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            person = await uow.people.by_id(participant.id)
            assert person is not None
            await uow.audit.record(
                at=now, actor="participant", action="erasure.requested", subject_id=person.id
            )
            if person.status not in (PersonStatus.WITHDRAWN,):
                await participation.withdraw(
                    uow, now=now, participant=person, catalogue=self.ctx.catalogue
                )
            await participation.notify_therapist(
                uow,
                now=now,
                participant=person,
                catalogue=self.ctx.catalogue,
                event="delete_requested",
            )
            for coordinator in await uow.people.with_role(Role.COORDINATOR, reachable=True):
                assert coordinator.chat_id is not None
                await uow.outbox.enqueue(
                    key=f"notice:delete:{person.id}:{coordinator.id}",
                    chat_id=coordinator.chat_id,
                    message=Outgoing(
                        self.ctx.catalogue.text(
                            "notice.delete_requested", coordinator.language, code=person.code
                        )
                    ),
                    kind="notice",
                    now=now,
                    person_id=coordinator.id,
                    priority=3,
                )
            await uow.commit()
        self.ctx.wake_delivery()

    # -- care team ---------------------------------------------------------------------

    async def add_note(self, author: Person, code: str, text: str) -> Person:
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

    async def assign(
        self, actor: Person | None, participant_code: str, therapist_code: str
    ) -> tuple[Person, Person]:
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            participant = await uow.people.by_code(participant_code)
            therapist = await uow.people.by_code(therapist_code)
            if participant is None or participant.role != Role.PARTICIPANT:
                raise NotFound(
                    f"no participant {participant_code.upper()}",
                    key="problem.no_participant",
                    code=participant_code.upper(),
                )
            if therapist is None or therapist.role != Role.THERAPIST:
                raise NotFound(
                    f"no therapist {therapist_code.upper()}",
                    key="problem.no_therapist",
                    code=therapist_code.upper(),
                )
            participant = replace(participant, therapist_id=therapist.id)
            await uow.people.save(participant)
            await uow.audit.by_staff(
                now=now,
                action="assign",
                staff=actor,
                subject_id=participant.id,
                detail=therapist.code,
            )
            await uow.commit()
        return participant, therapist

    async def digest(self, therapist: Person) -> str:
        """The therapist's digest of the last day; reading excerpts is audited."""
        async with self.ctx.uow() as uow:
            text = await digests.digest_text(
                uow, now=self.ctx.clock.now(), catalogue=self.ctx.catalogue, therapist=therapist
            )
            await uow.commit()
        return text

    async def send_due_digests(self) -> int:
        """Daily digests at each therapist's local time; the key makes it once per day."""
        now = self.ctx.clock.now()
        sent = 0
        async with self.ctx.uow() as uow:
            therapists = [
                t for t in await uow.people.with_role(Role.THERAPIST, reachable=True) if t.digest_at
            ]
        for therapist in therapists:
            key = digests.due_key(therapist, now)
            if key is None or therapist.chat_id is None:
                continue
            async with self.ctx.uow() as uow:
                if await uow.outbox.exists(key):
                    continue
            text = await self.digest(therapist)
            async with self.ctx.uow() as uow:
                sent += await uow.outbox.enqueue(
                    key=key,
                    chat_id=therapist.chat_id,
                    message=Outgoing(text),
                    kind="digest",
                    now=now,
                    person_id=therapist.id,
                    priority=1,
                )
                await uow.commit()
        if sent:
            self.ctx.wake_delivery()
        return sent

    async def stats(self, lang: str = "en") -> str:
        async with self.ctx.uow() as uow:
            counts = await uow.clinic.counts(self.ctx.clock.now())
        return stats.stats_text(self.ctx.catalogue, counts, lang)
