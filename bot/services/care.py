"""Care-team and participant-rights use cases: export, deletion requests, notes, digests,
assignment and clinic statistics."""

from __future__ import annotations

import base64
import json
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.domain.outgoing import Outgoing
from bot.errors import NotFound
from bot.services import scheduling
from bot.services.context import ServiceContext
from storage import audit, journal, outbox, people, schedules
from storage import safety as safety_store
from storage.models import (
    Alert,
    AuditEvent,
    Flag,
    JournalMessage,
    Note,
    OutboxMessage,
    Person,
    PersonStatus,
    PromptStatus,
    Role,
    ScheduledPrompt,
)
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
            await audit.record(
                uow,
                AuditEvent(
                    at=self.ctx.clock.now(),
                    actor="participant",
                    action="export",
                    subject_id=participant.id,
                ),
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
            await outbox.enqueue(
                uow,
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
            person = await people.by_id(uow, participant.id)
            assert person is not None
            await audit.record(
                uow,
                AuditEvent(
                    at=now, actor="participant", action="erasure.requested", subject_id=person.id
                ),
            )
            if person.status not in (PersonStatus.WITHDRAWN,):
                await scheduling.withdraw(
                    uow, now=now, participant=person, catalogue=self.ctx.catalogue
                )
            await scheduling.notify_therapist(
                uow,
                now=now,
                participant=person,
                catalogue=self.ctx.catalogue,
                event="delete_requested",
            )
            for coordinator in await people.with_role(uow, Role.COORDINATOR, reachable=True):
                assert coordinator.chat_id is not None
                await outbox.enqueue(
                    uow,
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

    async def add_note(self, author: Person, participant: Person, text: str) -> None:
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            uow.session.add(
                Note(
                    participant_id=participant.id,
                    author_id=author.id,
                    body_enc=uow.cipher.seal(text),
                    created_at=now,
                )
            )
            await audit.record(
                uow,
                AuditEvent(
                    at=now,
                    actor=author.code,
                    actor_id=author.id,
                    action="note.add",
                    subject_id=participant.id,
                ),
            )
            await uow.commit()

    async def assign(
        self, actor: Person | None, participant_code: str, therapist_code: str
    ) -> tuple[Person, Person]:
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            participant = await people.by_code(uow, participant_code)
            therapist = await people.by_code(uow, therapist_code)
            if participant is None or participant.role != Role.PARTICIPANT:
                raise NotFound(f"no participant {participant_code.upper()}")
            if therapist is None or therapist.role != Role.THERAPIST:
                raise NotFound(f"no therapist {therapist_code.upper()}")
            participant.therapist_id = therapist.id
            await audit.by_staff(
                uow,
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
            caseload = await people.participants_of(uow, therapist.id)
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
            await audit.record(
                uow,
                AuditEvent(
                    at=now,
                    actor=therapist.code,
                    actor_id=therapist.id,
                    action="digest",
                    detail=f"participants={len(caseload)}",
                ),
            )
            await uow.commit()
        return "\n".join(lines)

    async def send_due_digests(self) -> int:
        """Daily digests at each therapist's local time; the key makes it once per day."""
        now = self.ctx.clock.now()
        sent = 0
        async with self.ctx.uow() as uow:
            therapists = [
                t
                for t in await people.with_role(uow, Role.THERAPIST, reachable=True)
                if t.digest_at
            ]
        for therapist in therapists:
            local = now.astimezone(ZoneInfo(therapist.timezone))
            assert therapist.digest_at is not None and therapist.chat_id is not None
            if local.strftime("%H:%M") < therapist.digest_at:
                continue
            key = f"digest:{therapist.id}:{local:%Y-%m-%d}"
            async with self.ctx.uow() as uow:
                if await outbox.exists(uow, key):
                    continue
            text = await self.digest(therapist)
            async with self.ctx.uow() as uow:
                sent += await outbox.enqueue(
                    uow,
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
            s = uow.session
            roles = Counter((await s.execute(select(Person.role))).scalars())
            statuses = Counter(
                (
                    await s.execute(select(Person.status).where(Person.role == Role.PARTICIPANT))
                ).scalars()
            )
            prompts = Counter(
                (
                    await s.execute(
                        select(ScheduledPrompt.status).where(
                            ScheduledPrompt.due_at >= now - timedelta(days=30)
                        )
                    )
                ).scalars()
            )
            flags = Counter(
                (await s.execute(select(Flag.tier).where(Flag.status == "open"))).scalars()
            )
            acked = (
                await s.execute(
                    select(Alert.created_at, Alert.acknowledged_at).where(
                        Alert.acknowledged_at.is_not(None)
                    )
                )
            ).all()
            unacked = await s.scalar(
                select(func.count()).select_from(Alert).where(Alert.status == "open")
            )
            box = Counter((await s.execute(select(OutboxMessage.status))).scalars())
        answered = prompts[PromptStatus.ANSWERED]
        missed = prompts[PromptStatus.MISSED]
        sent = answered + missed + prompts[PromptStatus.SENT]
        rate = f"{answered / (answered + missed):.0%}" if answered + missed else "—"
        minutes = [(b - a).total_seconds() / 60 for a, b in acked if a and b]
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
            unacked=unacked or 0,
            outbox=", ".join(f"{k} {v}" for k, v in sorted(box.items())) or "empty",
        )


async def _digest_lines(
    uow: UnitOfWork, cat: object, lang: str, participant: Person, now: datetime
) -> list[str]:
    from prompts.catalogue import Catalogue

    assert isinstance(cat, Catalogue)
    since = now - timedelta(days=1)
    prompts = [
        p
        for p in await schedules.prompts_of(uow, participant.id)
        if p.sent_at is not None and p.sent_at >= since
    ]
    entries = [
        e for e in await journal.recent_entries(uow, participant.id, 20) if e.opened_at >= since
    ]
    flags = await safety_store.open_flags(uow, [participant.id])
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
    sessions = await schedules.sessions_of(uow, participant.id)
    prompts = await schedules.prompts_of(uow, participant.id)
    messages = (
        await uow.session.scalars(
            select(JournalMessage)
            .where(JournalMessage.participant_id == participant.id)
            .order_by(JournalMessage.id)
        )
    ).all()
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
                "written_at": m.created_at,
                "edited_at": m.edited_at,
                "text": uow.cipher.open_optional(m.body_enc),
            }
            for m in messages
        ],
    }
