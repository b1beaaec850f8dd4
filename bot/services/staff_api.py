"""Use cases of the care team: caseload and journals, alerts, sessions, prompts, protocols."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.people import Person, Role
from bot.domain.records import EntryView, Flag
from bot.errors import NotFound
from bot.services import enrollment, escalation, planning, prompting, render, sessions, staffing
from bot.services.access import visible_participant
from bot.services.base import ServiceBase
from prompts.protocols import list_shipped_protocols, protocol_from_yaml


class StaffServices(ServiceBase):
    """What therapists and coordinators do, with role and assignment checked."""

    async def read_journal(
        self, reader: Person, code: str, n: int
    ) -> tuple[Person, list[EntryView]]:
        """A staff read of a journal, checked and written to the audit log in one go."""
        async with self.ctx.uow() as uow:
            participant = await visible_participant(uow, reader, code)
            entries = await uow.journal.recent_entries(participant.id, n)
            await uow.audit.record(
                at=self.ctx.clock.now(),
                actor=reader.code,
                actor_id=reader.id,
                action="journal.read",
                subject_id=participant.id,
                detail=f"entries={len(entries)}",
            )
            await uow.commit()
        return participant, entries

    async def invite(
        self,
        coordinator: Person | None,
        *,
        role: Role,
        code: str,
        therapist_code: str | None = None,
        name: str | None = None,
        timezone: str | None = None,
        language: str = "en",
        locale: str | None = None,
        ttl: timedelta | None = None,
    ) -> enrollment.NewInvitation:
        """A coordinator (or, with ``None``, the command line) invites someone; the clinic's
        zone and invitation lifetime unless given."""
        async with self.ctx.uow() as uow:
            created = await enrollment.invite(
                uow,
                now=self.ctx.clock.now(),
                role=role,
                code=code,
                timezone=timezone or self.ctx.default_timezone,
                language=language,
                therapist_code=therapist_code,
                name=name,
                locale=locale,
                ttl=ttl or self.ctx.invitation_ttl,
                actor=coordinator.code if coordinator else "cli",
                actor_id=coordinator.id if coordinator else None,
            )
            await uow.commit()
            return created

    # -- clinic administration (the `ember` command line) --------------------------------

    async def load_protocol(self, source: str, source_name: str) -> planning.ProtocolLoaded:
        """Validate and store a protocol and replan everyone on it, in one transaction."""
        async with self.ctx.uow() as uow:
            loaded = await planning.load_protocol(
                uow, now=self.ctx.clock.now(), source=source, source_name=source_name
            )
            await uow.commit()
        return loaded

    async def assign_protocol(self, code: str, protocol_id: str) -> int:
        """Put participant ``code`` on a loaded protocol; returns their pending prompts."""
        async with self.ctx.uow() as uow:
            participant = await uow.people.by_code(code)
            if participant is None or participant.role != Role.PARTICIPANT:
                raise NotFound(
                    f"no participant {code.upper()}", key="problem.no_participant", code=code
                )
            pending = await planning.assign_protocol(
                uow, now=self.ctx.clock.now(), participant=participant, protocol_id=protocol_id
            )
            await uow.commit()
        return pending

    async def set_therapist(
        self,
        code: str,
        *,
        backup: str | None = None,
        digest_at: str | None = None,
        quiet: str | None = None,
        tz: str | None = None,
    ) -> Person:
        """Change a therapist's backup, digest time, quiet hours or zone."""
        async with self.ctx.uow() as uow:
            person = await staffing.set_therapist(
                uow,
                now=self.ctx.clock.now(),
                code=code,
                backup=backup,
                digest_at=digest_at,
                quiet=quiet,
                tz=tz,
            )
            await uow.commit()
        return person

    async def set_oncall(self, code: str) -> Person:
        """Who receives escalations now (besides the backup and the coordinators)."""
        async with self.ctx.uow() as uow:
            person = await staffing.set_oncall(uow, now=self.ctx.clock.now(), code=code)
            await uow.commit()
        return person

    async def caseload(self, therapist: Person) -> list[Person]:
        async with self.ctx.uow() as uow:
            return list(await uow.people.participants_of(therapist.id))

    # -- schedules -------------------------------------------------------------------

    async def escalate(self) -> int:
        """Escalate unacknowledged alerts whose time has come (a scheduler job)."""
        async with self.ctx.uow() as uow:
            rounds = await escalation.escalate_due(
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
    ) -> escalation.Acknowledged:
        async with self.ctx.uow() as uow:
            if alert_id is not None:
                result = await escalation.acknowledge(
                    uow, now=self.ctx.clock.now(), staff=staff, alert_id=alert_id
                )
            else:
                assert flag_id is not None
                result = await escalation.acknowledge_flag(
                    uow, now=self.ctx.clock.now(), staff=staff, flag_id=flag_id
                )
            await uow.commit()
        return result

    async def open_flags(self, staff: Person) -> list[tuple[Flag, Person]]:
        async with self.ctx.uow() as uow:
            ids = None
            if staff.role == Role.THERAPIST:
                ids = [p.id for p in await uow.people.participants_of(staff.id)]
            return list(await uow.flags.open_flags(ids))

    async def add_session(
        self, actor: Person | None, code: str, kind: str, when: str
    ) -> SessionView:
        """Record a session (``when`` in the participant's zone); its prompts follow."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            participant = await visible_participant(uow, actor, code)
            starts = sessions.parse_local(when, participant.timezone)
            session = await sessions.add_session(
                uow,
                now=now,
                participant=participant,
                kind=kind.lower(),
                starts_at=starts,
                actor=actor,
            )
            await uow.commit()
        return SessionView(
            session.id, session.kind, local(session.starts_at, participant), participant.code
        )

    async def change_session(
        self,
        actor: Person | None,
        code: str,
        session_id: int,
        *,
        when: str | None = None,
        cancel: bool = False,
    ) -> SessionView:
        """Move or cancel one of the participant's sessions; pending prompts follow."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            participant = await visible_participant(uow, actor, code)
            starts = sessions.parse_local(when, participant.timezone) if when else None
            existing = await uow.schedules.session_by_id(session_id)
            if existing is None or existing.participant_id != participant.id:
                raise NotFound(
                    f"no session #{session_id} for {participant.code}",
                    key="problem.no_session_for",
                    id=session_id,
                    code=participant.code,
                )
            session = await sessions.change_session(
                uow, now=now, session_id=session_id, starts_at=starts, cancel=cancel, actor=actor
            )
            await uow.commit()
        return SessionView(
            session.id, session.kind, local(session.starts_at, participant), participant.code
        )

    async def one_off_prompt(
        self, actor: Person | None, code: str, text: str, *, send_now: bool = True
    ) -> Person:
        """A prompt written by staff, due now; ``send_now`` hands it to the outbox at once
        (the command line leaves that to the running bot's next tick)."""
        async with self.ctx.uow() as uow:
            participant = await visible_participant(uow, actor, code)
            await prompting.one_off_prompt(
                uow, now=self.ctx.clock.now(), participant=participant, text=text, author=actor
            )
            await uow.commit()
        if send_now:
            await self.tick()
        return participant

    async def protocol_summary(self) -> list[dict[str, object]]:
        async with self.ctx.uow() as uow:
            rows = []
            for stored in await uow.schedules.stored_protocols():
                count = len(await uow.people.participants_on(stored.id))
                rows.append(
                    {
                        "id": stored.id,
                        "version": stored.version,
                        "name": stored.name,
                        "count": count,
                    }
                )
            return rows

    async def schedule_view(self, actor: Person | None, code: str) -> str:
        """A participant's sessions and prompts in their local time, for staff."""
        async with self.ctx.uow() as uow:
            participant = await visible_participant(uow, actor, code)
            sessions = await uow.schedules.sessions_of(participant.id)
            prompts = await uow.schedules.prompts_of(participant.id)
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
                if await uow.schedules.stored_protocol(protocol.id) is None:
                    await planning.load_protocol(
                        uow,
                        now=self.ctx.clock.now(),
                        source=source,
                        source_name=f"prompts/{path.name}",
                        actor="system",
                    )
                    loaded.append(protocol.id)
            await uow.commit()
        return loaded


@dataclass(frozen=True)
class SessionView:
    id: int
    kind: str
    local_time: str
    code: str = ""  # the participant's


def local(when: datetime, person: Person) -> str:
    """A stored UTC time as the person's local wall time."""
    return when.astimezone(ZoneInfo(person.timezone)).strftime("%Y-%m-%d %H:%M %Z")
