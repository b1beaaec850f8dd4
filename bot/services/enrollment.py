"""Enrollment: invitations (single-use, expiring, hashed), binding an account, consent."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.people import Person, PersonStatus, Role
from bot.errors import (
    AccountHasRole,
    AlreadyExists,
    InvalidValue,
    InvitationExpired,
    InvitationRevoked,
    InvitationUnknown,
    InvitationUsed,
    NotFound,
)
from bot.services import couples, planning
from bot.services.access import current_staff, visible_participant
from bot.services.context import Bound
from bot.services.inbound import Sender
from bot.services.unit_of_work import UnitOfWorkProtocol

CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{0,5}-[A-Z0-9]{1,12}$")
START_PARAM = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def hash_code(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def normalise_person_code(code: str) -> str:
    norm = code.strip().upper()
    if not CODE_PATTERN.match(norm):
        raise InvalidValue(
            f"{code!r} is not a code like P-0142, T-01 or C-01", key="problem.code", code=code
        )
    return norm


def new_code() -> str:
    """A fresh invitation code (for the deep link; only its hash is stored)."""
    return secrets.token_urlsafe(18)


def deep_link(bot_username: str, raw_code: str) -> str:
    return f"https://t.me/{bot_username}?start={raw_code}"


@dataclass(frozen=True)
class NewInvitation:
    person_code: str
    role: Role
    raw_code: str
    expires_at: datetime
    person_id: int = 0


async def invite(
    uow: UnitOfWorkProtocol,
    *,
    now: datetime,
    role: Role,
    code: str,
    timezone: str,
    language: str = "en",
    name: str | None = None,
    therapist_code: str | None = None,
    locale: str | None = None,
    ttl: timedelta = timedelta(days=7),
    actor: str = "cli",
    actor_id: int | None = None,
    protocol_id: str | None = None,
) -> NewInvitation:
    """Create (or refresh) a person record and a fresh invitation; older open codes are revoked."""
    code = normalise_person_code(code)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidValue(
            f"{timezone!r} is not an IANA time zone like Europe/Berlin",
            key="problem.timezone",
            tz=timezone,
        ) from None
    therapist: Person | None = None
    if role is Role.PARTICIPANT:
        if therapist_code is None:
            raise InvalidValue(
                "a participant needs an assigned therapist (--therapist T-01)",
                key="problem.therapist_needed",
            )
        therapist = await uow.people.by_code(normalise_person_code(therapist_code))
        if therapist is None or therapist.role != Role.THERAPIST:
            raise NotFound(
                f"no therapist with code {therapist_code}",
                key="problem.no_therapist",
                code=therapist_code,
            )
    person = await uow.people.by_code(code)
    if person is None:
        person = await uow.people.add(
            Person(
                id=0,
                role=role,
                code=code,
                display_name=name if role is not Role.PARTICIPANT else None,
                timezone=timezone,
                language=language,
                locale=locale.upper() if locale else None,
                status=PersonStatus.INVITED,
                therapist_id=therapist.id if therapist else None,
                created_at=now,
            ),
        )
    else:
        if person.role != role:
            raise AlreadyExists(
                f"{code} already exists as a {person.role}",
                key="problem.exists_as",
                code=code,
                role=person.role,
            )
        if person.telegram_user_id is not None:
            raise AlreadyExists(
                f"{code} is already enrolled", key="problem.already_enrolled", code=code
            )
        person = replace(person, timezone=timezone, language=language)
        if therapist:
            person = replace(person, therapist_id=therapist.id)
        if name and role is not Role.PARTICIPANT:
            person = replace(person, display_name=name)
        if locale:
            person = replace(person, locale=locale.upper())
        await uow.people.revoke_open_invitations(person.id, now)
    if protocol_id is not None and role is Role.PARTICIPANT:
        person = replace(person, protocol_id=protocol_id)
    await uow.people.save(person)
    raw = new_code()
    invitation = await uow.people.add_invitation(
        code_hash=hash_code(raw),
        person_id=person.id,
        now=now,
        expires_at=now + ttl,
        created_by_id=actor_id,
    )
    await uow.audit.record(
        at=now,
        actor=actor,
        actor_id=actor_id,
        action="invite",
        subject_id=person.id,
        detail=f"role={role}",
    )
    return NewInvitation(code, role, raw, invitation.expires_at, person.id)


async def redeem(
    uow: UnitOfWorkProtocol, *, now: datetime, raw_code: str, telegram_user_id: int, chat_id: int
) -> Person:
    """Bind a Telegram account to the invited person; idempotent for the same account."""
    if not START_PARAM.match(raw_code):
        raise InvitationUnknown()
    invitation = await uow.people.invitation_by_hash(hash_code(raw_code))
    if invitation is None:
        raise InvitationUnknown()
    person = await uow.people.by_id(invitation.person_id)
    assert person is not None
    if invitation.used_at is not None:
        if person.telegram_user_id == telegram_user_id:
            return person  # the same update processed again, or a second tap on the link
        raise InvitationUsed()
    if invitation.revoked_at is not None:
        raise InvitationRevoked()
    if invitation.expires_at <= now:
        raise InvitationExpired()
    existing = await uow.people.by_telegram_id(telegram_user_id)
    if existing is not None and existing.id != person.id:
        raise AccountHasRole()
    await uow.people.use_invitation(invitation.id, now)
    person = replace(
        person,
        telegram_user_id=telegram_user_id,
        chat_id=chat_id,
        enrolled_at=now,
        status=(
            PersonStatus.CONSENT_PENDING if person.role == Role.PARTICIPANT else PersonStatus.ACTIVE
        ),
    )
    await uow.people.save(person)
    await uow.audit.record(
        at=now,
        actor="system",
        action="enrolled",
        subject_id=person.id,
        detail=f"role={person.role}",
    )
    return person


async def record_consent(
    uow: UnitOfWorkProtocol, *, now: datetime, person: Person, agreed: bool, version: str
) -> Person:
    """Record a consent decision; agreeing activates the participant."""
    await uow.people.add_consent(person.id, version, "agreed" if agreed else "declined", now)
    if agreed:
        person = replace(person, consent_version=version, consented_at=now)
        if person.status == PersonStatus.CONSENT_PENDING:
            person = replace(person, status=PersonStatus.ACTIVE)
        await uow.people.save(person)
    await uow.audit.record(
        at=now,
        actor="participant",
        action="consent",
        subject_id=person.id,
        detail=f"{'agreed' if agreed else 'declined'} v{version}",
    )
    return person


@dataclass(frozen=True)
class ConsentAnswer:
    """What a consent button press did: ``agreed``, ``declined``, or nothing, because
    consent was ``already`` given, the participant ``withdrawn``, or the presser is
    ``staff``."""

    person: Person
    outcome: Literal["agreed", "declined", "already", "withdrawn", "staff"]


def needs_consent(person: Person, current_version: str, *, earlier_will_do: bool = False) -> bool:
    """Whether a participant must agree to the current consent text before Ember acts.

    A participant who agreed to an earlier version and has since withdrawn cannot be asked
    again (consent buttons change nothing after /stop), and what they write must still be
    kept and screened: the consent they gave stands. ``earlier_will_do`` lets anyone who
    agreed once leave (/stop, /delete, /export) without agreeing to new terms first.
    """
    if person.role != Role.PARTICIPANT or person.consent_version == current_version:
        return False
    agreed_before = person.consent_version is not None
    return not (agreed_before and (earlier_will_do or person.status == PersonStatus.WITHDRAWN))


class Enrollment(Bound):
    """Invitations, redeeming them, and consent."""

    @property
    def consent_version(self) -> str:
        return self.ctx.catalogue.text("consent.version")

    def needs_consent(self, person: Person, *, earlier_will_do: bool = False) -> bool:
        """Whether ``person`` must agree to the current consent text first (see the
        function of the same name)."""
        return needs_consent(person, self.consent_version, earlier_will_do=earlier_will_do)

    async def start_with_code(self, sender: Sender, raw_code: str) -> Person:
        """Redeem an invitation code for this account (raises InvitationError subclasses)."""
        async with self.ctx.uow() as uow:
            person = await redeem(
                uow,
                now=self.ctx.clock.now(),
                raw_code=raw_code,
                telegram_user_id=sender.telegram_user_id,
                chat_id=sender.chat_id,
            )
            await uow.commit()
            return person

    async def record_consent(self, sender: Sender, *, agreed: bool) -> ConsentAnswer:
        """A press of "I agree" / "Not now", checked against the state it was made for.

        A press after consent was given, or after the participant withdrew, records
        nothing: the buttons of an old consent message do not change anyone's standing.
        """
        async with self.ctx.uow() as uow:
            person = await uow.people.by_telegram_id(sender.telegram_user_id)
            if person is None:
                raise NotFound("not enrolled")
            if person.role != Role.PARTICIPANT:
                return ConsentAnswer(person, "staff")  # a forged button changes nothing
            if person.status == PersonStatus.WITHDRAWN:
                return ConsentAnswer(person, "withdrawn")
            if person.consent_version == self.consent_version:
                return ConsentAnswer(person, "already")
            person = await record_consent(
                uow,
                now=self.ctx.clock.now(),
                person=person,
                agreed=agreed,
                version=self.consent_version,
            )
            if agreed:  # prompts planned before consent may still be inside their window
                await planning.replan(uow, now=self.ctx.clock.now(), participant=person)
            await uow.commit()
            return ConsentAnswer(person, "agreed" if agreed else "declined")

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
        partner_code: str | None = None,
    ) -> NewInvitation:
        """A coordinator (or, with ``None``, the command line) invites someone; the clinic's
        zone and invitation lifetime unless given. A participant invited with a
        ``partner_code`` is linked with that participant as a couple."""
        async with self.ctx.uow() as uow:
            if coordinator is not None:
                coordinator = await current_staff(uow, coordinator, Role.COORDINATOR)
            created = await invite(
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
            if partner_code is not None:
                if role is not Role.PARTICIPANT:
                    raise InvalidValue(
                        "only participants have partners", key="problem.partner_role"
                    )
                person = await visible_participant(uow, coordinator, created.person_code)
                partner = await visible_participant(uow, coordinator, partner_code)
                if person.couple_id is None or person.couple_id != partner.couple_id:
                    await couples.link(
                        uow,
                        now=self.ctx.clock.now(),
                        first=partner,
                        second=person,
                        actor=coordinator,
                    )
            await uow.commit()
            return created
