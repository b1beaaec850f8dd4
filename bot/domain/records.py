"""What Ember keeps about a treatment, as frozen values the repositories hand out.

Sessions, scheduled prompts, stored protocols, flags and alerts, journal messages. The
repositories in ``storage/`` read rows into these and write changed values back; nothing
here knows how they are stored. People live in ``bot/domain/people.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.outgoing import OutboxStatus, Outgoing
from bot.domain.people import Person, PersonStatus
from bot.domain.safety import AlertStatus, FlagStatus, Tier
from bot.domain.schedule import PromptStatus

SCHEDULED = "scheduled"  # a treatment session's status until it is cancelled
CANCELLED = "cancelled"

BUTTON_KINDS = frozenset({"scale", "choice", "questionnaire"})  # prompt kinds with buttons


@dataclass(frozen=True)
class TreatmentSession:
    """A dated event in a participant's treatment (dosing, integration, preparation)."""

    id: int
    participant_id: int
    kind: str
    starts_at: datetime
    created_at: datetime
    status: str = SCHEDULED  # or CANCELLED
    created_by_id: int | None = None
    shared_id: int | None = None  # a couple's shared session: the same on both partners' rows
    doses: str | None = None  # a dosing session's record ("initial 80mg@09:00; ..."), sealed

    @property
    def cancelled(self) -> bool:
        return self.status == CANCELLED


@dataclass(frozen=True)
class OwnMessage:
    """One of a participant's journal messages, opened for them (e.g. to share it)."""

    id: int
    participant_id: int
    kind: str
    text: str | None


@dataclass(frozen=True)
class ScheduledPrompt:
    """One prompt for one participant: a protocol step for one anchor session, or a one-off."""

    id: int
    participant_id: int
    key: str  # "<protocol>:<step>@<session id>" or "oneoff:<n>"
    kind: str  # text, scale, choice, questionnaire
    due_at: datetime
    expires_at: datetime
    created_at: datetime
    status: PromptStatus = PromptStatus.PENDING
    protocol_id: str | None = None
    step_id: str | None = None
    session_id: int | None = None
    text: str | None = None  # one-off prompts only (sealed at rest)
    reminder_times: tuple[datetime, ...] = ()
    reminders_sent: int = 0
    sent_at: datetime | None = None
    answered_at: datetime | None = None
    state: str | None = None  # questionnaire progress (JSON)
    created_by_id: int | None = None

    @property
    def step_key(self) -> str:
        """The key without its protocol: "<step>@<session id>" (as the planner names it)."""
        return self.key.split(":", 1)[1] if ":" in self.key else self.key

    @property
    def is_oneoff(self) -> bool:
        return self.key.startswith("oneoff:")

    @property
    def has_buttons(self) -> bool:
        """Answered with buttons (scale, choice, questionnaire), not with a typed reply."""
        return self.kind in BUTTON_KINDS

    def open_at(self, now: datetime) -> bool:
        """Sent, not yet answered, and inside its response window."""
        return self.status == PromptStatus.SENT and now < self.expires_at


def button_refusal(prompt: ScheduledPrompt, participant: Person, now: datetime) -> str | None:
    """Why a press of one of ``prompt``'s buttons (or a number typed for it) changes nothing
    now, or None when it answers it: "withdrawn" (after /stop), "answered" (already),
    "paused" (prompts are paused), "closed" (missed, cancelled, or its window is over)."""
    if participant.status == PersonStatus.WITHDRAWN:
        return "withdrawn"
    if prompt.status == PromptStatus.ANSWERED:
        return "answered"
    if participant.paused_at(now):
        return "paused"
    if not prompt.open_at(now):
        return "closed"
    return None


@dataclass(frozen=True)
class StoredProtocol:
    """A loaded protocol: its validated YAML source, so a schedule is always rebuildable."""

    id: str
    name: str
    version: str
    source: str
    source_name: str
    loaded_at: datetime


@dataclass(frozen=True)
class Flag:
    """A screening or signal result worth a clinician's attention."""

    id: int
    participant_id: int
    source_kind: str  # journal, scale, choice, silence, questionnaire
    source_id: int | None
    tier: Tier
    categories: str  # comma-separated
    created_at: datetime
    status: FlagStatus = FlagStatus.OPEN
    acknowledged_at: datetime | None = None
    acknowledged_by_id: int | None = None


@dataclass(frozen=True)
class FlagDetails:
    """What a flag's sealed evidence says, opened for someone allowed to read it."""

    evidence: tuple[dict[str, object], ...] = ()
    excerpt: str = ""
    explanation: str | None = None


@dataclass(frozen=True)
class Alert:
    """A flag sent to people: the assigned therapist first, then escalation until acknowledged."""

    id: int
    flag_id: int
    participant_id: int
    tier: Tier
    created_at: datetime
    status: AlertStatus = AlertStatus.OPEN
    escalate_at: datetime | None = None
    escalation_round: int = 0
    acknowledged_at: datetime | None = None
    acknowledged_by_id: int | None = None


@dataclass(frozen=True)
class StoredMessage:
    """Where a journal message was stored."""

    id: int
    entry_id: int


@dataclass(frozen=True)
class EntryView:
    """A journal entry with its messages opened, for a reader who is allowed to see it."""

    id: int
    prompt_id: int | None
    opened_at: datetime
    parts: tuple[tuple[str, str | None], ...]  # (kind, text)
    edited: bool

    @property
    def text(self) -> str:
        return "\n".join(t for kind, t in self.parts if t)


@dataclass(frozen=True)
class JournalMessageView:
    """One journal message opened for its writer (an export)."""

    entry_id: int
    kind: str
    written_at: datetime
    edited_at: datetime | None
    text: str | None


@dataclass(frozen=True)
class ParkedItem:
    """An outbox message or a stored update set aside because it cannot be opened (sealed
    under a key no longer configured, or damaged); nothing of its content."""

    queue: str  # "outbox" or "inbox"
    id: int  # the outbox row's id, or the update's id
    kind: str  # what the message was (prompt, alert, ...); "update" for the inbox
    since: datetime  # when it was queued or received
    reason: str


@dataclass(frozen=True)
class ClaimedMessage:
    """An outbox message claimed by a delivery worker, with its payload opened.

    An edit (``edit_of`` set) changes the message the row ``edit_of`` sent, Telegram's
    ``edit_message_id``; that is None when the original was never sent (nothing to edit).
    """

    id: int
    key: str
    chat_id: int
    person_id: int | None
    kind: str
    priority: int
    attempts: int
    ambiguous: bool
    message: Outgoing
    edit_of: int | None = None
    edit_message_id: int | None = None

    @property
    def is_edit(self) -> bool:
        return self.edit_of is not None


@dataclass(frozen=True)
class OutboxCopy:
    """One copy of something sent to several people (an alert's copies), as it stands."""

    id: int
    key: str
    chat_id: int
    person_id: int | None
    status: OutboxStatus
    message: Outgoing
    telegram_message_id: int | None = None
