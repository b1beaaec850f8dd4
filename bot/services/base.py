"""What every group of use cases shares: the context, identification, replies, screening
and the scheduler tick (which feeds the silence signal)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import timedelta

from bot.domain.outgoing import Outgoing
from bot.domain.people import Person
from bot.domain.safety import Signal, Tier, silence_signal
from bot.services import flags, prompting
from bot.services.care import Care
from bot.services.context import ServiceContext
from bot.services.inbound import Sender
from bot.services.replies import enqueue_replies
from storage.uow import UnitOfWork

STRANGER_QUIET = timedelta(minutes=10)


class ServiceBase:
    """Shared by the participant and staff use cases; see ``bot/services/api.py``."""

    ctx: ServiceContext
    care: Care

    @property
    def consent_version(self) -> str:
        return self.ctx.catalogue.text("consent.version")

    async def identify(self, telegram_user_id: int) -> Person | None:
        async with self.ctx.uow() as uow:
            return await uow.people.by_telegram_id(telegram_user_id)

    async def _screen_and_flag(
        self, uow: UnitOfWork, participant: Person, text: str, source: str, source_id: int
    ) -> flags.FlagRaised | None:
        verdict = self.ctx.screen(text, participant.language)
        if verdict.tier is Tier.NONE:
            return None
        return await flags.raise_flag(
            uow,
            now=self.ctx.clock.now(),
            catalogue=self.ctx.catalogue,
            policy=self.ctx.policy,
            participant=participant,
            tier=verdict.tier,
            categories=verdict.categories,
            evidence=[
                {"rule": e.rule, "span": [e.span[0], e.span[1]], "text": e.text}
                for e in verdict.evidence
            ],
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
    ) -> flags.FlagRaised | None:
        return await flags.raise_flag(
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

    async def answer_stranger(self, sender: Sender, message: Outgoing) -> bool:
        """One short line to someone Ember does not know, at most once per quiet period.

        The mark that remembers them is a hash of the account, kept for the quiet period
        only; nothing else about them is stored. False when they were answered just now.
        """
        now = self.ctx.clock.now()
        account = hashlib.sha256(f"stranger:{sender.telegram_user_id}".encode()).hexdigest()
        async with self.ctx.uow() as uow:
            await uow.clinic.forget_marks("stranger:", now - STRANGER_QUIET)
            before = await uow.clinic.touch(f"stranger:{account[:40]}", now)
            if before is not None and now - before < STRANGER_QUIET:
                await uow.commit()
                return False
            await enqueue_replies(
                uow,
                now=now,
                update_id=sender.update_id,
                chat_id=sender.chat_id,
                messages=[message],
                kind="stranger",
            )
            await uow.commit()
        self.ctx.wake_delivery()
        return True

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

    async def tick(self) -> prompting.TickResult:
        """Send due prompts, remind, expire: one scheduler tick (jobs call this)."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            sent = await prompting.send_due(uow, now=now, catalogue=self.ctx.catalogue)
            later = await prompting.remind_and_expire(uow, now=now, catalogue=self.ctx.catalogue)
            await uow.commit()
        if sent.sent or later.reminded:
            self.ctx.wake_delivery()
        sent.reminded = later.reminded
        sent.missed += later.missed
        assert sent.missed_participants is not None and later.missed_participants is not None
        sent.missed_participants += later.missed_participants
        if sent.missed_participants:
            await self._silence_flags(set(sent.missed_participants))
        return sent

    async def _silence_flags(self, participant_ids: set[int]) -> None:
        """Several missed prompts in a row: a low flag (for the digest)."""
        async with self.ctx.uow() as uow:
            for participant_id in participant_ids:
                recent = await uow.schedules.recent_statuses(participant_id, 5)
                signal = silence_signal(recent)
                participant = await uow.people.by_id(participant_id)
                if signal is None or participant is None:
                    continue
                latest = await uow.schedules.latest_missed_id(participant_id)
                await self.raise_signal(uow, participant, signal, "silence", latest)
            await uow.commit()
