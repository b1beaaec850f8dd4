"""The services handlers call: each opens one unit of work, does one use case, commits.

Handlers reach this through ``context.services`` (see ``bot/context.py``); nothing here
imports ``telegram``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.delivery.retry import DeliveryError, DeliveryErrorKind
from bot.domain.outgoing import Outgoing
from bot.domain.safety import Signal, scale_signal, silence_signal
from bot.errors import NotFound
from bot.services import enrollment, questionnaire_flow, render, scheduling
from bot.services import journal as journal_service
from bot.services import safety as safety_service
from bot.services.care import Care
from bot.services.context import ServiceContext
from bot.services.inbound import InboundMessage, Sender
from bot.services.journal import JournalRecorded
from bot.services.replies import enqueue_replies
from prompts.protocols import list_shipped_protocols, protocol_from_yaml
from storage import audit, journal, people, schedules
from storage import safety as safety_store
from storage.journal import EntryView
from storage.models import AuditEvent, Flag, Person, PersonStatus, PromptStatus, Role
from storage.outbox import ClaimedMessage
from storage.uow import UnitOfWork


class Services:
    """Use cases for the Telegram adapters."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.care = Care(ctx)
        self.after_tick: list[Callable[[scheduling.TickResult], Awaitable[None]]] = []

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
            if agreed:  # prompts planned before consent may still be inside their window
                await scheduling.replan(uow, now=self.ctx.clock.now(), participant=person)
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
            await uow.commit()
        if raised is not None:
            self.ctx.wake_delivery()
            return replace(result, tier=raised.tier)
        return result

    async def _screen_and_flag(
        self, uow: UnitOfWork, participant: Person, text: str, source: str, source_id: int
    ) -> safety_service.FlagRaised | None:
        verdict = self.ctx.screen(text, participant.language)
        tier = str(verdict["tier"])
        if tier == "none":
            return None
        return await safety_service.raise_flag(
            uow,
            now=self.ctx.clock.now(),
            catalogue=self.ctx.catalogue,
            policy=self.ctx.policy,
            participant=participant,
            tier=tier,
            categories=[str(c) for c in verdict["categories"]],  # type: ignore[attr-defined]
            evidence=list(verdict["evidence"]),  # type: ignore[call-overload]
            source_kind=source,
            source_id=source_id,
            text=text,
        )

    async def raise_signal(
        self,
        uow: UnitOfWork,
        participant: Person,
        signal: Signal,
        source: str,
        source_id: int | None,
    ) -> safety_service.FlagRaised | None:
        return await safety_service.raise_flag(
            uow,
            now=self.ctx.clock.now(),
            catalogue=self.ctx.catalogue,
            policy=self.ctx.policy,
            participant=participant,
            tier=signal.tier,
            categories=signal.categories,
            evidence=[{"rule": signal.rule}],
            source_kind=source,
            source_id=source_id,
            explanation=signal.explanation,
        )

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

    # -- schedules -------------------------------------------------------------------

    async def tick(self) -> scheduling.TickResult:
        """Send due prompts, remind, expire: one scheduler tick (jobs call this)."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            sent = await scheduling.send_due(uow, now=now, catalogue=self.ctx.catalogue)
            later = await scheduling.remind_and_expire(uow, now=now, catalogue=self.ctx.catalogue)
            await uow.commit()
        if sent.sent or later.reminded:
            self.ctx.wake_delivery()
        sent.reminded = later.reminded
        sent.missed += later.missed
        assert sent.missed_participants is not None and later.missed_participants is not None
        sent.missed_participants += later.missed_participants
        if sent.missed_participants:
            await self._silence_flags(set(sent.missed_participants))
        for hook in self.after_tick:
            await hook(sent)
        return sent

    async def _silence_flags(self, participant_ids: set[int]) -> None:
        """Several missed prompts in a row: a low flag (for the digest)."""
        async with self.ctx.uow() as uow:
            for participant_id in participant_ids:
                recent = await schedules.recent_statuses(uow, participant_id, 5)
                signal = silence_signal(recent)
                participant = await people.by_id(uow, participant_id)
                if signal is None or participant is None:
                    continue
                latest = await schedules.latest_missed_id(uow, participant_id)
                await self.raise_signal(uow, participant, signal, "silence", latest)
            await uow.commit()

    async def escalate(self) -> int:
        """Escalate unacknowledged alerts whose time has come (a scheduler job)."""
        async with self.ctx.uow() as uow:
            rounds = await safety_service.escalate_due(
                uow,
                now=self.ctx.clock.now(),
                catalogue=self.ctx.catalogue,
                policy=self.ctx.policy,
            )
            await uow.commit()
        if rounds:
            self.ctx.wake_delivery()
        return rounds

    async def acknowledge(
        self, staff: Person, *, alert_id: int | None = None, flag_id: int | None = None
    ) -> safety_service.Acknowledged:
        async with self.ctx.uow() as uow:
            if alert_id is not None:
                result = await safety_service.acknowledge(
                    uow, now=self.ctx.clock.now(), staff=staff, alert_id=alert_id
                )
            else:
                assert flag_id is not None
                result = await safety_service.acknowledge_flag(
                    uow, now=self.ctx.clock.now(), staff=staff, flag_id=flag_id
                )
            await uow.commit()
        return result

    async def open_flags(self, staff: Person) -> list[tuple[Flag, Person]]:
        async with self.ctx.uow() as uow:
            ids = None
            if staff.role == Role.THERAPIST:
                ids = [p.id for p in await people.participants_of(uow, staff.id)]
            return list(await safety_store.open_flags(uow, ids))

    async def pause(self, participant: Person, duration: timedelta | None) -> Person:
        async with self.ctx.uow() as uow:
            person = await people.by_id(uow, participant.id)
            assert person is not None
            await scheduling.pause(
                uow, now=self.ctx.clock.now(), participant=person, duration=duration
            )
            await uow.commit()
            return person

    async def resume(self, participant: Person) -> bool:
        async with self.ctx.uow() as uow:
            person = await people.by_id(uow, participant.id)
            assert person is not None
            resumed = await scheduling.resume(uow, now=self.ctx.clock.now(), participant=person)
            await uow.commit()
        return resumed

    async def withdraw(self, participant: Person) -> None:
        async with self.ctx.uow() as uow:
            person = await people.by_id(uow, participant.id)
            assert person is not None
            if person.status != PersonStatus.WITHDRAWN:
                await scheduling.withdraw(
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
            prompt = await schedules.prompt_by_id(uow, prompt_id)
            if prompt is None or prompt.participant_id != participant.id:
                return ButtonAnswer("not_yours")
            label = await scheduling.answer_label(uow, prompt, value, participant)
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
            journal_service.mark_answered(prompt, now)
            raised = None
            if recorded.created and prompt.kind == "scale":
                earlier = await journal.scale_history(
                    uow, participant.id, before_id=recorded.message_id
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
            person = await people.by_id(uow, person_id)
            if person is None or person.role != Role.PARTICIPANT:
                return
            if not reachable and person.status in (PersonStatus.ACTIVE, PersonStatus.PAUSED):
                person.status = PersonStatus.UNREACHABLE
                await scheduling.notify_therapist(
                    uow,
                    now=now,
                    participant=person,
                    catalogue=self.ctx.catalogue,
                    event="unreachable",
                )
            elif reachable and person.status == PersonStatus.UNREACHABLE:
                person.status = PersonStatus.ACTIVE
                await scheduling.notify_therapist(
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

    async def participant_visible_to(self, actor: Person, code: str) -> Person:
        """Coordinators see every participant; therapists only their own."""
        if actor.role == Role.THERAPIST:
            return await self.participant_for(actor, code)
        async with self.ctx.uow() as uow:
            participant = await people.by_code(uow, code)
        if participant is None or participant.role != Role.PARTICIPANT:
            raise NotFound(code)
        return participant

    async def add_session(
        self, actor: Person | None, participant: Person, kind: str, when: str
    ) -> SessionView:
        now = self.ctx.clock.now()
        starts = scheduling.parse_local(when, participant.timezone)
        async with self.ctx.uow() as uow:
            person = await people.by_id(uow, participant.id)
            assert person is not None
            session = await scheduling.add_session(
                uow, now=now, participant=person, kind=kind.lower(), starts_at=starts, actor=actor
            )
            await uow.commit()
        return SessionView(session.id, session.kind, local(session.starts_at, participant))

    async def change_session(
        self,
        actor: Person | None,
        participant: Person,
        session_id: int,
        *,
        when: str | None = None,
        cancel: bool = False,
    ) -> SessionView:
        now = self.ctx.clock.now()
        starts = scheduling.parse_local(when, participant.timezone) if when else None
        async with self.ctx.uow() as uow:
            existing = await schedules.session_by_id(uow, session_id)
            if existing is None or existing.participant_id != participant.id:
                raise NotFound(f"no session #{session_id} for {participant.code}")
            session = await scheduling.change_session(
                uow, now=now, session_id=session_id, starts_at=starts, cancel=cancel, actor=actor
            )
            await uow.commit()
        return SessionView(session.id, session.kind, local(session.starts_at, participant))

    async def one_off_prompt(self, actor: Person | None, participant: Person, text: str) -> None:
        async with self.ctx.uow() as uow:
            await scheduling.one_off_prompt(
                uow, now=self.ctx.clock.now(), participant=participant, text=text, author=actor
            )
            await uow.commit()
        await self.tick()

    async def protocol_summary(self) -> list[dict[str, object]]:
        async with self.ctx.uow() as uow:
            rows = []
            for stored in await schedules.stored_protocols(uow):
                count = len(await schedules.participants_on(uow, stored.id))
                rows.append(
                    {
                        "id": stored.id,
                        "version": stored.version,
                        "name": stored.name,
                        "count": count,
                    }
                )
            return rows

    async def schedule_view(self, participant: Person) -> str:
        async with self.ctx.uow() as uow:
            sessions = await schedules.sessions_of(uow, participant.id)
            prompts = await schedules.prompts_of(uow, participant.id)
        return render.schedule_text(self.ctx.catalogue, participant, sessions, prompts)

    async def load_shipped_protocols(self) -> list[str]:
        """At start-up: protocols shipped in prompts/ that are not loaded yet get loaded.

        A protocol already in the database is left as the coordinators loaded it.
        """
        loaded: list[str] = []
        async with self.ctx.uow() as uow:
            for path in list_shipped_protocols():
                source = path.read_text(encoding="utf-8")
                protocol = protocol_from_yaml(source, f"prompts/{path.name}")
                if await schedules.stored_protocol(uow, protocol.id) is None:
                    await scheduling.load_protocol(
                        uow,
                        now=self.ctx.clock.now(),
                        source=source,
                        source_name=f"prompts/{path.name}",
                        actor="system",
                    )
                    loaded.append(protocol.id)
            await uow.commit()
        return loaded

    async def answer_questionnaire(
        self, participant: Person, sender: Sender, prompt_id: int, item: int, value: int
    ) -> questionnaire_flow.QuestionnaireStep:
        """One questionnaire button; scores and records the result when the last is answered."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            prompt = await schedules.prompt_by_id(uow, prompt_id)
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


@dataclass(frozen=True)
class SessionView:
    id: int
    kind: str
    local_time: str


def local(when: datetime, person: Person) -> str:
    """A stored UTC time as the person's local wall time."""
    return when.astimezone(ZoneInfo(person.timezone)).strftime("%Y-%m-%d %H:%M %Z")
