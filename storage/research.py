"""The research export's rows, read from storage in batches (`ember export`).

Each table is read in key order, ``batch`` rows per short transaction (``WHERE id > last
ORDER BY id LIMIT batch``), so an export of a large clinic never holds a long read open
against the running bot. Rows come out pseudonymised, shaped as `bot/domain/research.py`
describes them: people by their codes, never a Telegram id or a name; journal text only
when ``include_text`` is set. Asking for the export is written to the audit log.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select

from bot.domain.safety import Tier
from storage.models import (
    Flag,
    JournalEntry,
    JournalMessage,
    Person,
    ScheduledPrompt,
    TreatmentSession,
)
from storage.uow import Storage

Row = dict[str, object]
Progress = Callable[[str, int, int], None]  # (file, rows done, rows in all)


@dataclass(frozen=True)
class Window:
    """Rows whose time falls in [since, until); None: no bound."""

    since: datetime | None = None
    until: datetime | None = None

    def apply(self, stmt: Select[Any], column: Any) -> Select[Any]:
        if self.since is not None:
            stmt = stmt.where(column >= self.since)
        if self.until is not None:
            stmt = stmt.where(column < self.until)
        return stmt


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _minutes(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 60, 1)


class ResearchExport:
    """Reads the export's files from storage, a batch at a time."""

    def __init__(
        self, storage: Storage, *, window: Window, include_text: bool, batch: int = 500
    ) -> None:
        self._storage = storage
        self._window = window
        self._include_text = include_text
        self._batch = batch
        self._codes: dict[int, str] = {}
        self._entry_prompts: dict[int, int | None] = {}
        self._now = datetime.min

    async def _load_codes(self) -> None:
        """Every person's code by id (codes only: the one thing the export names people by)."""
        async with self._storage.sessions() as session:
            self._codes = dict((await session.execute(select(Person.id, Person.code))).all())

    def _code(self, person_id: int | None) -> str | None:
        return self._codes.get(person_id) if person_id is not None else None

    async def _batches(
        self, model: Any, where: Callable[[Select[Any]], Select[Any]]
    ) -> AsyncIterator[list[Any]]:
        last = 0
        while True:
            async with self._storage.sessions() as session:
                stmt = where(select(model).where(model.id > last)).order_by(model.id)
                rows = list((await session.scalars(stmt.limit(self._batch))).all())
            if not rows:
                return
            yield rows
            last = rows[-1].id
            await self._storage.breathe()

    async def _count(self, model: Any, where: Callable[[Select[Any]], Select[Any]]) -> int:
        async with self._storage.sessions() as session:
            stmt = where(select(func.count()).select_from(model))
            return int(await session.scalar(stmt) or 0)

    async def tables(
        self, *, now: datetime, progress: Progress
    ) -> AsyncIterator[tuple[str, list[Row]]]:
        """(file, a batch of its rows), file by file, in the order of the dictionary;
        ``now`` is when outcomes are judged (a sent prompt past its window has expired).
        ``progress`` hears (file, stored rows read, stored rows to read)."""
        await self._prepare(now)
        w = self._window
        readers: list[tuple[str, Any, Callable[[Select[Any]], Select[Any]], Any]] = [
            (
                "participants",
                Person,
                lambda s: s.where(Person.role == "participant"),
                self._participant,
            ),
            (
                "sessions",
                TreatmentSession,
                lambda s: w.apply(s, TreatmentSession.starts_at),
                self._session,
            ),
            (
                "prompts",
                ScheduledPrompt,
                lambda s: w.apply(s, ScheduledPrompt.due_at),
                self._prompt,
            ),
            (
                "entries",
                JournalMessage,
                lambda s: w.apply(s, JournalMessage.created_at),
                self._entry,
            ),
            (
                "scores",
                ScheduledPrompt,
                lambda s: w.apply(
                    s.where(
                        ScheduledPrompt.kind == "questionnaire", ScheduledPrompt.state.is_not(None)
                    ),
                    ScheduledPrompt.due_at,
                ),
                self._scores,
            ),
            ("flags", Flag, lambda s: w.apply(s, Flag.created_at), self._flag),
        ]
        for name, model, where, shape in readers:
            total = await self._count(model, where)
            done = 0
            progress(name, 0, total)
            async for batch in self._batches(model, where):
                rows: list[Row] = []
                for item in batch:
                    shaped = shape(item)
                    rows += shaped if isinstance(shaped, list) else [shaped]
                done += len(batch)
                progress(name, done, total)
                yield name, rows

    def _participant(self, p: Person) -> Row:
        return {
            "participant": p.code,
            "therapist": self._code(p.therapist_id),
            "status": p.status,
            "language": p.language,
            "timezone": p.timezone,
            "protocol": p.protocol_id,
            "invited_at": _iso(p.created_at),
            "enrolled_at": _iso(p.enrolled_at),
            "consented_at": _iso(p.consented_at),
            "consent_version": p.consent_version,
            "withdrawn_at": _iso(p.withdrawn_at),
            "couple_id": p.couple_id,
        }

    def _session(self, s: TreatmentSession) -> Row:
        return {
            "session_id": s.id,
            "participant": self._code(s.participant_id),
            "kind": s.kind,
            "starts_at": _iso(s.starts_at),
            "status": s.status,
            "recorded_at": _iso(s.created_at),
            "shared_id": s.shared_id,
            "doses": self._storage.cipher.open(s.doses_enc) if s.doses_enc else None,
        }

    def _prompt(self, p: ScheduledPrompt) -> Row:
        outcome = p.status
        if p.status == "sent" and p.expires_at <= self._now:
            outcome = "expired"
        return {
            "prompt_id": p.id,
            "participant": self._code(p.participant_id),
            "protocol": p.protocol_id,
            "step": p.step_id,
            "session_id": p.session_id,
            "kind": p.kind,
            "due_at": _iso(p.due_at),
            "sent_at": _iso(p.sent_at),
            "expires_at": _iso(p.expires_at),
            "answered_at": _iso(p.answered_at),
            "reminders_sent": p.reminders_sent,
            "outcome": outcome,
            "minutes_to_answer": _minutes(p.sent_at, p.answered_at),
        }

    def _entry(self, m: JournalMessage) -> Row:
        text = self._storage.cipher.open(m.body_enc) if m.body_enc else None
        return {
            "message_id": m.id,
            "entry_id": m.entry_id,
            "participant": self._code(m.participant_id),
            "prompt_id": self._entry_prompts.get(m.entry_id),
            "kind": m.kind,
            "written_at": _iso(m.created_at),
            "edited_at": _iso(m.edited_at),
            "screened": m.screened,
            "characters": len(text) if text is not None else None,
            "text": text if self._include_text else None,
        }

    def _scores(self, p: ScheduledPrompt) -> list[Row]:
        state = json.loads(p.state or "{}")
        answers: dict[str, int] = state.get("answers") or {}
        score = state.get("score")
        base = {
            "prompt_id": p.id,
            "participant": self._code(p.participant_id),
            "instrument": state.get("instrument"),
            "complete": score is not None,
            "answered_at": _iso(p.answered_at),
        }
        rows: list[Row] = [
            {**base, "item": item, "value": value, "band": None} for item, value in answers.items()
        ]
        if score is not None:
            rows.append(
                {**base, "item": "total", "value": score.get("total"), "band": score.get("band")}
            )
        return rows

    def _flag(self, f: Flag) -> Row:
        return {
            "flag_id": f.id,
            "participant": self._code(f.participant_id),
            "tier": Tier(f.tier).label,
            "categories": f.categories,
            "source": f.source_kind,
            "status": f.status,
            "raised_at": _iso(f.created_at),
            "acknowledged_at": _iso(f.acknowledged_at),
            "acknowledged_by": self._code(f.acknowledged_by_id),
            "minutes_to_acknowledge": _minutes(f.created_at, f.acknowledged_at),
        }

    async def _prepare(self, now: datetime) -> None:
        """What the rows need besides themselves: people's codes, the time outcomes are
        judged at, and which prompt each journal entry answers."""
        self._now = now
        await self._load_codes()
        async with self._storage.sessions() as session:
            self._entry_prompts = dict(
                (await session.execute(select(JournalEntry.id, JournalEntry.prompt_id))).all()
            )


async def record_export(storage: Storage, *, now: datetime, detail: str) -> None:
    """The audit log's line for a research export (who: the command line)."""
    async with storage.uow() as uow:
        await uow.audit.record(at=now, actor="cli", action="export.research", detail=detail)
        await uow.commit()
