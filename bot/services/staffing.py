"""Therapist settings (backup, digest time, quiet hours, zone) and who is on call."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.people import Person, PersonStatus, Role
from bot.domain.protocol import parse_quiet_hours, parse_time_of_day
from bot.errors import InvalidValue, NotFound
from bot.services.access import current_staff
from bot.services.context import Bound
from bot.services.escalation import ONCALL_KEY
from bot.services.unit_of_work import UnitOfWorkProtocol


async def therapist(uow: UnitOfWorkProtocol, code: str) -> Person:
    found = await uow.people.by_code(code)
    if found is None or found.role != Role.THERAPIST:
        raise NotFound(
            f"no therapist with code {code.upper()}", key="problem.no_therapist", code=code.upper()
        )
    return found


async def set_therapist(
    uow: UnitOfWorkProtocol,
    *,
    now: datetime,
    code: str,
    backup: str | None = None,
    digest_at: str | None = None,
    quiet: str | None = None,
    tz: str | None = None,
    actor: str = "cli",
) -> Person:
    """Change a therapist's settings; each value is checked before anything changes."""
    person = await therapist(uow, code)
    backup_person = await therapist(uow, backup) if backup else None
    if backup_person is not None and backup_person.id == person.id:
        raise InvalidValue("a therapist cannot be their own backup", key="problem.own_backup")
    if digest_at is not None:
        parse_time_of_day(digest_at)
    if quiet is not None and quiet.lower() != "none":
        parse_quiet_hours(quiet)
    if tz is not None:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidValue(
                f"{tz!r} is not an IANA time zone like Europe/Berlin", key="problem.timezone", tz=tz
            ) from None
    if backup_person is not None:
        person = replace(person, backup_id=backup_person.id)
    if digest_at is not None:
        person = replace(person, digest_at=digest_at)
    if quiet is not None:
        person = replace(person, quiet_hours=None if quiet.lower() == "none" else quiet)
    if tz is not None:
        person = replace(person, timezone=tz)
    await uow.people.save(person)
    changed = {
        "backup": backup_person.code if backup_person else None,
        "digest_at": digest_at,
        "quiet": quiet,
        "tz": tz,
    }
    await uow.audit.record(
        at=now,
        actor=actor,
        action="therapist.set",
        subject_id=person.id,
        detail="; ".join(f"{k}={v}" for k, v in changed.items() if v is not None) or None,
    )
    return person


async def set_oncall(
    uow: UnitOfWorkProtocol, *, now: datetime, code: str, actor: str = "cli"
) -> Person:
    """Who receives escalations now (besides the backup and the coordinators)."""
    person = await therapist(uow, code)
    await uow.clinic.set_setting(ONCALL_KEY, person.code, now)
    await uow.audit.record(at=now, actor=actor, action="oncall.set", subject_id=person.id)
    return person


class Staffing(Bound):
    """Therapists' settings, who is on call, caseloads and assignment."""

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
            person = await set_therapist(
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
            person = await set_oncall(uow, now=self.ctx.clock.now(), code=code)
            await uow.commit()
        return person

    async def caseload(self, therapist: Person) -> list[Person]:
        async with self.ctx.uow() as uow:
            therapist = await current_staff(uow, therapist, Role.THERAPIST)
            return list(await uow.people.participants_of(therapist.id))

    async def assign(
        self, actor: Person | None, participant_code: str, therapist_code: str
    ) -> tuple[Person, Person]:
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            if actor is not None:
                actor = await current_staff(uow, actor, Role.COORDINATOR)
            participant = await uow.people.by_code(participant_code)
            therapist = await uow.people.by_code(therapist_code)
            if (
                participant is None
                or participant.role != Role.PARTICIPANT
                or participant.status == PersonStatus.ERASED
            ):
                raise NotFound(
                    f"no participant {participant_code.upper()}",
                    key="problem.no_participant",
                    code=participant_code.upper(),
                )
            if therapist is None or therapist.role != Role.THERAPIST:
                raise NotFound(
                    f"no therapist {therapist_code.upper()}",
                    key="problem.no_therapist",
                    code=therapist_code.upper(),
                )
            participant = replace(participant, therapist_id=therapist.id)
            await uow.people.save(participant)
            await uow.audit.by_staff(
                now=now,
                action="assign",
                staff=actor,
                subject_id=participant.id,
                detail=therapist.code,
            )
            await uow.commit()
        return participant, therapist
