"""Stored protocols, treatment sessions and scheduled prompts, as frozen values.

One-off prompt texts are sealed at rest and opened here; reminder times are stored as a
comma-separated list of ISO instants and handed out as a tuple. A sent prompt's next moment
of attention (its next reminder, or else its expiry) is kept beside them in ``attention_at``,
written here on every save, so the tick finds what is due without reading what is not.
Methods taking many participants read them with one query per ``CHUNK`` (500) of ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.records import CANCELLED, ScheduledPrompt, StoredProtocol, TreatmentSession
from bot.domain.schedule import PromptStatus
from storage.crypto import Cipher
from storage.models import OutboxMessage
from storage.models import ScheduledPrompt as PromptRow
from storage.models import StoredProtocol as ProtocolRow
from storage.models import TreatmentSession as SessionRow
from storage.sql import chunks, dialect_insert
from storage.values import names, to_value, write_back

_SESSION = names(TreatmentSession, skip=("id", "doses"))
_PROTOCOL = names(StoredProtocol)
_PROMPT = names(ScheduledPrompt, skip=("id", "text", "reminder_times", "status"))


def _protocol_value(row: ProtocolRow) -> StoredProtocol:
    return to_value(row, StoredProtocol, _PROTOCOL)


def _times(raw: str) -> tuple[datetime, ...]:
    return tuple(datetime.fromisoformat(r) for r in raw.split(",") if r)


def attention_at(prompt: ScheduledPrompt) -> datetime | None:
    """When a sent prompt next needs the tick: its next reminder, or else its expiry."""
    if prompt.status != PromptStatus.SENT:
        return None
    times = prompt.reminder_times
    if prompt.reminders_sent < len(times):
        return min(times[prompt.reminders_sent], prompt.expires_at)
    return prompt.expires_at


class Schedules:
    """Stored protocols, treatment sessions and scheduled prompts."""

    def __init__(self, session: AsyncSession, cipher: Cipher) -> None:
        self._session = session
        self._cipher = cipher
        # read once per unit of work: a tick renders many prompts of the same protocol
        self._protocols: dict[str, StoredProtocol | None] = {}

    # -- protocols -----------------------------------------------------------------

    async def stored_protocol(self, protocol_id: str) -> StoredProtocol | None:
        if protocol_id not in self._protocols:
            row = await self._session.get(ProtocolRow, protocol_id)
            self._protocols[protocol_id] = _protocol_value(row) if row else None
        return self._protocols[protocol_id]

    async def stored_protocols(self) -> list[StoredProtocol]:
        rows = await self._session.scalars(select(ProtocolRow).order_by(ProtocolRow.id))
        return [_protocol_value(r) for r in rows]

    async def save_protocol(self, protocol: StoredProtocol) -> None:
        """Store a protocol's source, replacing an earlier version with the same id."""
        self._protocols.pop(protocol.id, None)
        row = await self._session.get(ProtocolRow, protocol.id)
        if row is None:
            self._session.add(ProtocolRow(**{n: getattr(protocol, n) for n in _PROTOCOL}))
            await self._session.flush()
        else:
            await write_back(
                self._session,
                ProtocolRow,
                protocol.id,
                {n: getattr(protocol, n) for n in _PROTOCOL},
            )

    # -- sessions ------------------------------------------------------------------

    def _session_value(self, row: SessionRow) -> TreatmentSession:
        doses = self._cipher.open(row.doses_enc) if row.doses_enc else None
        return to_value(row, TreatmentSession, _SESSION, id=row.id, doses=doses)

    def _session_columns(self, session: TreatmentSession, row: SessionRow | None) -> dict[str, Any]:
        values: dict[str, Any] = {n: getattr(session, n) for n in _SESSION}
        before = self._cipher.open(row.doses_enc) if row is not None and row.doses_enc else None
        if row is None or before != session.doses:  # sealed again only when it changed
            values["doses_enc"] = self._cipher.seal_optional(session.doses)
        return values

    async def sessions_shared(self, shared_id: int) -> list[TreatmentSession]:
        """Every partner's row of one shared session (a couple's), by id."""
        rows = await self._session.scalars(
            select(SessionRow).where(SessionRow.shared_id == shared_id).order_by(SessionRow.id)
        )
        return [self._session_value(r) for r in rows]

    async def sessions_of(self, participant_id: int) -> list[TreatmentSession]:
        rows = await self._session.scalars(
            select(SessionRow)
            .where(SessionRow.participant_id == participant_id)
            .order_by(SessionRow.starts_at, SessionRow.id)
        )
        return [self._session_value(r) for r in rows]

    async def sessions_of_many(
        self, participant_ids: Sequence[int]
    ) -> dict[int, list[TreatmentSession]]:
        """Each participant's sessions, as :meth:`sessions_of` orders them (one query per
        ``CHUNK`` participants); a participant without sessions is left out."""
        found: dict[int, list[TreatmentSession]] = {}
        for ids in chunks(participant_ids):
            rows = await self._session.scalars(
                select(SessionRow)
                .where(SessionRow.participant_id.in_(ids))
                .order_by(SessionRow.starts_at, SessionRow.id)
            )
            for row in rows:
                found.setdefault(row.participant_id, []).append(self._session_value(row))
        return found

    async def sessions_starting_between(
        self, kind: str, start: datetime, end: datetime
    ) -> list[TreatmentSession]:
        """Sessions of ``kind`` (not cancelled) starting in ``(start, end]``, soonest first."""
        rows = await self._session.scalars(
            select(SessionRow)
            .where(
                SessionRow.kind == kind,
                SessionRow.status != CANCELLED,
                SessionRow.starts_at > start,
                SessionRow.starts_at <= end,
            )
            .order_by(SessionRow.starts_at, SessionRow.id)
        )
        return [self._session_value(r) for r in rows]

    async def session_by_id(self, session_id: int) -> TreatmentSession | None:
        row = await self._session.get(SessionRow, session_id)
        return self._session_value(row) if row else None

    async def add_session(self, session: TreatmentSession) -> TreatmentSession:
        row = SessionRow(**self._session_columns(session, None))
        self._session.add(row)
        await self._session.flush()
        return self._session_value(row)

    async def add_sessions(
        self, sessions: Sequence[TreatmentSession]
    ) -> list[TreatmentSession]:
        """Several sessions in one go (bulk imports); returns them with their ids."""
        rows = [SessionRow(**{n: getattr(s, n) for n in _SESSION}) for s in sessions]
        self._session.add_all(rows)
        await self._session.flush()
        return [self._session_value(row) for row in rows]

    async def save_session(self, session: TreatmentSession) -> None:
        row = await self._session.get(SessionRow, session.id)
        await write_back(self._session, SessionRow, session.id, self._session_columns(session, row))

    # -- prompts -------------------------------------------------------------------

    def _prompt_value(self, row: PromptRow) -> ScheduledPrompt:
        return to_value(
            row,
            ScheduledPrompt,
            _PROMPT,
            id=row.id,
            status=PromptStatus(row.status),
            text=self._cipher.open_optional(row.text_enc),
            reminder_times=_times(row.reminder_times),
        )

    def _prompt_columns(self, prompt: ScheduledPrompt) -> dict[str, Any]:
        values = {n: getattr(prompt, n) for n in _PROMPT}
        values["status"] = prompt.status
        values["reminder_times"] = ",".join(t.isoformat() for t in prompt.reminder_times)
        values["attention_at"] = attention_at(prompt)
        return values

    async def _prompts(self, stmt: Select[Any]) -> list[ScheduledPrompt]:
        return [self._prompt_value(r) for r in await self._session.scalars(stmt)]

    async def add_prompt(self, prompt: ScheduledPrompt) -> ScheduledPrompt:
        """Store a new prompt (its ``id`` is ignored); a one-off's text is sealed."""
        row = PromptRow(
            **self._prompt_columns(prompt), text_enc=self._cipher.seal_optional(prompt.text)
        )
        self._session.add(row)
        await self._session.flush()
        return self._prompt_value(row)

    async def add_prompts(self, prompts: Sequence[ScheduledPrompt]) -> None:
        """Store many new planned prompts with one statement (their ``id`` is ignored, and
        they have no text). One whose participant already has a prompt with its key is
        left out: someone else planned it a moment ago."""
        if not prompts:
            return
        insert = dialect_insert(self._session.get_bind().dialect.name == "postgresql")
        stmt = insert(PromptRow.__table__).on_conflict_do_nothing(
            index_elements=["participant_id", "key"]
        )
        await self._session.execute(stmt, [self._prompt_columns(p) for p in prompts])

    async def save_prompt(self, prompt: ScheduledPrompt) -> None:
        """Write a changed prompt back (its text is never rewritten)."""
        await write_back(self._session, PromptRow, prompt.id, self._prompt_columns(prompt))

    async def save_prompts_if_unchanged(
        self, changes: Sequence[tuple[ScheduledPrompt, ScheduledPrompt]]
    ) -> None:
        """Write back many changed prompts, given as (as read, as changed); each only where
        the stored row still has the status and due time it was read with (a prompt the
        tick sent meanwhile is left as it is). Texts are never rewritten.

        The rows are read again by id (locked, on PostgreSQL) and the ones still as read are
        written back by id: two statements per 500, every lookup by primary key (a planner
        without statistics could otherwise pick the index on status and due time, which
        thousands of prompts share).
        """
        if not changes:
            return
        postgres = self._session.get_bind().dialect.name == "postgresql"
        stored: dict[int, tuple[str, datetime]] = {}
        for ids in chunks(sorted(before.id for before, _ in changes)):
            stmt = select(PromptRow.id, PromptRow.status, PromptRow.due_at).where(
                PromptRow.id.in_(ids)
            )
            if postgres:
                stmt = stmt.with_for_update()
            for row_id, status, due_at in await self._session.execute(stmt):
                stored[row_id] = (status, due_at)
        still = [
            after
            for before, after in changes
            if stored.get(before.id) == (before.status, before.due_at)
        ]
        if still:
            table = cast(Table, PromptRow.__table__)
            columns = list(self._prompt_columns(still[0]))
            by_id = (
                update(table)
                .where(table.c.id == bindparam("row_id"))
                .values({c: bindparam(f"new_{c}", type_=table.c[c].type) for c in columns})
            )
            for batch in chunks(still):
                await self._session.execute(
                    by_id,
                    [
                        {
                            "row_id": p.id,
                            **{f"new_{c}": v for c, v in self._prompt_columns(p).items()},
                        }
                        for p in batch
                    ],
                )
        # a row of these still held by this session would now be stale: read it afresh
        written = {p.id for p in still}
        for row in list(self._session.identity_map.values()):
            if isinstance(row, PromptRow) and row.id in written:
                self._session.expire(row)

    async def prompts_of(self, participant_id: int) -> list[ScheduledPrompt]:
        return await self._prompts(
            select(PromptRow)
            .where(PromptRow.participant_id == participant_id)
            .order_by(PromptRow.due_at, PromptRow.id)
        )

    async def prompts_of_many(
        self, participant_ids: Sequence[int]
    ) -> dict[int, list[ScheduledPrompt]]:
        """Each participant's prompts, as :meth:`prompts_of` orders them (one query per
        ``CHUNK`` participants); a participant without prompts is left out."""
        found: dict[int, list[ScheduledPrompt]] = {}
        for ids in chunks(participant_ids):
            for prompt in await self._prompts(
                select(PromptRow)
                .where(PromptRow.participant_id.in_(ids))
                .order_by(PromptRow.due_at, PromptRow.id)
            ):
                found.setdefault(prompt.participant_id, []).append(prompt)
        return found

    async def prompts_sent_between(
        self, participant_ids: Sequence[int], since: datetime, until: datetime
    ) -> list[ScheduledPrompt]:
        """The prompts sent to any of these participants in ``(since, until]`` (one query
        per ``CHUNK`` participants)."""
        found: list[ScheduledPrompt] = []
        for ids in chunks(participant_ids):
            found += await self._prompts(
                select(PromptRow)
                .where(
                    PromptRow.participant_id.in_(ids),
                    PromptRow.sent_at > since,
                    PromptRow.sent_at <= until,
                )
                .order_by(PromptRow.sent_at, PromptRow.id)
            )
        return found

    async def answered_questionnaires(
        self, participant_ids: Sequence[int]
    ) -> list[ScheduledPrompt]:
        """Every questionnaire these participants completed, oldest first (one query per
        ``CHUNK`` participants): their scores, for baselines and trends."""
        found: list[ScheduledPrompt] = []
        for ids in chunks(participant_ids):
            found += await self._prompts(
                select(PromptRow)
                .where(
                    PromptRow.participant_id.in_(ids),
                    PromptRow.kind == "questionnaire",
                    PromptRow.status == PromptStatus.ANSWERED,
                )
                .order_by(PromptRow.answered_at, PromptRow.id)
            )
        return found

    async def prompt_by_id(self, prompt_id: int, *, lock: bool = False) -> ScheduledPrompt | None:
        """One prompt; ``lock`` holds its row until the transaction ends (PostgreSQL), so two
        answers to the same prompt handled at once by two instances are taken in turn."""
        row = await self._session.get(PromptRow, prompt_id, with_for_update=lock or None)
        return self._prompt_value(row) if row else None

    def _locked(self, stmt: Select[Any]) -> Select[Any]:
        if self._session.get_bind().dialect.name == "postgresql":
            return stmt.with_for_update(skip_locked=True)
        return stmt

    async def due_prompts(self, now: datetime, limit: int) -> list[ScheduledPrompt]:
        return await self._prompts(
            self._locked(
                select(PromptRow)
                .where(PromptRow.status == PromptStatus.PENDING, PromptRow.due_at <= now)
                .order_by(PromptRow.due_at, PromptRow.id)
                .limit(limit)
            )
        )

    async def open_prompts_due(
        self, now: datetime, *, after_id: int = 0, limit: int
    ) -> list[ScheduledPrompt]:
        """Sent, not yet answered, and needing the tick by ``now`` (a reminder is due, or
        the window has closed): the next ``limit`` of them by id after ``after_id``, so a
        caller pages through every one however many there are."""
        return await self._prompts(
            self._locked(
                select(PromptRow)
                .where(
                    PromptRow.status == PromptStatus.SENT,
                    PromptRow.attention_at <= now,
                    PromptRow.id > after_id,
                )
                .order_by(PromptRow.id)
                .limit(limit)
            )
        )

    async def latest_open_prompt(
        self, participant_id: int, now: datetime, *, kind: str | None = None
    ) -> ScheduledPrompt | None:
        """The participant's most recently sent prompt still open (of ``kind``, if given)."""
        stmt = select(PromptRow).where(
            PromptRow.participant_id == participant_id,
            PromptRow.status == PromptStatus.SENT,
            PromptRow.expires_at > now,
        )
        if kind is not None:
            stmt = stmt.where(PromptRow.kind == kind)
        found = await self._prompts(
            stmt.order_by(PromptRow.sent_at.desc(), PromptRow.id.desc()).limit(1)
        )
        return found[0] if found else None

    async def prompt_for_message(
        self, participant_id: int, chat_id: int, telegram_message_id: int
    ) -> ScheduledPrompt | None:
        """The prompt whose Telegram message (or reminder) this is, if any."""
        key = await self._session.scalar(
            select(OutboxMessage.idempotency_key).where(
                OutboxMessage.chat_id == chat_id,
                OutboxMessage.telegram_message_id == telegram_message_id,
                or_(
                    OutboxMessage.idempotency_key.like("prompt:%"),
                    OutboxMessage.idempotency_key.like("reminder:%"),
                ),
            )
        )
        if key is None:
            return None
        prompt = await self.prompt_by_id(int(key.split(":")[1]))
        if prompt is None or prompt.participant_id != participant_id:
            return None
        return prompt

    async def recent_statuses(self, participant_id: int, n: int) -> list[PromptStatus]:
        rows = await self._session.scalars(
            select(PromptRow.status)
            .where(
                PromptRow.participant_id == participant_id,
                PromptRow.status.in_([PromptStatus.ANSWERED, PromptStatus.MISSED]),
            )
            .order_by(PromptRow.due_at.desc(), PromptRow.id.desc())
            .limit(n)
        )
        return [PromptStatus(s) for s in rows]

    async def next_oneoff_number(self, participant_id: int) -> int:
        n = await self._session.scalar(
            select(func.count())
            .select_from(PromptRow)
            .where(PromptRow.participant_id == participant_id, PromptRow.key.like("oneoff:%"))
        )
        return int(n or 0) + 1

    async def latest_missed_id(self, participant_id: int) -> int | None:
        return await self._session.scalar(
            select(PromptRow.id)
            .where(
                PromptRow.participant_id == participant_id,
                PromptRow.status == PromptStatus.MISSED,
            )
            .order_by(PromptRow.due_at.desc(), PromptRow.id.desc())
            .limit(1)
        )
