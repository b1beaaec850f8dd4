"""Couples treated together: linking partners, sharing one entry, relaying a note.

Nothing crosses between partners by default: each keeps their own journal, consent,
language and flags. A participant may share one of their own journal messages with their
partner after a confirmation; a text screened for abuse or fear of the partner is never
shared (it is flagged to the care team instead, and the participant is told only that it
could not be shared). A therapist of both partners may relay a note to one of them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime

from bot.domain.outgoing import Outgoing
from bot.domain.people import Person, PersonStatus, Role
from bot.domain.screening import Tier
from bot.errors import AlreadyExists, InvalidValue, NotFound
from bot.services.access import current_participant, current_staff, visible_participant
from bot.services.context import Bound, ServiceContext
from bot.services.flags import raise_flag
from bot.services.planning import replan
from bot.services.unit_of_work import UnitOfWorkProtocol

#: Screening categories that keep a text from ever going to the partner.
NEVER_SHARED = frozenset({"abuse_safety", "harm_to_others"})
#: Longest text shown in a share confirmation or relayed (Telegram allows 4096 characters).
MAX_SHARED = 3500
SHARED_PRIORITY = 3


@dataclass(frozen=True)
class SharePreview:
    """What a participant is asked to confirm: this message, to their partner."""

    message_id: int
    text: str


@dataclass(frozen=True)
class ShareOutcome:
    outcome: str  # shared | already | changed | not_shared | no_partner | invalid


async def link(
    uow: UnitOfWorkProtocol, *, now: datetime, first: Person, second: Person, actor: Person | None
) -> int:
    """Make ``first`` and ``second`` a couple; returns the couple's id."""
    if first.id == second.id:
        raise InvalidValue("a couple is two different participants", key="problem.couple_self")
    if first.couple_id is not None and first.couple_id == second.couple_id:
        return first.couple_id
    for person in (first, second):
        if person.couple_id is not None:
            raise AlreadyExists(
                f"{person.code} is already in a couple (ember couple unlink {person.code})",
                key="problem.in_couple",
                code=person.code,
            )
    couple_id = await uow.people.new_couple(now)
    for person in (first, second):
        person = replace(person, couple_id=couple_id)
        await uow.people.save(person)
        await replan(uow, now=now, participant=person)
    await uow.audit.by_staff(
        now=now, action="couple.link", staff=actor, subject_id=first.id, detail=second.code
    )
    return couple_id


async def unlink(
    uow: UnitOfWorkProtocol, *, now: datetime, participant: Person, actor: Person | None
) -> Person:
    """End ``participant``'s couple; returns the former partner. Shared sessions stay in
    each schedule but no longer move together."""
    partner = await uow.people.partner_of(participant)
    if participant.couple_id is None or partner is None:
        raise NotFound(
            f"{participant.code} is not in a couple",
            key="problem.no_couple",
            code=participant.code,
        )
    for person in (participant, partner):
        for session in await uow.schedules.sessions_of(person.id):
            if session.shared_id is not None:
                await uow.schedules.save_session(replace(session, shared_id=None))
        person = replace(person, couple_id=None)
        await uow.people.save(person)
        await replan(uow, now=now, participant=person)
    await uow.audit.by_staff(
        now=now,
        action="couple.unlink",
        staff=actor,
        subject_id=participant.id,
        detail=partner.code,
    )
    return partner


def receives(partner: Person) -> bool:
    """Whether a partner can be written to: enrolled, consented and still taking part (a
    pause holds back prompts, not what their partner chose to share)."""
    return (
        partner.role == Role.PARTICIPANT
        and partner.chat_id is not None
        and partner.status in (PersonStatus.ACTIVE, PersonStatus.PAUSED)
    )


def fingerprint(text: str) -> str:
    """A short mark of exactly what a confirmation showed (callback data is 64 bytes)."""
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def share_data(preview: SharePreview) -> str:
    """The callback data of a share confirmation's Share button: the message, and a mark of
    the words shown, so that what is sent is exactly what was confirmed."""
    return f"share:yes:{preview.message_id}:{fingerprint(preview.text)}"


async def share(
    uow: UnitOfWorkProtocol,
    ctx: ServiceContext,
    *,
    participant: Person,
    message_id: int,
    shown: str,
) -> ShareOutcome:
    """Send one of ``participant``'s own messages to their partner, unless it must never be
    shared; the message id comes from callback data, so whose it is is checked here, and
    ``shown`` (the confirmation's mark) must still match its words."""
    now = ctx.clock.now()
    message = await uow.journal.own_message(participant.id, message_id=message_id)
    if message is None or not message.text:
        return ShareOutcome("invalid")
    if fingerprint(message.text[:MAX_SHARED]) != shown:
        return ShareOutcome("changed")  # edited since the confirmation: not what was shown
    partner = await uow.people.partner_of(participant)
    if partner is None or not receives(partner) or partner.chat_id is None:
        return ShareOutcome("no_partner")
    key = f"share:{message.id}:{partner.id}"
    if await uow.outbox.exists(key):
        return ShareOutcome("already")
    verdict = ctx.screen(message.text, participant.language)
    if NEVER_SHARED.intersection(verdict.categories):
        await raise_flag(
            uow,
            now=now,
            catalogue=ctx.catalogue,
            policy=ctx.policy,
            participant=participant,
            tier=max(verdict.tier, Tier.HIGH),
            categories=(*verdict.categories, "share_refused"),
            evidence=[
                {"rule": e.rule, "span": [e.span[0], e.span[1]], "text": e.text}
                for e in verdict.evidence
            ],
            source_kind="share",
            source_id=message.id,
            text=message.text,
            explanation=ctx.catalogue.text("couple.share_refused_alert", "en"),
            safety_message=False,
        )
        await uow.audit.record(
            at=now,
            actor="system",
            action="couple.share_refused",
            subject_id=participant.id,
            detail=f"message #{message.id}",
        )
        return ShareOutcome("not_shared")
    lang = partner.lang
    await uow.outbox.enqueue(
        key=key,
        chat_id=partner.chat_id,
        message=Outgoing(
            ctx.catalogue.text("couple.shared_with_you", lang, text=message.text[:MAX_SHARED])
        ),
        kind="shared",
        now=now,
        person_id=partner.id,
        priority=SHARED_PRIORITY,
    )
    await uow.audit.record(
        at=now,
        actor=participant.code,
        actor_id=participant.id,
        action="couple.share",
        subject_id=partner.id,
        detail=f"message #{message.id}",
    )
    return ShareOutcome("shared")


class Couples(Bound):
    """Couples: linked by staff; one entry shared by a partner; a note relayed by staff."""

    async def link(self, actor: Person | None, first: str, second: str) -> int:
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            if actor is not None:
                actor = await current_staff(uow, actor, Role.COORDINATOR)
            a = await visible_participant(uow, actor, first)
            b = await visible_participant(uow, actor, second)
            couple_id = await link(uow, now=now, first=a, second=b, actor=actor)
            await uow.commit()
        return couple_id

    async def unlink(self, actor: Person | None, code: str) -> str:
        """End the couple of ``code``; returns the former partner's code."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            if actor is not None:
                actor = await current_staff(uow, actor, Role.COORDINATOR)
            participant = await visible_participant(uow, actor, code)
            partner = await unlink(uow, now=now, participant=participant, actor=actor)
            await uow.commit()
        return partner.code

    async def listing(self, actor: Person | None) -> list[tuple[int, str, str, str, str]]:
        """Every couple the caller may see (a therapist: where both are theirs), by number:
        (number, first code, status, second code, status)."""
        async with self.ctx.reader() as uow:
            if actor is not None:
                actor = await current_staff(uow, actor)
            if actor is not None and actor.role == Role.THERAPIST:
                people = await uow.people.participants_of(actor.id)
            else:
                people = await uow.people.with_role(Role.PARTICIPANT)
        together: dict[int, list[Person]] = {}
        for person in people:
            if person.couple_id is not None and person.status != PersonStatus.ERASED:
                together.setdefault(person.couple_id, []).append(person)
        return [
            (couple_id, a.code, str(a.status), b.code, str(b.status))
            for couple_id, (a, b) in sorted(
                (k, tuple(v)) for k, v in together.items() if len(v) == 2
            )
        ]

    async def partner_code(self, actor: Person | None, code: str) -> str | None:
        async with self.ctx.reader() as uow:
            participant = await visible_participant(uow, actor, code)
            partner = await uow.people.partner_of(participant)
        return partner.code if partner else None

    async def preview(self, participant: Person, telegram_message_id: int) -> SharePreview | None:
        """The participant's own message replied to (or None), to confirm before sharing;
        NotFound when they have no partner to share with."""
        async with self.ctx.reader() as uow:
            participant = await current_participant(uow, participant)
            if await uow.people.partner_of(participant) is None:
                raise NotFound(
                    f"{participant.code} is not in a couple",
                    key="problem.no_couple",
                    code=participant.code,
                )
            message = await uow.journal.own_message(
                participant.id, telegram_message_id=telegram_message_id
            )
            if message is None or not message.text:
                message = await uow.journal.replied_message(participant.id, telegram_message_id)
        if message is None or not message.text:
            return None
        return SharePreview(message.id, message.text[:MAX_SHARED])

    async def share(self, participant: Person, message_id: int, shown: str) -> ShareOutcome:
        """The Share button: checked again, screened, and sent through the outbox."""
        async with self.ctx.uow() as uow:
            participant = await current_participant(uow, participant)
            outcome = await share(
                uow, self.ctx, participant=participant, message_id=message_id, shown=shown
            )
            await uow.commit()
        self.ctx.wake_delivery()
        return outcome

    async def relay(self, therapist: Person, update_id: int, code: str, text: str) -> str:
        """A therapist of both partners passes ``text`` to ``code``'s partner; returns the
        partner's code. Audited, never stored beyond the outgoing message."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            therapist = await current_staff(uow, therapist, Role.THERAPIST)
            participant = await visible_participant(uow, therapist, code)
            partner = await uow.people.partner_of(participant)
            if partner is None:
                raise NotFound(
                    f"{participant.code} is not in a couple",
                    key="problem.no_couple",
                    code=participant.code,
                )
            partner = await visible_participant(uow, therapist, partner.code)
            if not receives(partner) or partner.chat_id is None:
                raise NotFound(
                    f"{partner.code} has not joined yet",
                    key="problem.not_joined",
                    code=partner.code,
                )
            await uow.outbox.enqueue(
                key=f"relay:{update_id}",
                chat_id=partner.chat_id,
                message=Outgoing(
                    self.ctx.catalogue.text("couple.relayed", partner.lang, text=text[:MAX_SHARED])
                ),
                kind="relay",
                now=now,
                person_id=partner.id,
                priority=SHARED_PRIORITY,
            )
            await uow.audit.by_staff(
                now=now,
                action="couple.relay",
                staff=therapist,
                subject_id=partner.id,
                detail=f"from {participant.code}",
            )
            await uow.commit()
        self.ctx.wake_delivery()
        return partner.code
