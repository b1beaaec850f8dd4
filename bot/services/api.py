"""The services handlers call: each opens one unit of work, does one use case, commits.

Handlers reach this through ``context.services`` (see ``bot/context.py``); nothing here
imports ``telegram``.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.outgoing import Outgoing
from bot.errors import NotFound
from bot.services import enrollment
from bot.services import journal as journal_service
from bot.services.context import ServiceContext
from bot.services.inbound import InboundMessage, Sender
from bot.services.journal import JournalRecorded
from bot.services.replies import enqueue_replies
from storage import audit, journal, people
from storage.journal import EntryView
from storage.models import AuditEvent, Person, Role


class Services:
    """Use cases for the Telegram adapters."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    @property
    def consent_version(self) -> str:
        return self.ctx.catalogue.text("consent.version")

    async def identify(self, telegram_user_id: int) -> Person | None:
        async with self.ctx.uow() as uow:
            return await people.by_telegram_id(uow, telegram_user_id)

    async def start_with_code(self, sender: Sender, raw_code: str) -> Person:
        """Redeem an invitation code for this account (raises InvitationError subclasses)."""
        async with self.ctx.uow() as uow:
            person = await enrollment.redeem(
                uow,
                now=self.ctx.clock.now(),
                raw_code=raw_code,
                telegram_user_id=sender.telegram_user_id,
                chat_id=sender.chat_id,
            )
            await uow.commit()
            return person

    async def record_consent(self, sender: Sender, *, agreed: bool) -> Person:
        async with self.ctx.uow() as uow:
            person = await people.by_telegram_id(uow, sender.telegram_user_id)
            if person is None:
                raise NotFound("not enrolled")
            if person.role != Role.PARTICIPANT:
                return person  # staff give no consent here; a forged button changes nothing
            await enrollment.record_consent(
                uow,
                now=self.ctx.clock.now(),
                person=person,
                agreed=agreed,
                version=self.consent_version,
            )
            await uow.commit()
            return person

    async def record_journal(self, participant: Person, message: InboundMessage) -> JournalRecorded:
        async with self.ctx.uow() as uow:
            result = await journal_service.record_message(
                uow, now=self.ctx.clock.now(), participant=participant, message=message
            )
            await uow.commit()
            return result

    async def own_journal(self, participant: Person, n: int) -> list[EntryView]:
        async with self.ctx.uow() as uow:
            return await journal.recent_entries(uow, participant.id, n)

    async def read_journal(self, reader: Person, participant: Person, n: int) -> list[EntryView]:
        """A staff read of a journal: always written to the audit log."""
        async with self.ctx.uow() as uow:
            entries = await journal.recent_entries(uow, participant.id, n)
            await audit.record(
                uow,
                AuditEvent(
                    at=self.ctx.clock.now(),
                    actor=reader.code,
                    actor_id=reader.id,
                    action="journal.read",
                    subject_id=participant.id,
                    detail=f"entries={len(entries)}",
                ),
            )
            await uow.commit()
            return entries

    async def reply(
        self,
        sender: Sender,
        messages: Sequence[Outgoing],
        *,
        person_id: int | None = None,
        kind: str = "reply",
    ) -> None:
        """Queue the answers to this update and wake delivery."""
        async with self.ctx.uow() as uow:
            await enqueue_replies(
                uow,
                now=self.ctx.clock.now(),
                update_id=sender.update_id,
                chat_id=sender.chat_id,
                messages=messages,
                person_id=person_id,
                kind=kind,
            )
            await uow.commit()
        self.ctx.wake_delivery()

    async def invite(
        self,
        coordinator: Person,
        *,
        role: Role,
        code: str,
        therapist_code: str | None = None,
        name: str | None = None,
    ) -> enrollment.NewInvitation:
        """A coordinator invites someone from the chat (clinic defaults for zone and language)."""
        async with self.ctx.uow() as uow:
            created = await enrollment.invite(
                uow,
                now=self.ctx.clock.now(),
                role=role,
                code=code,
                timezone=self.ctx.default_timezone,
                therapist_code=therapist_code,
                name=name,
                ttl=self.ctx.invitation_ttl,
                actor=coordinator.code,
                actor_id=coordinator.id,
            )
            await uow.commit()
            return created

    async def participant_for(self, reader: Person, code: str) -> Person:
        """The participant ``code`` if ``reader`` is their therapist; NotFound otherwise."""
        async with self.ctx.uow() as uow:
            participant = await people.by_code(uow, code)
        if (
            participant is None
            or participant.role != Role.PARTICIPANT
            or participant.therapist_id != reader.id
        ):
            # the same answer whether the code exists or not: codes are not enumerable
            raise NotFound(code)
        return participant

    async def caseload(self, therapist: Person) -> list[Person]:
        async with self.ctx.uow() as uow:
            return list(await people.participants_of(uow, therapist.id))
