"""Use cases a participant sets off: enrollment, consent, journal, answers, pause and stop."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from bot.delivery.retry import DeliveryError, DeliveryErrorKind
from bot.domain.people import Person, PersonStatus, Role
from bot.domain.records import EntryView
from bot.domain.safety import Signal, Tier, scale_signal
from bot.domain.schedule import PromptStatus
from bot.errors import NotAllowed, NotFound
from bot.services import enrollment, participation, planning, prompting, questionnaire_flow
from bot.services import journal as journal_service
from bot.services.base import ServiceBase
from bot.services.inbound import InboundMessage, Sender
from bot.services.journal import JournalRecorded
from storage.outbox import ClaimedMessage
from storage.uow import UnitOfWork

ACK_QUIET = timedelta(seconds=20)  # several messages in a row get one thank-you, not one each


class ParticipantServices(ServiceBase):
    """What participants do (and what Telegram tells us about them)."""

    @staticmethod
    async def current(uow: UnitOfWork, participant: Person) -> Person:
        """The participant as stored now, checked in this unit of work: NotFound if they are
        gone, NotAllowed if the account is not a participant's."""
        person = await uow.people.by_id(participant.id)
        if person is None:
            raise NotFound(f"person #{participant.id}", key="problem.not_found")
        if person.role != Role.PARTICIPANT:
            raise NotAllowed(f"{person.code} is not a participant", key="problem.not_allowed")
        return person

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
            person = await uow.people.by_telegram_id(sender.telegram_user_id)
            if person is None:
                raise NotFound("not enrolled")
            if person.role != Role.PARTICIPANT:
                return person  # staff give no consent here; a forged button changes nothing
            person = await enrollment.record_consent(
                uow,
                now=self.ctx.clock.now(),
                person=person,
                agreed=agreed,
                version=self.consent_version,
            )
            if agreed:  # prompts planned before consent may still be inside their window
                await planning.replan(uow, now=self.ctx.clock.now(), participant=person)
            await uow.commit()
            return person

    async def record_journal(self, participant: Person, message: InboundMessage) -> JournalRecorded:
        """Store a message and screen it in the same transaction, before any reply."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            result = await journal_service.record_message(
                uow, now=now, participant=participant, message=message
            )
            raised = None
            if result.created and message.text:
                raised = await self._screen_and_flag(
                    uow, participant, message.text, "journal", result.message_id
                )
            if raised is not None:
                result = replace(result, tier=raised.tier)
            if (
                result.created
                and not result.edited
                and result.tier < Tier.HIGH
                and message.kind == "text"
            ):
                # several messages in a row get one thank-you; the mark is shared by instances
                before = await uow.clinic.touch(f"ack:{message.sender.chat_id}", now)
                quiet = before is not None and now - before < ACK_QUIET
                result = replace(result, quiet=result.continued and quiet)
            await uow.commit()
        if raised is not None:
            self.ctx.wake_delivery()
        return result

    async def own_journal(self, participant: Person, n: int) -> list[EntryView]:
        async with self.ctx.uow() as uow:
            return await uow.journal.recent_entries(participant.id, n)

    async def pause(self, participant: Person, duration: timedelta | None) -> Person:
        async with self.ctx.uow() as uow:
            person = await self.current(uow, participant)
            person = await participation.pause(
                uow, now=self.ctx.clock.now(), participant=person, duration=duration
            )
            await uow.commit()
            return person

    async def resume(self, participant: Person) -> bool:
        async with self.ctx.uow() as uow:
            person = await self.current(uow, participant)
            resumed = await participation.resume(uow, now=self.ctx.clock.now(), participant=person)
            await uow.commit()
        return resumed

    async def withdraw(self, participant: Person) -> None:
        async with self.ctx.uow() as uow:
            person = await self.current(uow, participant)
            if person.status != PersonStatus.WITHDRAWN:
                await participation.withdraw(
                    uow, now=self.ctx.clock.now(), participant=person, catalogue=self.ctx.catalogue
                )
            await uow.commit()
        self.ctx.wake_delivery()

    async def answer_button(
        self,
        participant: Person,
        sender: Sender,
        prompt_id: int,
        value: str,
        message_id: int | None,
    ) -> ButtonAnswer:
        """A scale or choice button: checked against the caller (callback data can be forged)."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            prompt = await uow.schedules.prompt_by_id(prompt_id)
            if prompt is None or prompt.participant_id != participant.id:
                return ButtonAnswer("not_yours")
            label = await prompting.answer_label(uow, prompt, value, participant)
            if label is None:
                return ButtonAnswer("not_yours")
            if prompt.status not in (PromptStatus.SENT, PromptStatus.ANSWERED) or (
                now >= prompt.expires_at and prompt.status == PromptStatus.SENT
            ):
                return ButtonAnswer("closed")
            inbound = InboundMessage(
                sender=sender, message_id=-sender.update_id, kind=prompt.kind, text=label
            )
            recorded = await journal_service.record_message(
                uow, now=now, participant=participant, message=inbound, prompt_id=prompt.id
            )
            await journal_service.mark_answered(uow, prompt, now)
            raised = None
            if recorded.created and prompt.kind == "scale":
                earlier = await uow.journal.scale_history(
                    participant.id, before_id=recorded.message_id
                )
                signal = scale_signal(int(label), earlier)
                if signal is not None:
                    raised = await self.raise_signal(
                        uow, participant, signal, "scale", recorded.message_id
                    )
            elif recorded.created:
                raised = await self._screen_and_flag(
                    uow, participant, label, "choice", recorded.message_id
                )
            await uow.commit()
        if raised is not None:
            self.ctx.wake_delivery()
        return ButtonAnswer("recorded", label=label, prompt_kind=prompt.kind, recorded=recorded)

    async def delivery_failed(self, message: ClaimedMessage, error: DeliveryError) -> None:
        """The outbox gave up on a message: a blocked participant is marked and their
        therapist told; anything else stays visible as a failed outbox row."""
        if error.kind is not DeliveryErrorKind.BLOCKED or message.person_id is None:
            return
        await self.set_reachable(message.person_id, reachable=False)

    async def set_reachable(self, person_id: int, *, reachable: bool) -> None:
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            person = await uow.people.by_id(person_id)
            if person is None or person.role != Role.PARTICIPANT:
                return
            if not reachable and person.status in (PersonStatus.ACTIVE, PersonStatus.PAUSED):
                person = replace(person, status=PersonStatus.UNREACHABLE)
                await uow.people.save(person)
                await participation.notify_therapist(
                    uow,
                    now=now,
                    participant=person,
                    catalogue=self.ctx.catalogue,
                    event="unreachable",
                )
            elif reachable and person.status == PersonStatus.UNREACHABLE:
                person = replace(person, status=PersonStatus.ACTIVE)
                await uow.people.save(person)
                await participation.notify_therapist(
                    uow,
                    now=now,
                    participant=person,
                    catalogue=self.ctx.catalogue,
                    event="reachable",
                )
            else:
                return
            await uow.commit()
        self.ctx.wake_delivery()

    async def membership_changed(self, sender: Sender, *, blocked: bool) -> None:
        person = await self.identify(sender.telegram_user_id)
        if person is not None:
            await self.set_reachable(person.id, reachable=not blocked)

    # -- staff: sessions, prompts, protocols ------------------------------------------

    async def answer_questionnaire(
        self, participant: Person, sender: Sender, prompt_id: int, item: int, value: int
    ) -> questionnaire_flow.QuestionnaireStep:
        """One questionnaire button; scores and records the result when the last is answered."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            prompt = await uow.schedules.prompt_by_id(prompt_id)
            if prompt is None:
                return questionnaire_flow.QuestionnaireStep("invalid")
            step = await questionnaire_flow.answer_item(
                uow,
                now=now,
                catalogue=self.ctx.catalogue,
                participant=participant,
                prompt=prompt,
                item_number=item,
                value=value,
            )
            if step.outcome == "done" and step.score and step.instrument:
                inbound = InboundMessage(
                    sender=sender,
                    message_id=-sender.update_id,
                    kind="questionnaire",
                    text=questionnaire_flow.summary(step.instrument, step.score),
                )
                await journal_service.record_message(
                    uow, now=now, participant=participant, message=inbound, prompt_id=prompt.id
                )
            for alert in step.new_alerts:
                signal = Signal(
                    alert.tier, (alert.category,), f"questionnaire.{alert.rule_id}", alert.reason
                )
                await self.raise_signal(uow, participant, signal, "questionnaire", prompt.id)
            await uow.commit()
        self.ctx.wake_delivery()
        return step


@dataclass(frozen=True)
class ButtonAnswer:
    outcome: str  # recorded | closed | not_yours
    label: str | None = None
    prompt_kind: str | None = None
    recorded: JournalRecorded | None = None
