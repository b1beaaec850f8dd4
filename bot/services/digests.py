"""Digests: each therapist's summary of the last day, and the daily sending of it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.outgoing import Outgoing
from bot.domain.people import Person, PersonStatus, Role
from bot.domain.schedule import PromptStatus
from bot.services.access import current_staff
from bot.services.context import Bound
from bot.services.unit_of_work import UnitOfWorkProtocol
from prompts.catalogue import Catalogue

EXCERPT = 120


async def digest_text(
    uow: UnitOfWorkProtocol, *, now: datetime, catalogue: Catalogue, therapist: Person
) -> str:
    """The therapist's digest of the last day; reading the excerpts is audited."""
    cat, lang = catalogue, therapist.lang
    local_date = now.astimezone(ZoneInfo(therapist.timezone)).strftime("%A %Y-%m-%d")
    caseload = [
        p
        for p in await uow.people.participants_of(therapist.id)
        if p.status != PersonStatus.ERASED  # nothing of theirs is left to summarise
    ]
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
        lines += await participant_lines(uow, cat, lang, participant, now)
    await uow.audit.record(
        at=now,
        actor=therapist.code,
        actor_id=therapist.id,
        action="digest",
        detail=f"participants={len(caseload)}",
    )
    return "\n".join(lines)


def due_key(therapist: Person, now: datetime) -> str | None:
    """The outbox key of today's digest once the therapist's digest time has come."""
    if therapist.digest_at is None:
        return None
    local = now.astimezone(ZoneInfo(therapist.timezone))
    if local.strftime("%H:%M") < therapist.digest_at:
        return None
    return f"digest:{therapist.id}:{local:%Y-%m-%d}"


async def participant_lines(
    uow: UnitOfWorkProtocol, cat: Catalogue, lang: str, participant: Person, now: datetime
) -> list[str]:
    """One participant's part of a digest."""
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


class Digests(Bound):
    """Therapists' daily digests."""

    async def digest(self, therapist: Person) -> str:
        """The therapist's digest of the last day; reading excerpts is audited."""
        async with self.ctx.uow() as uow:
            therapist = await current_staff(uow, therapist, Role.THERAPIST)
            text = await digest_text(
                uow, now=self.ctx.clock.now(), catalogue=self.ctx.catalogue, therapist=therapist
            )
            await uow.commit()
        return text

    async def send_due(self) -> int:
        """Daily digests at each therapist's local time; the key makes it once per day."""
        now = self.ctx.clock.now()
        sent = 0
        async with self.ctx.uow() as uow:
            therapists = [
                t for t in await uow.people.with_role(Role.THERAPIST, reachable=True) if t.digest_at
            ]
        for therapist in therapists:
            key = due_key(therapist, now)
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
