"""Flags, their alerts and escalations, as frozen values; evidence sealed at rest."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.people import Person
from bot.domain.records import Alert, Flag, FlagDetails
from bot.domain.safety import AlertStatus, FlagStatus
from storage.crypto import Cipher
from storage.models import Alert as AlertRow
from storage.models import Escalation
from storage.models import Flag as FlagRow
from storage.models import Person as PersonRow
from storage.people import person_value
from storage.values import names, to_value, write_back

_FLAG = names(Flag, skip=("id", "status"))
_ALERT = names(Alert, skip=("id", "status"))


def _flag(row: FlagRow) -> Flag:
    return to_value(row, Flag, _FLAG, id=row.id, status=FlagStatus(row.status))


def _alert(row: AlertRow) -> Alert:
    return to_value(row, Alert, _ALERT, id=row.id, status=AlertStatus(row.status))


def _columns(value: Flag | Alert, fields: tuple[str, ...]) -> dict[str, Any]:
    return {n: getattr(value, n) for n in (*fields, "status")}


class Flags:
    """Flags raised about participants, the alerts sent for them, and escalation rounds."""

    def __init__(self, session: AsyncSession, cipher: Cipher) -> None:
        self._session = session
        self._cipher = cipher

    async def existing_flag(
        self, participant_id: int, source_kind: str, source_id: int | None
    ) -> Flag | None:
        """The strongest flag already raised from this source (replays and edits)."""
        rows = await self._session.scalars(
            select(FlagRow).where(
                FlagRow.participant_id == participant_id,
                FlagRow.source_kind == source_kind,
                FlagRow.source_id == source_id,
            )
        )
        return max((_flag(r) for r in rows), key=lambda f: f.tier, default=None)

    async def add_flag(self, flag: Flag, details: FlagDetails) -> Flag:
        """Store a new flag (its ``id`` is ignored) with its evidence sealed."""
        sealed = self._cipher.seal(
            json.dumps(
                {
                    "evidence": list(details.evidence),
                    "excerpt": details.excerpt,
                    "explanation": details.explanation,
                },
                ensure_ascii=False,
                default=str,
            )
        )
        row = FlagRow(**_columns(flag, _FLAG), evidence_enc=sealed)
        self._session.add(row)
        await self._session.flush()
        return _flag(row)

    async def details(self, flag_id: int) -> FlagDetails:
        """A flag's evidence, opened."""
        row = await self._session.get(FlagRow, flag_id)
        if row is None or not row.evidence_enc:
            return FlagDetails()
        data = json.loads(self._cipher.open(row.evidence_enc))
        return FlagDetails(
            evidence=tuple(data.get("evidence") or ()),
            excerpt=str(data.get("excerpt") or ""),
            explanation=data.get("explanation"),
        )

    async def save_flag(self, flag: Flag) -> None:
        await write_back(self._session, FlagRow, flag.id, _columns(flag, _FLAG))

    async def add_alert(self, alert: Alert) -> Alert:
        row = AlertRow(**_columns(alert, _ALERT))
        self._session.add(row)
        await self._session.flush()
        return _alert(row)

    async def save_alert(self, alert: Alert) -> None:
        await write_back(self._session, AlertRow, alert.id, _columns(alert, _ALERT))

    async def add_escalation(
        self, *, alert_id: int, round: int, at: datetime, recipients: Sequence[str]
    ) -> None:
        self._session.add(
            Escalation(alert_id=alert_id, round=round, at=at, recipients=",".join(recipients)[:400])
        )
        await self._session.flush()

    async def flag_by_id(self, flag_id: int, *, lock: bool = False) -> Flag | None:
        """``lock``: the row is read afresh and, on PostgreSQL, held until the unit of work
        ends, so two acknowledgements of one flag (or one and an escalation) take turns."""
        if not lock:
            row = await self._session.get(FlagRow, flag_id)
            return _flag(row) if row else None
        stmt = self._locked(select(FlagRow).where(FlagRow.id == flag_id))
        found = await self._session.scalar(stmt)
        return _flag(found) if found else None

    async def alert_by_id(self, alert_id: int) -> Alert | None:
        row = await self._session.get(AlertRow, alert_id)
        return _alert(row) if row else None

    async def alerts_of_flag(self, flag_id: int, *, lock: bool = False) -> list[Alert]:
        """A flag's alerts, oldest first; ``lock`` as for :meth:`flag_by_id` (an escalation
        round in progress is waited for, and what it queued is seen)."""
        stmt = select(AlertRow).where(AlertRow.flag_id == flag_id).order_by(AlertRow.id)
        if lock:
            stmt = self._locked(stmt)
        return [_alert(r) for r in await self._session.scalars(stmt)]

    def _locked(self, stmt: Select[Any]) -> Select[Any]:
        stmt = stmt.execution_options(populate_existing=True)
        if self._session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        return stmt

    async def due_escalations(self, now: datetime, limit: int = 100) -> list[Alert]:
        stmt: Select[Any] = (
            select(AlertRow)
            .where(
                AlertRow.status == AlertStatus.OPEN,
                AlertRow.escalate_at.is_not(None),
                AlertRow.escalate_at <= now,
            )
            .order_by(AlertRow.escalate_at)
            .limit(limit)
        )
        if self._session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        return [_alert(r) for r in await self._session.scalars(stmt)]

    async def open_or_raised_since(
        self, participant_ids: Sequence[int], since: datetime
    ) -> list[Flag]:
        """These participants' open flags, and any raised after ``since`` (one query)."""
        if not participant_ids:
            return []
        rows = await self._session.scalars(
            select(FlagRow)
            .where(
                FlagRow.participant_id.in_(participant_ids),
                or_(FlagRow.status == FlagStatus.OPEN, FlagRow.created_at > since),
            )
            .order_by(FlagRow.id)
        )
        return [_flag(r) for r in rows]

    async def open_flags(
        self, participant_ids: Sequence[int] | None = None, limit: int = 50
    ) -> list[tuple[Flag, Person]]:
        stmt = (
            select(FlagRow, PersonRow)
            .join(PersonRow, PersonRow.id == FlagRow.participant_id)
            .where(FlagRow.status == FlagStatus.OPEN)
            .order_by(FlagRow.created_at.desc())
            .limit(limit)
        )
        if participant_ids is not None:
            stmt = stmt.where(FlagRow.participant_id.in_(participant_ids))
        return [(_flag(f), person_value(p)) for f, p in (await self._session.execute(stmt)).all()]
