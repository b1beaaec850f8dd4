"""SQLAlchemy 2 models: the tables of Ember, typed with ``Mapped[...]``.

Text a participant or clinician wrote (journal messages, notes, flag evidence, outbound
message payloads, stored updates) lives only in ``*_enc`` columns of type
:class:`~storage.types.SealedText`, sealed by :class:`storage.crypto.Cipher`.
Every schema change comes with an Alembic migration in ``storage/migrations/``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.domain.outgoing import OutboxStatus
from bot.domain.people import PersonStatus, Role
from bot.domain.schedule import PromptStatus
from bot.domain.screening.model import Tier
from storage.types import SealedText, TierColumn, UTCDateTime

# the vocabulary, re-exported
__all__ = ["OutboxStatus", "PersonStatus", "PromptStatus", "Role", "Tier"]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Person(Base):
    """Anyone Ember knows: participants, therapists and coordinators (one role each)."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(120))  # staff only
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="en")
    locale: Mapped[str | None] = mapped_column(String(8))  # crisis-resource region, e.g. US
    status: Mapped[str] = mapped_column(String(20), default=PersonStatus.INVITED)
    therapist_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    backup_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    digest_at: Mapped[str | None] = mapped_column(String(5))
    quiet_hours: Mapped[str | None] = mapped_column(String(11))
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    protocol_id: Mapped[str | None] = mapped_column(String(64), index=True)  # participants
    consent_version: Mapped[str | None] = mapped_column(String(20))
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # participants treated together with a partner share a couple (both rows carry it)
    couple_id: Mapped[int | None] = mapped_column(ForeignKey("couples.id"), index=True)


class Couple(Base):
    """Two participants treated together; each keeps their own journal, consent and language."""

    __tablename__ = "couples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Invitation(Base):
    """A single-use, expiring enrollment code; only its SHA-256 is stored."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


class Consent(Base):
    """One consent decision: which version of the text, agreed or declined, when."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    version: Mapped[str] = mapped_column(String(20))
    decision: Mapped[str] = mapped_column(String(10))  # agreed | declined
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TreatmentSession(Base):
    """A dated event in a participant's treatment (dosing, integration, preparation)."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(12), default="scheduled")  # or cancelled
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # a session shared by a couple is one row per partner, both carrying the first row's id
    shared_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # a dosing session's doses and times (clinical record, sealed like notes)
    doses_enc: Mapped[str | None] = mapped_column(SealedText())


class JournalEntry(Base):
    """One journal entry: the reply to a prompt, or a free entry; made of messages."""

    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    prompt_id: Mapped[int | None] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime())


class JournalMessage(Base):
    """One Telegram message (or button answer) belonging to a journal entry."""

    __tablename__ = "journal_messages"
    __table_args__ = (UniqueConstraint("participant_id", "telegram_message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    update_id: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))  # text, photo, voice, document, ...
    body_enc: Mapped[str | None] = mapped_column(SealedText())
    media_enc: Mapped[str | None] = mapped_column(SealedText())
    screened: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class JournalMessageVersion(Base):
    """An earlier text of an edited journal message (edits keep what was there)."""

    __tablename__ = "journal_message_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("journal_messages.id"), index=True)
    body_enc: Mapped[str | None] = mapped_column(SealedText())
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Flag(Base):
    """A screening or signal result worth a clinician's attention."""

    __tablename__ = "flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    source_kind: Mapped[str] = mapped_column(String(20))  # journal, scale, silence, ...
    source_id: Mapped[int | None] = mapped_column(Integer)
    tier: Mapped[Tier] = mapped_column(TierColumn())
    categories: Mapped[str] = mapped_column(String(200))  # comma-separated
    evidence_enc: Mapped[str | None] = mapped_column(SealedText())
    status: Mapped[str] = mapped_column(String(14), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


class ErasureRequest(Base):
    """A participant's request to have their data erased (/delete), and when it was done.

    Once erased, this row and the participant's code on ``people`` are the tombstone: the
    fact and the time of erasure, who did it, and nothing of what they wrote.
    """

    __tablename__ = "erasure_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    requested_by: Mapped[str] = mapped_column(String(40))  # "participant", a staff code, "cli"
    policy: Mapped[str] = mapped_column(String(20))  # the retention policy when asked
    status: Mapped[str] = mapped_column(String(10), default="open")  # or erased
    keep_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    erased_by: Mapped[str | None] = mapped_column(String(40))


class Note(Base):
    """A clinician's note about a participant (encrypted)."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    body_enc: Mapped[str] = mapped_column(SealedText())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutboxMessage(Base):
    """A message Ember must send, or an edit of one it sent; the only road to Telegram for
    anything proactive.

    An edit row (``edits_id`` set) carries the new content of the message sent by the row it
    names; it goes once that row is settled (sent, failed or cancelled), and only if it was
    sent. ``topic`` names what a message is about, so its copies can be found again
    (``"alert:<id>"`` for every copy of an alert, every round, every recipient).
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "not_before"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(20))  # reply, prompt, alert, safety, notice, ...
    priority: Mapped[int] = mapped_column(Integer, default=0)
    payload_enc: Mapped[str] = mapped_column(SealedText())
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    ambiguous: Mapped[bool] = mapped_column(Boolean, default=False)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    topic: Mapped[str | None] = mapped_column(String(40), index=True)
    edits_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), index=True)


class InboundUpdate(Base):
    """Every Telegram update, stored before it is acknowledged; the id deduplicates.

    The payload is sealed and dropped once the update is processed; the row stays so a
    repeated delivery of the same ``update_id`` is recognised and skipped. An instance
    handling it claims it (``claimed_by``, ``claimed_at`` refreshed by its heartbeat); one
    whose handling failed waits for ``next_attempt_at``, ``attempts`` counting the failures
    in a row, and later updates of its ``chat_id`` wait behind it.
    """

    __tablename__ = "inbound_updates"
    __table_args__ = (Index("ix_inbound_updates_chat", "chat_id", "update_id"),)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # pending, processing, processed, parked (set aside: `ember status`), erased
    status: Mapped[str] = mapped_column(String(10), default="pending")
    payload_enc: Mapped[str | None] = mapped_column(SealedText())
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(String(200))
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditEvent(Base):
    """Who did what to whose data, and when; never the data itself."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    actor: Mapped[str] = mapped_column(String(40))  # a staff code, "cli" or "system"
    action: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    detail: Mapped[str | None] = mapped_column(String(300))


class StoredProtocol(Base):
    """A loaded protocol: its validated YAML source, so a schedule is always rebuildable."""

    __tablename__ = "protocols"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(Text)
    source_name: Mapped[str] = mapped_column(String(300))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ScheduledPrompt(Base):
    """One prompt for one participant: a protocol step for one anchor session, or a one-off."""

    __tablename__ = "scheduled_prompts"
    __table_args__ = (
        UniqueConstraint("participant_id", "key"),
        Index("ix_scheduled_prompts_due", "status", "due_at"),
        Index("ix_scheduled_prompts_attention", "status", "attention_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    key: Mapped[str] = mapped_column(String(120))  # "<step>@<session id>" or "oneoff:<n>"
    protocol_id: Mapped[str | None] = mapped_column(String(64))
    step_id: Mapped[str | None] = mapped_column(String(64))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id"))
    kind: Mapped[str] = mapped_column(String(16))  # text, scale, choice, questionnaire
    text_enc: Mapped[str | None] = mapped_column(SealedText())  # one-off prompts only
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reminder_times: Mapped[str] = mapped_column(String(400), default="")  # ISO, comma-separated
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), default=PromptStatus.PENDING)
    # a sent prompt's next moment of attention: its next reminder, or else its expiry
    # (derived from the columns above by the repository, so the tick finds what is due
    # with one index range, however many prompts are open)
    attention_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    state: Mapped[str | None] = mapped_column(Text)  # questionnaire progress (JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    @property
    def step_key(self) -> str:
        """The key without its protocol: "<step>@<session id>" (as the planner names it)."""
        return self.key.split(":", 1)[1] if ":" in self.key else self.key


class Alert(Base):
    """A flag sent to people: the assigned therapist first, then escalation until acknowledged."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_escalation", "status", "escalate_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flags.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    tier: Mapped[Tier] = mapped_column(TierColumn())
    status: Mapped[str] = mapped_column(String(14), default="open")  # or acknowledged
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    escalate_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalation_round: Mapped[int] = mapped_column(Integer, default=0)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


class Escalation(Base):
    """One round of escalation of an unacknowledged alert: when, and to whom."""

    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    recipients: Mapped[str] = mapped_column(String(400))  # staff codes, comma-separated


class ClinicSetting(Base):
    """Clinic-wide settings changed at run time (e.g. who is on call)."""

    __tablename__ = "clinic_settings"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Mark(Base):
    """When something last happened for a key: state every running instance must share.

    Quiet periods live here, not in a process's memory: "ack:<chat id>" (one thank-you
    for several messages in a row) and "stranger:<hash of the account>" (one polite line
    per ten minutes; pruned after that, and never the account id itself).
    """

    __tablename__ = "marks"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class SendLane(Base):
    """The deployment's one send budget: the next free slot on Telegram's bot-wide limit.

    Every instance takes its send slots from this row (an atomic UPDATE … RETURNING), so
    the bot-wide rate holds however many instances run; ``paused_until`` is set when
    Telegram answers 429, and every instance honours it. Times are wall-clock epoch
    seconds: pacing is physical time, shared between hosts.
    """

    __tablename__ = "send_lanes"

    lane: Mapped[str] = mapped_column(String(20), primary_key=True)
    next_at: Mapped[float] = mapped_column(Double, default=0.0)
    paused_until: Mapped[float] = mapped_column(Double, default=0.0)


class ChatPace(Base):
    """When a chat may next receive a message (Telegram: about one per chat per second)."""

    __tablename__ = "chat_pacing"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    free_at: Mapped[float] = mapped_column(Double)


class SendSlot(Base):
    """A slot an ordinary message (a prompt) holds on the send schedule and has not yet used.

    An alert or a safety message may take it over (one atomic DELETE … RETURNING): it goes
    at the slot's time and the prompt takes a new, later slot. The prompt's sender deletes
    its own row just before sending ("locks it in"); finding it gone, it knows its slot was
    taken. Only rows still waiting are here, a few at a time.
    """

    __tablename__ = "send_slots"

    token: Mapped[str] = mapped_column(String(40), primary_key=True)
    at: Mapped[float] = mapped_column(Double, index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)


class Lease(Base):
    """Who runs the deployment's periodic work (escalation, digests, reminders, sweeps).

    One instance holds the lease and renews it every few seconds; when it stops renewing
    (it died, or lost the database), another takes the lease once ``expires_at`` (wall-clock
    epoch seconds) has passed.
    """

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[float] = mapped_column(Double)
