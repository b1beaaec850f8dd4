"""Digests: each therapist's summary of the last day, and the daily sending of it.

A digest is read with the same few queries whatever the caseload (the participants, then
their prompts, entries and open flags, each for all of them at once). The daily run reads
each digest in a reader's unit of work, which holds up no writer, and keeps it (the outbox
row and the audit entry of the reading) in a short transaction of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.outgoing import Outgoing
from bot.domain.people import Person, PersonStatus, Role
from bot.domain.records import EntryView, Flag, ScheduledPrompt
from bot.domain.schedule import PromptStatus
from bot.services.access import current_staff
from bot.services.context import Bound
from bot.services.unit_of_work import UnitOfWorkProtocol
from prompts.catalogue import Catalogue

EXCERPT = 120
ENTRIES = 20  # entries per participant a digest looks at
FLAGS = 50  # open flags per participant a digest names


@dataclass(frozen=True)
class DigestText:
    text: str
    participants: int  # how many participants' journals it quotes (0: nothing to audit)


async def compose(
    uow: UnitOfWorkProtocol, *, now: datetime, catalogue: Catalogue, therapist: Person
) -> DigestText:
    """The therapist's digest of the last day, only read: five queries, whatever the
    caseload."""
    cat, lang = catalogue, therapist.lang
    local_date = now.astimezone(ZoneInfo(therapist.timezone)).strftime("%A %Y-%m-%d")
    caseload = [
        p
        for p in await uow.people.participants_of(therapist.id)
        if p.status != PersonStatus.ERASED  # nothing of theirs is left to summarise
    ]
    if not caseload:
        return DigestText(cat.text("care.digest_none", lang), 0)
    ids = [p.id for p in caseload]
    since = now - timedelta(days=1)
    prompts: dict[int, list[ScheduledPrompt]] = {}
    for prompt in await uow.schedules.prompts_sent_between(ids, since, now):
        prompts.setdefault(prompt.participant_id, []).append(prompt)
    entries = await uow.journal.entries_opened_since(ids, since, per_participant=ENTRIES)
    flags: dict[int, list[Flag]] = {}
    for flag, _ in await uow.flags.open_flags(ids, limit=FLAGS * len(ids)):
        flags.setdefault(flag.participant_id, []).append(flag)
    lines = [
        cat.text(
            "care.digest_header",
            lang,
            name=therapist.display_name or therapist.code,
            date=local_date,
        )
    ]
    for participant in caseload:
        lines += participant_lines(
            cat,
            lang,
            participant,
            prompts.get(participant.id, []),
            entries.get(participant.id, []),
            flags.get(participant.id, [])[:FLAGS],
        )
    return DigestText("\n".join(lines), len(caseload))


async def audit_reading(
    uow: UnitOfWorkProtocol, *, now: datetime, therapist: Person, digest: DigestText
) -> None:
    """Reading a digest's excerpts is audited."""
    if digest.participants:
        await uow.audit.record(
            at=now,
            actor=therapist.code,
            actor_id=therapist.id,
            action="digest",
            detail=f"participants={digest.participants}",
        )


async def digest_text(
    uow: UnitOfWorkProtocol, *, now: datetime, catalogue: Catalogue, therapist: Person
) -> str:
    """The therapist's digest of the last day; reading the excerpts is audited."""
    digest = await compose(uow, now=now, catalogue=catalogue, therapist=therapist)
    await audit_reading(uow, now=now, therapist=therapist, digest=digest)
    return digest.text


def due_key(therapist: Person, now: datetime) -> str | None:
    """The outbox key of today's digest once the therapist's digest time has come."""
    if therapist.digest_at is None:
        return None
    local = now.astimezone(ZoneInfo(therapist.timezone))
    if local.strftime("%H:%M") < therapist.digest_at:
        return None
    return f"digest:{therapist.id}:{local:%Y-%m-%d}"


def participant_lines(
    cat: Catalogue,
    lang: str,
    participant: Person,
    prompts: Sequence[ScheduledPrompt],
    entries: Sequence[EntryView],
    flags: Sequence[Flag],
) -> list[str]:
    """One participant's part of a digest: the prompts sent to them and the entries they
    opened in the last day (the most recent first), and their open flags."""
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
            flags=", ".join(f"#{f.id} {f.tier.label}" for f in flags) or "none",
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
        """Daily digests at each therapist's local time; the key makes it once per day.

        Each digest is read without holding up any writer, then kept (queued, and its
        reading audited) in a short transaction; the outbox key keeps it once a day even
        when two runs meet."""
        now = self.ctx.clock.now()
        sent = 0
        async with self.ctx.reader() as uow:
            therapists = [
                t for t in await uow.people.with_role(Role.THERAPIST, reachable=True) if t.digest_at
            ]
        for therapist in therapists:
            key = due_key(therapist, now)
            if key is None or therapist.chat_id is None:
                continue
            async with self.ctx.reader() as uow:
                if await uow.outbox.exists(key):
                    continue
                digest = await compose(
                    uow, now=now, catalogue=self.ctx.catalogue, therapist=therapist
                )
            async with self.ctx.uow() as uow:
                added = await uow.outbox.enqueue(
                    key=key,
                    chat_id=therapist.chat_id,
                    message=Outgoing(digest.text),
                    kind="digest",
                    now=now,
                    person_id=therapist.id,
                    priority=1,
                )
                if added:
                    await audit_reading(uow, now=now, therapist=therapist, digest=digest)
                await uow.commit()
            sent += added
        if sent:
            self.ctx.wake_delivery()
        return sent
