"""The unit of work and its repositories as the services see them: typing protocols.

Services are typed against these, not against ``storage``; ``storage.uow.UnitOfWork`` and
the in-memory fake of the tests (``tests/support/fake_uow.py``) both satisfy them, and mypy
checks that they do. Only what the services use is here; a new repository method the
services need is added here, in ``storage/`` and in the fake.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Protocol, Self

from bot.domain.audit import AuditLine
from bot.domain.digest import WrittenMessage
from bot.domain.erasure import ErasureCounts, ErasureRequest
from bot.domain.outgoing import Outgoing
from bot.domain.people import Invitation, Person, Role
from bot.domain.records import (
    Alert,
    EntryView,
    Flag,
    FlagDetails,
    JournalMessageView,
    OutboxCopy,
    OwnMessage,
    ScheduledPrompt,
    StoredMessage,
    StoredProtocol,
    TreatmentSession,
)
from bot.domain.schedule import PromptStatus
from bot.domain.stats import ClinicCounts
from bot.domain.trends import MoodPoint


class PeopleRepository(Protocol):
    """``uow.people``."""

    async def by_telegram_id(self, telegram_user_id: int) -> Person | None: ...

    async def by_telegram_ids(self, telegram_user_ids: Collection[int]) -> list[Person]: ...

    async def by_code(self, code: str) -> Person | None: ...

    async def by_id(self, person_id: int) -> Person | None: ...

    async def by_ids(self, person_ids: Sequence[int]) -> list[Person]: ...

    async def add(self, person: Person) -> Person: ...

    async def add_many(self, people: Sequence[Person]) -> list[Person]: ...

    async def save(self, person: Person) -> None: ...

    async def participants_of(self, therapist_id: int) -> list[Person]: ...

    async def new_couple(self, now: datetime) -> int: ...

    async def partner_of(self, person: Person) -> Person | None: ...

    async def participants_on(self, protocol_id: str) -> list[Person]: ...

    async def participant_ids_on(
        self, protocol_id: str, *, after_id: int = 0, limit: int
    ) -> list[int]: ...

    async def count_on(self, protocol_id: str) -> int: ...

    async def with_role(self, role: Role, *, reachable: bool = False) -> list[Person]: ...

    async def invitation_by_hash(self, code_hash: str) -> Invitation | None: ...

    async def add_invitation(
        self,
        *,
        code_hash: str,
        person_id: int,
        now: datetime,
        expires_at: datetime,
        created_by_id: int | None,
    ) -> Invitation: ...

    async def add_invitations(
        self,
        *,
        code_hashes: Sequence[tuple[str, int]],
        now: datetime,
        expires_at: datetime,
        created_by_id: int | None,
    ) -> list[Invitation]: ...

    async def use_invitation(self, invitation_id: int, now: datetime) -> None: ...

    async def revoke_open_invitations(self, person_id: int, now: datetime) -> None: ...

    async def add_consent(
        self, person_id: int, version: str, decision: str, now: datetime
    ) -> None: ...


class SchedulesRepository(Protocol):
    """``uow.schedules``."""

    async def stored_protocol(self, protocol_id: str) -> StoredProtocol | None: ...

    async def stored_protocols(self) -> list[StoredProtocol]: ...

    async def save_protocol(self, protocol: StoredProtocol) -> None: ...

    async def sessions_of(self, participant_id: int) -> list[TreatmentSession]: ...

    async def sessions_of_many(
        self, participant_ids: Sequence[int]
    ) -> dict[int, list[TreatmentSession]]: ...

    async def sessions_starting_between(
        self, kind: str, start: datetime, end: datetime
    ) -> list[TreatmentSession]: ...

    async def session_by_id(self, session_id: int) -> TreatmentSession | None: ...

    async def sessions_shared(self, shared_id: int) -> list[TreatmentSession]: ...

    async def add_session(self, session: TreatmentSession) -> TreatmentSession: ...

    async def add_sessions(
        self, sessions: Sequence[TreatmentSession]
    ) -> list[TreatmentSession]: ...

    async def save_session(self, session: TreatmentSession) -> None: ...

    async def add_prompt(self, prompt: ScheduledPrompt) -> ScheduledPrompt: ...

    async def add_prompts(self, prompts: Sequence[ScheduledPrompt]) -> None: ...

    async def save_prompt(self, prompt: ScheduledPrompt) -> None: ...

    async def save_prompts_if_unchanged(
        self, changes: Sequence[tuple[ScheduledPrompt, ScheduledPrompt]]
    ) -> None:
        """(as read, as changed) pairs; each written only if its status and due time are
        still as read."""
        ...

    async def prompts_of(self, participant_id: int) -> list[ScheduledPrompt]: ...

    async def prompts_of_many(
        self, participant_ids: Sequence[int]
    ) -> dict[int, list[ScheduledPrompt]]: ...

    async def prompts_sent_between(
        self, participant_ids: Sequence[int], since: datetime, until: datetime
    ) -> list[ScheduledPrompt]: ...

    async def answered_questionnaires(
        self, participant_ids: Sequence[int]
    ) -> list[ScheduledPrompt]: ...

    async def prompt_by_id(
        self, prompt_id: int, *, lock: bool = False
    ) -> ScheduledPrompt | None: ...

    async def due_prompts(self, now: datetime, limit: int) -> list[ScheduledPrompt]: ...

    async def open_prompts_due(
        self, now: datetime, *, after_id: int = 0, limit: int
    ) -> list[ScheduledPrompt]: ...

    async def latest_open_prompt(
        self, participant_id: int, now: datetime, *, kind: str | None = None
    ) -> ScheduledPrompt | None: ...

    async def prompt_for_message(
        self, participant_id: int, chat_id: int, telegram_message_id: int
    ) -> ScheduledPrompt | None: ...

    async def recent_statuses(self, participant_id: int, n: int) -> list[PromptStatus]: ...

    async def next_oneoff_number(self, participant_id: int) -> int: ...

    async def latest_missed_id(self, participant_id: int) -> int | None: ...


class JournalRepository(Protocol):
    """``uow.journal``."""

    async def add_message(
        self,
        *,
        participant_id: int,
        prompt_id: int | None,
        telegram_message_id: int | None,
        update_id: int | None,
        kind: str,
        text: str | None,
        media_ref: str | None,
        screened: bool,
        now: datetime,
        group_window: timedelta = timedelta(minutes=30),
    ) -> tuple[StoredMessage, bool]: ...

    async def edit_message(
        self, *, participant_id: int, telegram_message_id: int, text: str | None, now: datetime
    ) -> StoredMessage | None: ...

    async def own_message(
        self,
        participant_id: int,
        *,
        message_id: int | None = None,
        telegram_message_id: int | None = None,
    ) -> OwnMessage | None: ...

    async def replied_message(
        self, participant_id: int, bot_message_id: int
    ) -> OwnMessage | None: ...

    async def prompt_of_entry(self, entry_id: int) -> int | None: ...

    async def recent_entries(self, participant_id: int, limit: int) -> list[EntryView]: ...

    async def written_between(
        self, participant_ids: Sequence[int], since: datetime, until: datetime
    ) -> list[WrittenMessage]: ...
    async def entry_has_earlier_messages(self, message: StoredMessage) -> bool: ...

    async def scale_history(
        self, participant_id: int, *, before_id: int, limit: int = 14
    ) -> list[int]: ...

    async def mood_points(
        self, participant_ids: Sequence[int], since: datetime, until: datetime
    ) -> list[MoodPoint]: ...

    async def messages_of(self, participant_id: int) -> list[JournalMessageView]: ...


class FlagsRepository(Protocol):
    """``uow.flags``."""

    async def existing_flag(
        self, participant_id: int, source_kind: str, source_id: int | None
    ) -> Flag | None: ...

    async def add_flag(self, flag: Flag, details: FlagDetails) -> Flag: ...

    async def details(self, flag_id: int) -> FlagDetails: ...

    async def save_flag(self, flag: Flag) -> None: ...

    async def add_alert(self, alert: Alert) -> Alert: ...

    async def save_alert(self, alert: Alert) -> None: ...

    async def add_escalation(
        self, *, alert_id: int, round: int, at: datetime, recipients: Sequence[str]
    ) -> None: ...

    async def flag_by_id(self, flag_id: int, *, lock: bool = False) -> Flag | None:
        """``lock``: hold the row until the unit of work ends (PostgreSQL), read afresh."""
        ...

    async def alert_by_id(self, alert_id: int) -> Alert | None: ...

    async def alerts_of_flag(self, flag_id: int, *, lock: bool = False) -> list[Alert]: ...

    async def due_escalations(self, now: datetime, limit: int = 100) -> list[Alert]: ...

    async def open_or_raised_since(
        self, participant_ids: Sequence[int], since: datetime
    ) -> list[Flag]: ...

    async def open_flags(
        self, participant_ids: Sequence[int] | None = None, limit: int = 50
    ) -> list[tuple[Flag, Person]]: ...


class OutboxRepository(Protocol):
    """``uow.outbox``."""

    async def enqueue(
        self,
        *,
        key: str,
        chat_id: int,
        message: Outgoing,
        kind: str,
        now: datetime,
        not_before: datetime | None = None,
        person_id: int | None = None,
        priority: int = 0,
        topic: str | None = None,
        edits_id: int | None = None,
    ) -> bool: ...

    async def exists(self, key: str) -> bool: ...

    async def copies(self, topic: str) -> list[OutboxCopy]: ...

    async def rewrite_pending(self, message_id: int, message: Outgoing) -> bool: ...

    async def cancel_pending(self, person_id: int, kinds: Sequence[str]) -> int: ...


class AuditRepository(Protocol):
    """``uow.audit``."""

    async def record(
        self,
        *,
        at: datetime,
        actor: str,
        action: str,
        actor_id: int | None = None,
        subject_id: int | None = None,
        detail: str | None = None,
    ) -> None: ...

    async def record_many(
        self,
        *,
        at: datetime,
        actor: str,
        action: str,
        events: Sequence[tuple[int | None, str | None]],
        actor_id: int | None = None,
    ) -> None: ...

    async def by_staff(
        self,
        *,
        now: datetime,
        action: str,
        staff: Person | None,
        subject_id: int | None,
        detail: str | None = None,
    ) -> None: ...

    async def lines(
        self,
        *,
        since: datetime | None = None,
        who: str | None = None,
        whom: str | None = None,
        actions: Sequence[str] | None = None,
        limit: int = 1000,
    ) -> list[AuditLine]: ...


class ClinicRepository(Protocol):
    """``uow.clinic``."""

    async def get_setting(self, key: str) -> str | None: ...

    async def set_setting(self, key: str, value: str, now: datetime) -> None: ...

    async def mark(self, key: str) -> datetime | None: ...

    async def touch(self, key: str, now: datetime) -> datetime | None: ...

    async def forget_marks(self, prefix: str, before: datetime) -> None: ...

    async def add_note(
        self, *, participant_id: int, author_id: int, text: str, now: datetime
    ) -> None: ...

    async def counts(
        self, now: datetime, *, since: datetime, therapist_id: int | None = None
    ) -> ClinicCounts:
        """The figures' makings: everyone in scope, prompts sent and flags raised since
        ``since``; ``therapist_id`` limits them to that therapist's participants."""
        ...


class ErasuresRepository(Protocol):
    """``uow.erasures``."""

    async def add_request(self, request: ErasureRequest) -> ErasureRequest: ...

    async def save_request(self, request: ErasureRequest) -> None: ...

    async def open_request(self, participant_id: int) -> ErasureRequest | None: ...

    async def latest_request(self, participant_id: int) -> ErasureRequest | None: ...

    async def inventory(self, participant: Person) -> ErasureCounts: ...

    async def erase(self, participant: Person, *, now: datetime) -> ErasureCounts: ...


class UnitOfWorkProtocol(Protocol):
    """``async with uow:`` opens a transaction; ``await uow.commit()`` keeps it; leaving
    without a commit drops it. Repositories hang off it and return frozen domain values."""

    @property
    def people(self) -> PeopleRepository: ...
    @property
    def schedules(self) -> SchedulesRepository: ...
    @property
    def journal(self) -> JournalRepository: ...
    @property
    def flags(self) -> FlagsRepository: ...
    @property
    def outbox(self) -> OutboxRepository: ...
    @property
    def audit(self) -> AuditRepository: ...
    @property
    def clinic(self) -> ClinicRepository: ...
    @property
    def erasures(self) -> ErasuresRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def flush(self) -> None: ...


class StorageProtocol(Protocol):
    """What makes units of work (``storage.uow.Storage``, or the tests' fake)."""

    def uow(self) -> UnitOfWorkProtocol: ...

    def reader(self) -> UnitOfWorkProtocol:
        """A unit of work that only reads: it holds up no writer and never commits."""
        ...

    async def breathe(self) -> None:
        """Between two batches of long work: let whoever waits to write go first."""
        ...
