"""Erasure requests, and erasing a participant: the one place that knows every table holding
something of theirs (docs/privacy.md says what is erased and what the tombstone keeps).

What is erased is deleted, not blanked: journal entries, messages and earlier versions, media
references, flags with their evidence, alerts and escalations, notes, sessions, prompts
(questionnaire progress and scores with them), consents and invitations. Outbox rows to the
participant are deleted; rows to staff that name them (alerts, digests, journal views,
notices) are deleted while still queued, and have their payload replaced once sent (a sent
row's key must stay, or a digest would go out twice). Stored updates from them lose their
payload. Audit entries about them keep who, what and when, and lose their detail.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.erasure import ErasureCounts, ErasureRequest, ErasureStatus
from bot.domain.outgoing import Outgoing
from bot.domain.people import Person
from bot.errors import DecryptionFailed
from storage.crypto import Cipher
from storage.models import (
    Alert,
    AuditEvent,
    ChatPace,
    Consent,
    Escalation,
    Flag,
    InboundUpdate,
    Invitation,
    JournalEntry,
    JournalMessage,
    JournalMessageVersion,
    Mark,
    Note,
    OutboxMessage,
    OutboxStatus,
    ScheduledPrompt,
    TreatmentSession,
)
from storage.models import ErasureRequest as RequestRow
from storage.values import names, to_value, write_back

_FIELDS = names(ErasureRequest, skip=("id", "status"))
ERASED_PAYLOAD = "(removed: it named a participant whose data were erased)"
_UNSENT = (OutboxStatus.PENDING, OutboxStatus.CLAIMED, OutboxStatus.SENDING)
_CHUNK = 500


def _request(row: RequestRow) -> ErasureRequest:
    return to_value(row, ErasureRequest, _FIELDS, id=row.id, status=ErasureStatus(row.status))


def _mentions_account(value: Any, telegram_user_id: int) -> bool:
    """Whether an update's JSON comes from (or is about) this Telegram account."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if (
                key in ("from", "chat", "user")
                and isinstance(inner, dict)
                and inner.get("id") == telegram_user_id
            ):
                return True
            if _mentions_account(inner, telegram_user_id):
                return True
    elif isinstance(value, list):
        return any(_mentions_account(v, telegram_user_id) for v in value)
    return False


@dataclass
class _Plan:
    """The rows of one participant found across the tables, before anything is erased."""

    own_outbox: int = 0
    unsent_about: list[int] = field(default_factory=list)  # deleted
    sent_about: list[int] = field(default_factory=list)  # payload replaced
    inbox: list[int] = field(default_factory=list)  # update ids whose payload goes


class Erasures:
    """Erasure requests, and erasing everything of one participant but the tombstone."""

    def __init__(self, session: AsyncSession, cipher: Cipher) -> None:
        self._session = session
        self._cipher = cipher

    # -- requests --------------------------------------------------------------------

    async def add_request(self, request: ErasureRequest) -> ErasureRequest:
        """Store a new request (its ``id`` is ignored); returns it with its id."""
        row = RequestRow(**{n: getattr(request, n) for n in _FIELDS}, status=request.status.value)
        self._session.add(row)
        await self._session.flush()
        return _request(row)

    async def save_request(self, request: ErasureRequest) -> None:
        values = {n: getattr(request, n) for n in _FIELDS}
        await write_back(
            self._session, RequestRow, request.id, {**values, "status": request.status.value}
        )

    async def open_request(self, participant_id: int) -> ErasureRequest | None:
        """The participant's request still waiting to be carried out, if any."""
        row = await self._session.scalar(
            select(RequestRow)
            .where(
                RequestRow.participant_id == participant_id,
                RequestRow.status == ErasureStatus.OPEN,
            )
            .order_by(RequestRow.id.desc())
            .limit(1)
        )
        return _request(row) if row else None

    async def latest_request(self, participant_id: int) -> ErasureRequest | None:
        row = await self._session.scalar(
            select(RequestRow)
            .where(RequestRow.participant_id == participant_id)
            .order_by(RequestRow.id.desc())
            .limit(1)
        )
        return _request(row) if row else None

    # -- erasing ---------------------------------------------------------------------

    async def inventory(self, participant: Person) -> ErasureCounts:
        """What erasing ``participant`` would remove, counted; nothing changes."""
        plan = await self._plan(participant)
        return await self._counts(participant, plan)

    async def erase(self, participant: Person, *, now: datetime) -> ErasureCounts:
        """Erase everything of ``participant`` but the tombstone; returns what went.

        The person row itself is the caller's to turn into a tombstone (``uow.people``).
        """
        plan = await self._plan(participant)
        counts = await self._counts(participant, plan)
        pid = participant.id
        s = self._session
        own_messages = select(JournalMessage.id).where(JournalMessage.participant_id == pid)
        await s.execute(
            delete(JournalMessageVersion).where(JournalMessageVersion.message_id.in_(own_messages))
        )
        await s.execute(delete(JournalMessage).where(JournalMessage.participant_id == pid))
        await s.execute(delete(JournalEntry).where(JournalEntry.participant_id == pid))
        own_alerts = select(Alert.id).where(Alert.participant_id == pid)
        await s.execute(delete(Escalation).where(Escalation.alert_id.in_(own_alerts)))
        await s.execute(delete(Alert).where(Alert.participant_id == pid))
        await s.execute(delete(Flag).where(Flag.participant_id == pid))
        await s.execute(delete(Note).where(Note.participant_id == pid))
        await s.execute(delete(ScheduledPrompt).where(ScheduledPrompt.participant_id == pid))
        await s.execute(delete(TreatmentSession).where(TreatmentSession.participant_id == pid))
        await s.execute(delete(Consent).where(Consent.person_id == pid))
        await s.execute(delete(Invitation).where(Invitation.person_id == pid))
        own_outbox = select(OutboxMessage.id).where(self._own_outbox(participant))
        # an edit of a message that goes has nothing left to change: it goes first
        await s.execute(delete(OutboxMessage).where(OutboxMessage.edits_id.in_(own_outbox)))
        await s.execute(delete(OutboxMessage).where(self._own_outbox(participant)))
        for ids in _chunks(plan.unsent_about):
            await s.execute(delete(OutboxMessage).where(OutboxMessage.edits_id.in_(ids)))
            await s.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))
        scrubbed = self._cipher.seal(Outgoing(ERASED_PAYLOAD).to_json())
        for ids in _chunks(plan.sent_about):
            await s.execute(
                update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(payload_enc=scrubbed)
            )
        for ids in _chunks(plan.inbox):
            await s.execute(
                update(InboundUpdate)
                .where(InboundUpdate.update_id.in_(ids))
                .values(
                    payload_enc=None,
                    status="erased",
                    processed_at=now,
                    error=None,
                    chat_id=None,
                    claimed_by=None,
                    claimed_at=None,
                )
            )
        if participant.chat_id is not None:
            # the ids of their handled updates stay (deduplication), not which chat they were
            await s.execute(
                update(InboundUpdate)
                .where(InboundUpdate.chat_id == participant.chat_id)
                .values(chat_id=None)
            )
            await s.execute(delete(Mark).where(Mark.key == f"ack:{participant.chat_id}"))
            await s.execute(delete(ChatPace).where(ChatPace.chat_id == participant.chat_id))
        safety_marks = Mark.key.startswith(f"safety:{pid}:", autoescape=True)
        await s.execute(delete(Mark).where(safety_marks))
        await s.execute(
            update(AuditEvent)
            .where(AuditEvent.subject_id == pid, AuditEvent.detail.is_not(None))
            .values(detail=None)
        )
        await s.flush()
        return counts

    def _own_outbox(self, participant: Person) -> ColumnElement[bool]:
        """Outbox rows to the participant: theirs by person, or by their chat."""
        mine = [OutboxMessage.person_id == participant.id]
        if participant.chat_id is not None:
            mine.append(OutboxMessage.chat_id == participant.chat_id)
        return or_(*mine)

    def _others_outbox(self, participant: Person) -> ColumnElement[bool]:
        """Every other outbox row (NULL-safe: a row for nobody in particular is another's)."""
        theirs = [or_(OutboxMessage.person_id.is_(None), OutboxMessage.person_id != participant.id)]
        if participant.chat_id is not None:
            theirs.append(OutboxMessage.chat_id != participant.chat_id)
        return and_(*theirs)

    async def _plan(self, participant: Person) -> _Plan:
        plan = _Plan()
        s = self._session
        own = self._own_outbox(participant)
        plan.own_outbox = int(
            await s.scalar(select(func.count()).select_from(OutboxMessage).where(own)) or 0
        )
        named = re.compile(rf"(?<![\w-]){re.escape(participant.code)}(?![\w-])", re.IGNORECASE)
        others = await s.execute(
            select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.payload_enc).where(
                self._others_outbox(participant)
            )
        )
        for message_id, status, payload in others:
            text = self._opened(payload)
            if text is None or not named.search(Outgoing.from_json(text).text):
                continue
            (plan.unsent_about if status in _UNSENT else plan.sent_about).append(message_id)
        if participant.telegram_user_id is not None:
            stored = await s.execute(
                select(InboundUpdate.update_id, InboundUpdate.payload_enc).where(
                    InboundUpdate.payload_enc.is_not(None)
                )
            )
            for update_id, sealed in stored:
                raw = self._opened(sealed)
                if raw is not None and _mentions_account(
                    json.loads(raw), participant.telegram_user_id
                ):
                    plan.inbox.append(update_id)
        return plan

    def _opened(self, sealed: str | None) -> str | None:
        """Sealed text opened; None when there is none or no configured key opens it (text
        nobody can read is not readable after erasure either)."""
        if not sealed:
            return None
        try:
            return self._cipher.open(sealed)
        except DecryptionFailed:
            return None

    async def _counts(self, participant: Person, plan: _Plan) -> ErasureCounts:
        pid = participant.id

        async def count(model: Any, *where: Any) -> int:
            stmt = select(func.count()).select_from(model).where(*where)
            return int(await self._session.scalar(stmt) or 0)

        own_messages = select(JournalMessage.id).where(JournalMessage.participant_id == pid)
        own_alerts = select(Alert.id).where(Alert.participant_id == pid)
        return ErasureCounts(
            entries=await count(JournalEntry, JournalEntry.participant_id == pid),
            messages=await count(JournalMessage, JournalMessage.participant_id == pid),
            versions=await count(
                JournalMessageVersion, JournalMessageVersion.message_id.in_(own_messages)
            ),
            media=await count(
                JournalMessage,
                JournalMessage.participant_id == pid,
                JournalMessage.media_enc.is_not(None),
            ),
            flags=await count(Flag, Flag.participant_id == pid),
            alerts=await count(Alert, Alert.participant_id == pid),
            escalations=await count(Escalation, Escalation.alert_id.in_(own_alerts)),
            notes=await count(Note, Note.participant_id == pid),
            sessions=await count(TreatmentSession, TreatmentSession.participant_id == pid),
            prompts=await count(ScheduledPrompt, ScheduledPrompt.participant_id == pid),
            consents=await count(Consent, Consent.person_id == pid),
            invitations=await count(Invitation, Invitation.person_id == pid),
            outbox=plan.own_outbox + len(plan.unsent_about) + len(plan.sent_about),
            inbox=len(plan.inbox),
            audit_details=await count(
                AuditEvent, AuditEvent.subject_id == pid, AuditEvent.detail.is_not(None)
            ),
        )


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    return [list(ids[i : i + _CHUNK]) for i in range(0, len(ids), _CHUNK)]
