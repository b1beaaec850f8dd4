"""Who Ember knows: roles, enrollment statuses, and a person as a frozen value.

Repositories hand out :class:`Person` values, never database rows; a change is a new value
(``dataclasses.replace``) that the unit of work saves.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class Role(enum.StrEnum):
    """One role per person (and per Telegram account)."""

    PARTICIPANT = "participant"
    THERAPIST = "therapist"
    COORDINATOR = "coordinator"


class PersonStatus(enum.StrEnum):
    INVITED = "invited"  # record made, invitation not yet used
    CONSENT_PENDING = "consent_pending"  # participant bound, has not agreed yet
    ACTIVE = "active"  # enrolled (and, for a participant, consented)
    PAUSED = "paused"  # participant paused prompts
    WITHDRAWN = "withdrawn"  # participant used /stop (or /delete); no more prompts
    ERASED = "erased"  # participant's data erased: only the code and the time are kept
    UNREACHABLE = "unreachable"  # Telegram says the bot is blocked


@dataclass(frozen=True)
class Person:
    """A participant, therapist or coordinator as stored (``id`` 0: not stored yet)."""

    id: int
    role: Role
    code: str
    timezone: str
    created_at: datetime
    status: PersonStatus = PersonStatus.INVITED
    language: str = "en"
    display_name: str | None = None  # staff only
    telegram_user_id: int | None = None
    chat_id: int | None = None
    locale: str | None = None  # crisis-resource region, e.g. US
    therapist_id: int | None = None
    backup_id: int | None = None
    digest_at: str | None = None
    quiet_hours: str | None = None
    paused_until: datetime | None = None
    protocol_id: str | None = None  # participants
    consent_version: str | None = None
    consented_at: datetime | None = None
    enrolled_at: datetime | None = None
    withdrawn_at: datetime | None = None
    couple_id: int | None = None  # participants treated together with a partner

    @property
    def lang(self) -> str:
        """The language messages to this person are written in."""
        return self.language or "en"

    def paused_at(self, now: datetime) -> bool:
        """Prompts are paused at ``now`` (a pause that has run out no longer counts)."""
        if self.status != PersonStatus.PAUSED:
            return False
        return self.paused_until is None or self.paused_until > now

    @property
    def withdrawn(self) -> bool:
        """After /stop or /delete, and once erased: no prompt or reminder goes to them."""
        return self.status in (PersonStatus.WITHDRAWN, PersonStatus.ERASED)

    @property
    def reachable(self) -> bool:
        """Enrolled, active and with a chat Ember may write to."""
        return self.chat_id is not None and self.status == PersonStatus.ACTIVE


@dataclass(frozen=True)
class Invitation:
    """A single-use, expiring enrollment code (only its hash is ever stored)."""

    id: int
    person_id: int
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None
