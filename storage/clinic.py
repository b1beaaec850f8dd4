"""Clinic-wide records: run-time settings (who is on call), clinicians' notes, statistics,
and the marks that keep quiet periods shared between instances."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.people import PersonStatus, Role
from bot.domain.safety import AlertStatus, FlagStatus
from bot.domain.schedule import PromptStatus
from bot.domain.stats import ClinicCounts, PromptFact
from storage.crypto import Cipher
from storage.models import (
    Alert,
    ClinicSetting,
    Flag,
    Mark,
    Note,
    OutboxMessage,
    Person,
    ScheduledPrompt,
)
from storage.sql import insert_ignore


class Clinic:
    """Settings, notes and counts that belong to the clinic rather than one person."""

    def __init__(self, session: AsyncSession, cipher: Cipher) -> None:
        self._session = session
        self._cipher = cipher

    async def get_setting(self, key: str) -> str | None:
        row = await self._session.get(ClinicSetting, key)
        return row.value if row else None

    async def set_setting(self, key: str, value: str, now: datetime) -> None:
        row = await self._session.get(ClinicSetting, key)
        if row is None:
            self._session.add(ClinicSetting(key=key, value=value, updated_at=now))
        else:
            row.value, row.updated_at = value, now
        await self._session.flush()

    async def mark(self, key: str) -> datetime | None:
        """When the mark ``key`` was last set, if ever (without setting it)."""
        row = await self._session.get(Mark, key)
        return row.at if row else None

    async def touch(self, key: str, now: datetime) -> datetime | None:
        """Set the mark ``key`` to ``now``; returns when it was set before, if ever."""
        row = await self._session.get(Mark, key)
        if row is None:
            if await insert_ignore(self._session, Mark, {"key": key, "at": now}, ["key"]):
                return None
            row = await self._session.get(Mark, key, populate_existing=True)
            assert row is not None
        before = row.at
        row.at = now
        await self._session.flush()
        return before

    async def forget_marks(self, prefix: str, before: datetime) -> None:
        """Drop the marks under ``prefix`` last set before ``before``."""
        await self._session.execute(
            delete(Mark).where(Mark.key.startswith(prefix, autoescape=True), Mark.at < before)
        )

    async def add_note(
        self, *, participant_id: int, author_id: int, text: str, now: datetime
    ) -> None:
        """A clinician's note about a participant, sealed."""
        self._session.add(
            Note(
                participant_id=participant_id,
                author_id=author_id,
                body_enc=self._cipher.seal(text),
                created_at=now,
            )
        )
        await self._session.flush()

    async def counts(
        self, now: datetime, *, since: datetime, therapist_id: int | None = None
    ) -> ClinicCounts:
        """The figures' makings for the clinic, or for one therapist's participants."""
        s = self._session
        mine = select(Person.id).where(Person.therapist_id == therapist_id)
        people_q = select(Person.role, Person.status, func.count()).group_by(
            Person.role, Person.status
        )
        if therapist_id is not None:
            people_q = people_q.where(Person.therapist_id == therapist_id)
        people: Counter[tuple[Role, PersonStatus]] = Counter()
        for role, status, n in (await s.execute(people_q)).all():
            people[(Role(role), PersonStatus(status))] += n
        prompts_q = select(
            ScheduledPrompt.protocol_id,
            ScheduledPrompt.step_id,
            ScheduledPrompt.status,
            ScheduledPrompt.expires_at,
        ).where(ScheduledPrompt.sent_at >= since)
        flags_q = select(Flag.tier).where(Flag.status == FlagStatus.OPEN)
        acked_q = select(Flag.created_at, Flag.acknowledged_at).where(
            Flag.acknowledged_at.is_not(None), Flag.created_at >= since
        )
        alerts_q = select(func.count()).select_from(Alert).where(Alert.status == AlertStatus.OPEN)
        if therapist_id is not None:
            prompts_q = prompts_q.where(ScheduledPrompt.participant_id.in_(mine))
            flags_q = flags_q.where(Flag.participant_id.in_(mine))
            acked_q = acked_q.where(Flag.participant_id.in_(mine))
            alerts_q = alerts_q.where(Alert.participant_id.in_(mine))
        prompts = tuple(
            PromptFact(protocol, step, PromptStatus(status), expires)
            for protocol, step, status, expires in (await s.execute(prompts_q)).all()
        )
        flags = Counter((await s.execute(flags_q)).scalars())
        acked = (await s.execute(acked_q)).all()
        unacked = await s.scalar(alerts_q)
        box: Counter[str] = Counter()
        if therapist_id is None:
            box = Counter(
                dict(
                    (status, n)
                    for status, n in (
                        await s.execute(
                            select(OutboxMessage.status, func.count()).group_by(
                                OutboxMessage.status
                            )
                        )
                    ).all()
                )
            )
        return ClinicCounts(
            now=now,
            therapist_id=therapist_id,
            people=people,
            prompts=prompts,
            open_flags=flags,
            ack_minutes=tuple((b - a).total_seconds() / 60 for a, b in acked if a and b),
            open_alerts=int(unacked or 0),
            outbox=box,
        )
