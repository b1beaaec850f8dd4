"""Care-team and participant-rights use cases: export, deletion requests, notes, digests,
assignment and clinic statistics."""

from __future__ import annotations

import base64
import json
import statistics
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.outgoing import Outgoing
from bot.domain.people import Person, PersonStatus, Role
from bot.domain.schedule import PromptStatus
from bot.errors import NotFound
from bot.services import participation
from bot.services.access import visible_participant
from bot.services.context import ServiceContext
from storage.uow import UnitOfWork

EXCERPT = 120


@dataclass(frozen=True)
class Export:
    filename: str
    content: bytes


class Care:
    """Use cases for exports, deletion requests, notes, digests, assignment and stats."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # -- participants' rights ----------------------------------------------------------

    async def export_for(self, participant: Person) -> Export:
        """All of a participant's own data, as JSON (flags are the care team's, not theirs)."""
        async with self.ctx.uow() as uow:
            data = await _export_data(uow, participant)
            await uow.audit.record(
                at=self.ctx.clock.now(),
                actor="participant",
                action="export",
                subject_id=participant.id,
            )
            await uow.commit()
        content = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
        return Export(f"ember-{participant.code}.json", content)

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
        now = self.ctx.clock.now()
        cat, lang = self.ctx.catalogue, therapist.language or "en"
        local_date = now.astimezone(ZoneInfo(therapist.timezone)).strftime("%A %Y-%m-%d")
        async with self.ctx.uow() as uow:
            caseload = await uow.people.participants_of(therapist.id)
            if not caseload:
                return cat.text("care.digest_none", lang)
            lines = [
                cat.text(
                    "care.digest_header",
                    lang,
                    name=therapist.display_name or therapist.code,
                    date=local_date,
                )
            ]
            for participant in caseload:
                lines += await _digest_lines(uow, cat, lang, participant, now)
            await uow.audit.record(
                at=now,
                actor=therapist.code,
                actor_id=therapist.id,
                action="digest",
                detail=f"participants={len(caseload)}",
            )
            await uow.commit()
        return "\n".join(lines)

    async def send_due_digests(self) -> int:
        """Daily digests at each therapist's local time; the key makes it once per day."""
        now = self.ctx.clock.now()
        sent = 0
        async with self.ctx.uow() as uow:
            therapists = [
                t for t in await uow.people.with_role(Role.THERAPIST, reachable=True) if t.digest_at
            ]
        for therapist in therapists:
            local = now.astimezone(ZoneInfo(therapist.timezone))
            assert therapist.digest_at is not None and therapist.chat_id is not None
            if local.strftime("%H:%M") < therapist.digest_at:
                continue
            key = f"digest:{therapist.id}:{local:%Y-%m-%d}"
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
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            counts = await uow.clinic.counts(now)
        prompts, statuses = counts.recent_prompts, counts.participant_statuses
        roles, flags = counts.roles, counts.open_flags
        answered = prompts[PromptStatus.ANSWERED]
        missed = prompts[PromptStatus.MISSED]
        sent = answered + missed + prompts[PromptStatus.SENT]
        rate = f"{answered / (answered + missed):.0%}" if answered + missed else "—"
        minutes = counts.ack_minutes
        median = f"{statistics.median(minutes):.0f} min" if minutes else "—"
        return self.ctx.catalogue.text(
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


async def _digest_lines(
    uow: UnitOfWork, cat: object, lang: str, participant: Person, now: datetime
) -> list[str]:
    from prompts.catalogue import Catalogue

    assert isinstance(cat, Catalogue)
    since = now - timedelta(days=1)
    prompts = [
        p
        for p in await uow.schedules.prompts_of(participant.id)
        if p.sent_at is not None and p.sent_at >= since
    ]
    entries = [
        e for e in await uow.journal.recent_entries(participant.id, 20) if e.opened_at >= since
    ]
    flags = await uow.flags.open_flags([participant.id])
    lines = [
        cat.text(
            "care.digest_participant",
            lang,
            code=participant.code,
            status=participant.status,
            sent=len(prompts),
            answered=sum(p.status == PromptStatus.ANSWERED for p in prompts),
            missed=sum(p.status == PromptStatus.MISSED for p in prompts),
            entries=len(entries),
            flags=", ".join(f"#{f.id} {f.tier.label}" for f, _ in flags) or "none",
        )
    ]
    if entries and entries[0].text:
        text = entries[0].text.replace("\n", " ")
        excerpt = text[:EXCERPT] + ("…" if len(text) > EXCERPT else "")
        lines.append(cat.text("care.digest_latest", lang, excerpt=excerpt))
    for entry in entries:
        for kind, part in entry.parts:
            if kind == "questionnaire" and part:
                lines.append(cat.text("care.digest_score", lang, summary=part))
    return lines


async def _export_data(uow: UnitOfWork, participant: Person) -> dict[str, object]:
    sessions = await uow.schedules.sessions_of(participant.id)
    prompts = await uow.schedules.prompts_of(participant.id)
    messages = await uow.journal.messages_of(participant.id)
    return {
        "participant": {
            "code": participant.code,
            "timezone": participant.timezone,
            "language": participant.language,
            "status": participant.status,
            "consent_version": participant.consent_version,
            "consented_at": participant.consented_at,
            "enrolled_at": participant.enrolled_at,
        },
        "sessions": [
            {"id": s.id, "kind": s.kind, "starts_at": s.starts_at, "status": s.status}
            for s in sessions
        ],
        "prompts": [
            {
                "step": p.step_key,
                "due_at": p.due_at,
                "status": p.status,
                "answered_at": p.answered_at,
            }
            for p in prompts
        ],
        "journal": [
            {
                "entry": m.entry_id,
                "kind": m.kind,
                "written_at": m.written_at,
                "edited_at": m.edited_at,
                "text": m.text,
            }
            for m in messages
        ],
    }
