"""Exports: all of a participant's own data, as a JSON file (flags are the care team's)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime

from bot.domain.outgoing import Outgoing
from bot.domain.people import Person
from bot.services.access import current_participant
from bot.services.context import Bound
from bot.services.unit_of_work import UnitOfWorkProtocol


@dataclass(frozen=True)
class Export:
    filename: str
    content: bytes


async def export(uow: UnitOfWorkProtocol, *, now: datetime, participant: Person) -> Export:
    """The participant's export; asking for it is audited."""
    data = await export_data(uow, participant)
    await uow.audit.record(at=now, actor="participant", action="export", subject_id=participant.id)
    content = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
    return Export(f"ember-{participant.code}.json", content)


async def export_data(uow: UnitOfWorkProtocol, participant: Person) -> dict[str, object]:
    sessions = await uow.schedules.sessions_of(participant.id)
    prompts = await uow.schedules.prompts_of(participant.id)
    messages = await uow.journal.messages_of(participant.id)
    return {
        "participant": {
            "code": participant.code,
            "timezone": participant.timezone,
            "language": participant.language,
            "status": participant.status,
            "consent_version": participant.consent_version,
            "consented_at": participant.consented_at,
            "enrolled_at": participant.enrolled_at,
        },
        "sessions": [
            {"id": s.id, "kind": s.kind, "starts_at": s.starts_at, "status": s.status}
            for s in sessions
        ],
        "prompts": [
            {
                "step": p.step_key,
                "due_at": p.due_at,
                "status": p.status,
                "answered_at": p.answered_at,
            }
            for p in prompts
        ],
        "journal": [
            {
                "entry": m.entry_id,
                "kind": m.kind,
                "written_at": m.written_at,
                "edited_at": m.edited_at,
                "text": m.text,
            }
            for m in messages
        ],
    }


class Exports(Bound):
    """A participant's copy of their own data."""

    async def export(self, participant: Person) -> Export:
        """All of a participant's own data, as JSON (flags are the care team's, not theirs)."""
        async with self.ctx.uow() as uow:
            participant = await current_participant(uow, participant)
            made = await export(uow, now=self.ctx.clock.now(), participant=participant)
            await uow.commit()
        return made

    async def send(self, participant: Person, update_id: int, caption: str) -> None:
        made = await self.export(participant)
        assert participant.chat_id is not None
        message = Outgoing(
            caption,
            meta={
                "document": {
                    "name": made.filename,
                    "content": base64.b64encode(made.content).decode(),
                }
            },
        )
        async with self.ctx.uow() as uow:
            await uow.outbox.enqueue(
                key=f"export:{update_id}",
                chat_id=participant.chat_id,
                message=message,
                kind="export",
                now=self.ctx.clock.now(),
                person_id=participant.id,
                priority=5,
            )
            await uow.commit()
        self.ctx.wake_delivery()
