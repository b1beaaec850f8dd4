"""Erasure requests and the clinic's retention policy (pure; docs/privacy.md).

A participant's ``/delete`` is a *request*: it is recorded, prompts stop, the care team is
told, and what the participant still writes is kept and read for their safety. What happens
next is the clinic's retention policy:

``confirm`` (the default)
    the data are erased when a coordinator confirms the request with ``ember erase``;
``keep:<n>y`` / ``keep:<n>d``
    the clinic must keep treatment records for a legal period counted from the end of the
    participant's participation; ``ember erase`` refuses before it is over unless forced.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta

from bot.domain.people import Person, PersonStatus
from bot.errors import InvalidValue

CONFIRM = "confirm"
_KEEP = re.compile(r"^keep:(\d{1,3})([yd])$")
POLICY_HELP = (
    "must be `confirm` (erase when a coordinator confirms) or `keep:<n>y` "
    "(records kept n years after participation ends), e.g. keep:10y"
)


@dataclass(frozen=True)
class RetentionPolicy:
    """What ``/delete`` leads to. ``years``/``days`` zero: erase when a coordinator confirms."""

    years: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: str) -> RetentionPolicy:
        """``confirm``, ``keep:10y`` or ``keep:30d``; InvalidValue (saying what is allowed)
        otherwise."""
        value = text.strip().lower()
        if value == CONFIRM:
            return cls()
        match = _KEEP.match(value)
        if match is None or int(match.group(1)) == 0:
            raise InvalidValue(POLICY_HELP)
        n = int(match.group(1))
        return cls(years=n) if match.group(2) == "y" else cls(days=n)

    @property
    def keeps_records(self) -> bool:
        """True when records must be kept for a period before they may be erased."""
        return bool(self.years or self.days)

    @property
    def name(self) -> str:
        """The policy as the setting spells it (stored with each request)."""
        if self.years:
            return f"keep:{self.years}y"
        if self.days:
            return f"keep:{self.days}d"
        return CONFIRM

    def keep_until(self, participation_ended: datetime) -> datetime | None:
        """Until when the records must be kept (None: no period, erasure on confirmation)."""
        if not self.keeps_records:
            return None
        return add_years(participation_ended, self.years) + timedelta(days=self.days)


def add_years(when: datetime, years: int) -> datetime:
    """The same calendar day ``years`` later (29 February becomes 28 February)."""
    try:
        return when.replace(year=when.year + years)
    except ValueError:
        return when.replace(year=when.year + years, day=28)


class ErasureStatus(enum.StrEnum):
    OPEN = "open"  # asked for; the data are still kept (and read, for the person's safety)
    ERASED = "erased"  # done: only the tombstone is left


@dataclass(frozen=True)
class ErasureRequest:
    """A participant's request to have their data erased, and what became of it.

    ``requested_by`` is "participant" for /delete, or the staff code (or "cli") that erased
    without a request, with ``--force``. ``policy`` is the retention policy in force when it
    was made and ``keep_until`` what the participant was told about keeping their records.
    """

    id: int
    participant_id: int
    requested_at: datetime
    requested_by: str
    policy: str
    status: ErasureStatus = ErasureStatus.OPEN
    keep_until: datetime | None = None
    erased_at: datetime | None = None
    erased_by: str | None = None


@dataclass(frozen=True)
class ErasureCounts:
    """What erasing one participant removes (or removed), table by table."""

    entries: int = 0  # journal entries
    messages: int = 0  # journal messages (text, answers, media references)
    versions: int = 0  # earlier texts of edited messages
    media: int = 0  # messages that were media references
    flags: int = 0  # flags with their evidence and excerpts
    alerts: int = 0  # alerts sent for those flags
    escalations: int = 0  # escalation rounds of those alerts
    notes: int = 0  # clinicians' notes
    sessions: int = 0  # treatment sessions
    prompts: int = 0  # scheduled prompts (questionnaire progress and scores with them)
    consents: int = 0  # consent decisions
    invitations: int = 0  # invitations (hashes of codes)
    outbox: int = 0  # queued or sent messages to them, or about them to staff
    inbox: int = 0  # stored updates from them not yet processed (payloads)
    audit_details: int = 0  # audit entries about them whose detail is cleared

    def summary(self) -> str:
        """``entries=3 messages=7 …`` (the audit entry's detail; counts, never content)."""
        return " ".join(f"{f.name}={getattr(self, f.name)}" for f in fields(self))

    @property
    def total(self) -> int:
        return sum(getattr(self, f.name) for f in fields(self))


def tombstone(person: Person) -> Person:
    """What is left of an erased participant: the code, the role, and the fact of erasure
    (its time is on the erasure request). No name, no Telegram account, no chat, no care
    team, no schedule, no consent or enrolment dates."""
    return replace(
        person,
        status=PersonStatus.ERASED,
        timezone="UTC",
        language="en",
        display_name=None,
        telegram_user_id=None,
        chat_id=None,
        locale=None,
        therapist_id=None,
        backup_id=None,
        digest_at=None,
        quiet_hours=None,
        paused_until=None,
        protocol_id=None,
        consent_version=None,
        consented_at=None,
        enrolled_at=None,
        withdrawn_at=None,
    )
