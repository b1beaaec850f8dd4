"""An in-memory unit of work with the repositories the services use, for fast service tests.

It keeps the promises of ``storage.uow.UnitOfWork`` that services rely on: changes are seen
inside the unit of work at once, kept by ``commit()`` and dropped otherwise; repositories
hand out frozen values. It does not pretend to be a database: no locking, no SQL; what
depends on the database itself is tested on SQLite and PostgreSQL in tests/integration/.

    storage = FakeStorage()
    services = Services(ServiceContext(storage=storage, clock=clock, catalogue=catalogue))
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from bot.domain.audit import AuditLine
from bot.domain.digest import WrittenMessage
from bot.domain.erasure import ErasureCounts, ErasureRequest, ErasureStatus
from bot.domain.outgoing import OutboxStatus, Outgoing
from bot.domain.people import Invitation, Person, PersonStatus, Role
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
from bot.domain.safety import AlertStatus, FlagStatus
from bot.domain.schedule import PromptStatus
from bot.domain.stats import ClinicCounts, PromptFact
from bot.domain.trends import MoodPoint
from bot.errors import StorageMisuse
from bot.services.unit_of_work import StorageProtocol, UnitOfWorkProtocol


@dataclass(frozen=True)
class QueuedMessage:
    """An outbox row as the fake keeps it (the message unsealed: nothing is stored)."""

    key: str
    chat_id: int
    message: Outgoing
    kind: str
    priority: int
    not_before: datetime
    person_id: int | None
    status: str = "pending"
    telegram_message_id: int | None = None
    id: int = 0
    topic: str | None = None
    edits_id: int | None = None


@dataclass(frozen=True)
class _Entry:
    id: int
    participant_id: int
    prompt_id: int | None
    opened_at: datetime
    last_message_at: datetime


@dataclass(frozen=True)
class _Message:
    id: int
    entry_id: int
    participant_id: int
    telegram_message_id: int | None
    kind: str
    text: str | None
    created_at: datetime
    edited_at: datetime | None = None
    versions: tuple[str | None, ...] = ()
    screened: bool = False


@dataclass
class Tables:
    """Everything the fake stores; each unit of work works on a copy until it commits."""

    next_id: int = 1
    people: dict[int, Person] = field(default_factory=dict)
    invitations: dict[int, tuple[str, Invitation]] = field(default_factory=dict)
    consents: list[tuple[int, str, str, datetime]] = field(default_factory=list)
    protocols: dict[str, StoredProtocol] = field(default_factory=dict)
    sessions: dict[int, TreatmentSession] = field(default_factory=dict)
    prompts: dict[int, ScheduledPrompt] = field(default_factory=dict)
    entries: dict[int, _Entry] = field(default_factory=dict)
    messages: dict[int, _Message] = field(default_factory=dict)
    flags: dict[int, Flag] = field(default_factory=dict)
    details: dict[int, FlagDetails] = field(default_factory=dict)
    alerts: dict[int, Alert] = field(default_factory=dict)
    escalations: list[tuple[int, int, datetime, tuple[str, ...]]] = field(default_factory=list)
    outbox: dict[str, QueuedMessage] = field(default_factory=dict)
    audit: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)
    marks: dict[str, datetime] = field(default_factory=dict)
    notes: list[tuple[int, int, str, datetime]] = field(default_factory=list)
    erasures: dict[int, ErasureRequest] = field(default_factory=dict)

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1


class _Repository:
    def __init__(self, tables: Tables) -> None:
        self.t = tables


class FakePeople(_Repository):
    async def by_telegram_id(self, telegram_user_id: int) -> Person | None:
        return next((p for p in self.t.people.values() if p.telegram_user_id == telegram_user_id),
                    None)

    async def by_telegram_ids(self, telegram_user_ids: Collection[int]) -> list[Person]:
        return [p for p in self.t.people.values() if p.telegram_user_id in telegram_user_ids]

    async def by_code(self, code: str) -> Person | None:
        return next((p for p in self.t.people.values() if p.code == code.upper()), None)

    async def by_id(self, person_id: int) -> Person | None:
        return self.t.people.get(person_id)

    async def by_ids(self, person_ids: Sequence[int]) -> list[Person]:
        return [self.t.people[i] for i in sorted(set(person_ids)) if i in self.t.people]

    async def add(self, person: Person) -> Person:
        stored = replace(person, id=self.t.new_id())
        self.t.people[stored.id] = stored
        return stored

    async def add_many(self, people: Sequence[Person]) -> list[Person]:
        return [await self.add(person) for person in people]

    async def save(self, person: Person) -> None:
        if person.id not in self.t.people:
            raise LookupError(f"person #{person.id} is not stored")
        self.t.people[person.id] = person

    async def participants_of(self, therapist_id: int) -> list[Person]:
        return sorted((p for p in self.t.people.values()
                       if p.role == Role.PARTICIPANT and p.therapist_id == therapist_id),
                      key=lambda p: p.code)

    async def new_couple(self, now: datetime) -> int:
        return self.t.new_id()

    async def partner_of(self, person: Person) -> Person | None:
        if person.couple_id is None:
            return None
        return next((p for p in self.t.people.values()
                     if p.couple_id == person.couple_id and p.id != person.id), None)

    async def participants_on(self, protocol_id: str) -> list[Person]:
        return [p for p in self.t.people.values()
                if p.role == Role.PARTICIPANT and p.protocol_id == protocol_id]

    async def participant_ids_on(self, protocol_id: str, *, after_id: int = 0,
                                 limit: int) -> list[int]:
        return sorted(p.id for p in await self.participants_on(protocol_id)
                      if p.id > after_id)[:limit]

    async def count_on(self, protocol_id: str) -> int:
        return len(await self.participants_on(protocol_id))

    async def with_role(self, role: Role, *, reachable: bool = False) -> list[Person]:
        return sorted((p for p in self.t.people.values()
                       if p.role == role and (not reachable or p.reachable)),
                      key=lambda p: p.code)

    async def invitation_by_hash(self, code_hash: str) -> Invitation | None:
        return next((inv for h, inv in self.t.invitations.values() if h == code_hash), None)

    async def add_invitation(self, *, code_hash: str, person_id: int, now: datetime,
                             expires_at: datetime, created_by_id: int | None) -> Invitation:
        invitation = Invitation(self.t.new_id(), person_id, expires_at)
        self.t.invitations[invitation.id] = (code_hash, invitation)
        return invitation

    async def add_invitations(self, *, code_hashes: Sequence[tuple[str, int]], now: datetime,
                              expires_at: datetime, created_by_id: int | None
                              ) -> list[Invitation]:
        return [await self.add_invitation(code_hash=h, person_id=pid, now=now,
                                          expires_at=expires_at, created_by_id=created_by_id)
                for h, pid in code_hashes]

    async def use_invitation(self, invitation_id: int, now: datetime) -> None:
        code_hash, invitation = self.t.invitations[invitation_id]
        self.t.invitations[invitation_id] = (code_hash, replace(invitation, used_at=now))

    async def revoke_open_invitations(self, person_id: int, now: datetime) -> None:
        for key, (code_hash, inv) in list(self.t.invitations.items()):
            if inv.person_id == person_id and inv.used_at is None and inv.revoked_at is None:
                self.t.invitations[key] = (code_hash, replace(inv, revoked_at=now))

    async def add_consent(self, person_id: int, version: str, decision: str,
                          now: datetime) -> None:
        self.t.consents.append((person_id, version, decision, now))


class FakeSchedules(_Repository):
    async def stored_protocol(self, protocol_id: str) -> StoredProtocol | None:
        return self.t.protocols.get(protocol_id)

    async def stored_protocols(self) -> list[StoredProtocol]:
        return [self.t.protocols[k] for k in sorted(self.t.protocols)]

    async def save_protocol(self, protocol: StoredProtocol) -> None:
        self.t.protocols[protocol.id] = protocol

    async def sessions_of(self, participant_id: int) -> list[TreatmentSession]:
        return sorted((s for s in self.t.sessions.values() if s.participant_id == participant_id),
                      key=lambda s: (s.starts_at, s.id))

    async def sessions_of_many(self, participant_ids: Sequence[int],
                               ) -> dict[int, list[TreatmentSession]]:
        found = {pid: await self.sessions_of(pid) for pid in participant_ids}
        return {pid: rows for pid, rows in found.items() if rows}

    async def sessions_starting_between(self, kind: str, start: datetime,
                                        end: datetime) -> list[TreatmentSession]:
        return sorted((s for s in self.t.sessions.values() if s.kind == kind
                       and not s.cancelled and start < s.starts_at <= end),
                      key=lambda s: (s.starts_at, s.id))

    async def session_by_id(self, session_id: int) -> TreatmentSession | None:
        return self.t.sessions.get(session_id)

    async def sessions_shared(self, shared_id: int) -> list[TreatmentSession]:
        return sorted((s for s in self.t.sessions.values() if s.shared_id == shared_id),
                      key=lambda s: s.id)

    async def add_session(self, session: TreatmentSession) -> TreatmentSession:
        stored = replace(session, id=self.t.new_id())
        self.t.sessions[stored.id] = stored
        return stored

    async def add_sessions(self, sessions: Sequence[TreatmentSession]
                           ) -> list[TreatmentSession]:
        return [await self.add_session(session) for session in sessions]

    async def save_session(self, session: TreatmentSession) -> None:
        self.t.sessions[session.id] = session

    async def add_prompt(self, prompt: ScheduledPrompt) -> ScheduledPrompt:
        if any(p.participant_id == prompt.participant_id and p.key == prompt.key
               for p in self.t.prompts.values()):
            raise LookupError(f"prompt {prompt.key} exists")  # the unique constraint
        stored = replace(prompt, id=self.t.new_id())
        self.t.prompts[stored.id] = stored
        return stored

    async def add_prompts(self, prompts: Sequence[ScheduledPrompt]) -> None:
        for prompt in prompts:
            if not any(p.participant_id == prompt.participant_id and p.key == prompt.key
                       for p in self.t.prompts.values()):
                await self.add_prompt(replace(prompt, text=None))

    async def save_prompt(self, prompt: ScheduledPrompt) -> None:
        old = self.t.prompts[prompt.id]
        self.t.prompts[prompt.id] = replace(prompt, text=old.text)  # texts are never rewritten

    async def save_prompts_if_unchanged(
            self, changes: Sequence[tuple[ScheduledPrompt, ScheduledPrompt]]) -> None:
        for before, after in changes:
            stored = self.t.prompts.get(before.id)
            if stored and (stored.status, stored.due_at) == (before.status, before.due_at):
                await self.save_prompt(after)

    async def prompts_of(self, participant_id: int) -> list[ScheduledPrompt]:
        return sorted((p for p in self.t.prompts.values() if p.participant_id == participant_id),
                      key=lambda p: (p.due_at, p.id))

    async def prompts_of_many(self, participant_ids: Sequence[int],
                              ) -> dict[int, list[ScheduledPrompt]]:
        found = {pid: await self.prompts_of(pid) for pid in participant_ids}
        return {pid: rows for pid, rows in found.items() if rows}

    async def prompts_sent_between(self, participant_ids: Sequence[int], since: datetime,
                                   until: datetime) -> list[ScheduledPrompt]:
        ids = set(participant_ids)
        sent = [p for p in self.t.prompts.values() if p.participant_id in ids
                and p.sent_at is not None and since < p.sent_at <= until]
        return sorted(sent, key=lambda p: (p.sent_at or since, p.id))

    async def answered_questionnaires(self, participant_ids: Sequence[int]
                                      ) -> list[ScheduledPrompt]:
        ids = set(participant_ids)
        done = [p for p in self.t.prompts.values() if p.participant_id in ids
                and p.kind == "questionnaire" and p.status == PromptStatus.ANSWERED]
        return sorted(done, key=lambda p: (p.answered_at or p.due_at, p.id))

    async def prompt_by_id(self, prompt_id: int, *,
                           lock: bool = False) -> ScheduledPrompt | None:
        return self.t.prompts.get(prompt_id)

    async def due_prompts(self, now: datetime, limit: int) -> list[ScheduledPrompt]:
        due = [p for p in self.t.prompts.values()
               if p.status == PromptStatus.PENDING and p.due_at <= now]
        return sorted(due, key=lambda p: (p.due_at, p.id))[:limit]

    async def open_prompts_due(self, now: datetime, *, after_id: int = 0,
                               limit: int) -> list[ScheduledPrompt]:
        def attention(p: ScheduledPrompt) -> datetime:
            if p.reminders_sent < len(p.reminder_times):
                return min(p.reminder_times[p.reminders_sent], p.expires_at)
            return p.expires_at

        due = [p for p in self.t.prompts.values() if p.status == PromptStatus.SENT
               and p.id > after_id and attention(p) <= now]
        return sorted(due, key=lambda p: p.id)[:limit]

    async def latest_open_prompt(self, participant_id: int, now: datetime, *,
                                 kind: str | None = None) -> ScheduledPrompt | None:
        found = [p for p in self.t.prompts.values()
                 if p.participant_id == participant_id and p.status == PromptStatus.SENT
                 and p.expires_at > now and (kind is None or p.kind == kind)]
        return max(found, key=lambda p: (p.sent_at or now, p.id), default=None)

    async def prompt_for_message(self, participant_id: int, chat_id: int,
                                 telegram_message_id: int) -> ScheduledPrompt | None:
        for row in self.t.outbox.values():
            if (row.chat_id == chat_id and row.telegram_message_id == telegram_message_id
                    and row.key.startswith(("prompt:", "reminder:"))):
                prompt = self.t.prompts.get(int(row.key.split(":")[1]))
                if prompt is not None and prompt.participant_id == participant_id:
                    return prompt
        return None

    async def recent_statuses(self, participant_id: int, n: int) -> list[PromptStatus]:
        done = [p for p in self.t.prompts.values() if p.participant_id == participant_id
                and p.status in (PromptStatus.ANSWERED, PromptStatus.MISSED)]
        done.sort(key=lambda p: (p.due_at, p.id), reverse=True)
        return [p.status for p in done[:n]]

    async def next_oneoff_number(self, participant_id: int) -> int:
        return 1 + sum(1 for p in self.t.prompts.values()
                       if p.participant_id == participant_id and p.is_oneoff)

    async def latest_missed_id(self, participant_id: int) -> int | None:
        missed = [p for p in self.t.prompts.values()
                  if p.participant_id == participant_id and p.status == PromptStatus.MISSED]
        return max(missed, key=lambda p: (p.due_at, p.id)).id if missed else None


class FakeJournal(_Repository):
    async def add_message(self, *, participant_id: int, prompt_id: int | None,
                          telegram_message_id: int | None, update_id: int | None, kind: str,
                          text: str | None, media_ref: str | None, screened: bool,
                          now: datetime, group_window: timedelta = timedelta(minutes=30),
                          ) -> tuple[StoredMessage, bool]:
        if telegram_message_id is not None:
            for m in self.t.messages.values():
                if (m.participant_id == participant_id
                        and m.telegram_message_id == telegram_message_id):
                    return StoredMessage(m.id, m.entry_id), False
        entries = [e for e in self.t.entries.values() if e.participant_id == participant_id and (
            e.prompt_id == prompt_id if prompt_id is not None
            else e.last_message_at >= now - group_window)]
        entry = max(entries, key=lambda e: e.id, default=None)
        if entry is None:
            entry = _Entry(self.t.new_id(), participant_id, prompt_id, now, now)
        self.t.entries[entry.id] = replace(entry, last_message_at=now)
        message = _Message(self.t.new_id(), entry.id, participant_id, telegram_message_id, kind,
                           text, now, screened=screened)
        self.t.messages[message.id] = message
        return StoredMessage(message.id, entry.id), True

    async def edit_message(self, *, participant_id: int, telegram_message_id: int,
                           text: str | None, now: datetime) -> StoredMessage | None:
        for m in self.t.messages.values():
            if m.participant_id == participant_id and m.telegram_message_id == telegram_message_id:
                self.t.messages[m.id] = replace(m, text=text, edited_at=now,
                                                versions=(*m.versions, m.text))
                return StoredMessage(m.id, m.entry_id)
        return None

    async def own_message(self, participant_id: int, *, message_id: int | None = None,
                          telegram_message_id: int | None = None) -> OwnMessage | None:
        for m in self.t.messages.values():
            if m.participant_id != participant_id:
                continue
            if (message_id is not None and m.id == message_id) or (
                    message_id is None and telegram_message_id is not None
                    and m.telegram_message_id == telegram_message_id):
                return OwnMessage(m.id, m.participant_id, m.kind, m.text)
        return None

    async def prompt_of_entry(self, entry_id: int) -> int | None:
        entry = self.t.entries.get(entry_id)
        return entry.prompt_id if entry else None

    async def replied_message(self, participant_id: int,
                              bot_message_id: int) -> OwnMessage | None:
        return None  # the fake outbox keeps no Telegram message ids of sent replies

    async def recent_entries(self, participant_id: int, limit: int) -> list[EntryView]:
        entries = sorted((e for e in self.t.entries.values()
                          if e.participant_id == participant_id),
                         key=lambda e: (e.last_message_at, e.id), reverse=True)[:limit]
        views = []
        for e in entries:
            ms = sorted((m for m in self.t.messages.values() if m.entry_id == e.id),
                        key=lambda m: m.id)
            views.append(EntryView(e.id, e.prompt_id, e.opened_at,
                                   tuple((m.kind, m.text) for m in ms),
                                   any(m.edited_at is not None for m in ms)))
        return views

    async def written_between(self, participant_ids: Sequence[int], since: datetime,
                              until: datetime) -> list[WrittenMessage]:
        def within(at: datetime | None) -> bool:
            return at is not None and since < at <= until

        return [WrittenMessage(m.id, m.entry_id, m.participant_id, m.kind, m.text, m.screened,
                               m.created_at, m.edited_at, self.t.entries[m.entry_id].prompt_id)
                for m in sorted(self.t.messages.values(), key=lambda m: (m.created_at, m.id))
                if m.participant_id in participant_ids
                and (within(m.created_at) or within(m.edited_at))]

    async def entry_has_earlier_messages(self, message: StoredMessage) -> bool:
        return any(m.entry_id == message.entry_id and m.id < message.id
                   for m in self.t.messages.values())

    async def scale_history(self, participant_id: int, *, before_id: int,
                            limit: int = 14) -> list[int]:
        rows = sorted((m for m in self.t.messages.values() if m.participant_id == participant_id
                       and m.kind == "scale" and m.id < before_id), key=lambda m: m.id)[-limit:]
        return [int(m.text) for m in rows if m.text and m.text.isdigit()]

    async def mood_points(self, participant_ids: Sequence[int], since: datetime,
                          until: datetime) -> list[MoodPoint]:
        return [MoodPoint(m.participant_id, m.created_at, int(m.text.strip()))
                for m in sorted(self.t.messages.values(), key=lambda m: (m.created_at, m.id))
                if m.participant_id in participant_ids and m.kind == "scale"
                and since < m.created_at <= until and m.text and m.text.strip().isdigit()]

    async def messages_of(self, participant_id: int) -> list[JournalMessageView]:
        return [JournalMessageView(m.entry_id, m.kind, m.created_at, m.edited_at, m.text)
                for m in sorted(self.t.messages.values(), key=lambda m: m.id)
                if m.participant_id == participant_id]


class FakeFlags(_Repository):
    async def existing_flag(self, participant_id: int, source_kind: str,
                            source_id: int | None) -> Flag | None:
        found = [f for f in self.t.flags.values() if f.participant_id == participant_id
                 and f.source_kind == source_kind and f.source_id == source_id]
        return max(found, key=lambda f: f.tier, default=None)

    async def add_flag(self, flag: Flag, details: FlagDetails) -> Flag:
        stored = replace(flag, id=self.t.new_id())
        self.t.flags[stored.id] = stored
        self.t.details[stored.id] = details
        return stored

    async def details(self, flag_id: int) -> FlagDetails:
        return self.t.details.get(flag_id, FlagDetails())

    async def save_flag(self, flag: Flag) -> None:
        self.t.flags[flag.id] = flag

    async def add_alert(self, alert: Alert) -> Alert:
        stored = replace(alert, id=self.t.new_id())
        self.t.alerts[stored.id] = stored
        return stored

    async def save_alert(self, alert: Alert) -> None:
        self.t.alerts[alert.id] = alert

    async def add_escalation(self, *, alert_id: int, round: int, at: datetime,
                             recipients: Sequence[str]) -> None:
        self.t.escalations.append((alert_id, round, at, tuple(recipients)))

    async def flag_by_id(self, flag_id: int, *, lock: bool = False) -> Flag | None:
        return self.t.flags.get(flag_id)  # one unit of work at a time: nothing to lock

    async def alert_by_id(self, alert_id: int) -> Alert | None:
        return self.t.alerts.get(alert_id)

    async def alerts_of_flag(self, flag_id: int, *, lock: bool = False) -> list[Alert]:
        return sorted((a for a in self.t.alerts.values() if a.flag_id == flag_id),
                      key=lambda a: a.id)

    async def due_escalations(self, now: datetime, limit: int = 100) -> list[Alert]:
        due = [a for a in self.t.alerts.values() if a.status == AlertStatus.OPEN
               and a.escalate_at is not None and a.escalate_at <= now]
        return sorted(due, key=lambda a: a.escalate_at or now)[:limit]

    async def open_or_raised_since(self, participant_ids: Sequence[int],
                                   since: datetime) -> list[Flag]:
        return sorted((f for f in self.t.flags.values() if f.participant_id in participant_ids
                       and (f.status == FlagStatus.OPEN or f.created_at > since)),
                      key=lambda f: f.id)

    async def open_flags(self, participant_ids: Sequence[int] | None = None,
                         limit: int = 50) -> list[tuple[Flag, Person]]:
        found = [f for f in self.t.flags.values() if f.status == FlagStatus.OPEN
                 and (participant_ids is None or f.participant_id in participant_ids)]
        found.sort(key=lambda f: f.created_at, reverse=True)
        return [(f, self.t.people[f.participant_id]) for f in found[:limit]]


class FakeOutbox(_Repository):
    async def enqueue(self, *, key: str, chat_id: int, message: Outgoing, kind: str,
                      now: datetime, not_before: datetime | None = None,
                      person_id: int | None = None, priority: int = 0,
                      topic: str | None = None, edits_id: int | None = None) -> bool:
        if key in self.t.outbox:
            return False
        self.t.outbox[key] = QueuedMessage(key, chat_id, message, kind, priority,
                                           not_before or now, person_id,
                                           id=self.t.new_id(), topic=topic, edits_id=edits_id)
        return True

    async def exists(self, key: str) -> bool:
        return key in self.t.outbox

    async def copies(self, topic: str) -> list[OutboxCopy]:
        rows = sorted((r for r in self.t.outbox.values()
                       if r.topic == topic and r.edits_id is None), key=lambda r: r.id)
        return [OutboxCopy(r.id, r.key, r.chat_id, r.person_id, OutboxStatus(r.status),
                           r.message, r.telegram_message_id) for r in rows]

    async def rewrite_pending(self, message_id: int, message: Outgoing) -> bool:
        for key, row in self.t.outbox.items():
            if row.id == message_id and row.status == OutboxStatus.PENDING:
                self.t.outbox[key] = replace(row, message=message)
                return True
        return False

    async def cancel_pending(self, person_id: int, kinds: Sequence[str]) -> int:
        found = [k for k, row in self.t.outbox.items() if row.person_id == person_id
                 and row.kind in kinds and row.status == "pending"]
        for key in found:
            self.t.outbox[key] = replace(self.t.outbox[key], status="cancelled")
        return len(found)


class FakeAuditLog(_Repository):
    async def record(self, *, at: datetime, actor: str, action: str, actor_id: int | None = None,
                     subject_id: int | None = None, detail: str | None = None) -> None:
        self.t.audit.append({"at": at, "actor": actor, "action": action, "actor_id": actor_id,
                             "subject_id": subject_id, "detail": detail})

    async def record_many(self, *, at: datetime, actor: str, action: str,
                          events: Sequence[tuple[int | None, str | None]],
                          actor_id: int | None = None) -> None:
        for subject_id, detail in events:
            await self.record(at=at, actor=actor, action=action, actor_id=actor_id,
                              subject_id=subject_id, detail=detail)

    async def by_staff(self, *, now: datetime, action: str, staff: Person | None,
                       subject_id: int | None, detail: str | None = None) -> None:
        await self.record(at=now, actor=staff.code if staff else "cli",
                          actor_id=staff.id if staff else None, action=action,
                          subject_id=subject_id, detail=detail)

    async def lines(self, *, since: datetime | None = None, who: str | None = None,
                    whom: str | None = None, actions: Sequence[str] | None = None,
                    limit: int = 1000) -> list[AuditLine]:
        found: list[AuditLine] = []
        for a in self.t.audit:
            actor = self.t.people.get(a["actor_id"]) if a["actor_id"] else None
            subject = self.t.people.get(a["subject_id"]) if a["subject_id"] else None
            if ((since is not None and a["at"] < since) or (who is not None and a["actor"] != who)
                    or (whom is not None and (subject is None or subject.code != whom))
                    or (actions is not None and a["action"] not in actions)):
                continue
            name = actor.display_name if actor else None
            found.append(AuditLine(at=a["at"], who=f"{a['actor']} ({name})" if name else a["actor"],
                                   action=a["action"], whom=subject.code if subject else None,
                                   detail=a["detail"]))
        return found[:limit]


class FakeClinic(_Repository):
    async def get_setting(self, key: str) -> str | None:
        return self.t.settings.get(key)

    async def set_setting(self, key: str, value: str, now: datetime) -> None:
        self.t.settings[key] = value

    async def mark(self, key: str) -> datetime | None:
        return self.t.marks.get(key)

    async def touch(self, key: str, now: datetime) -> datetime | None:
        before = self.t.marks.get(key)
        self.t.marks[key] = now
        return before

    async def forget_marks(self, prefix: str, before: datetime) -> None:
        for key in [k for k, at in self.t.marks.items() if k.startswith(prefix) and at < before]:
            del self.t.marks[key]

    async def add_note(self, *, participant_id: int, author_id: int, text: str,
                       now: datetime) -> None:
        self.t.notes.append((participant_id, author_id, text, now))

    async def counts(self, now: datetime, *, since: datetime,
                     therapist_id: int | None = None) -> ClinicCounts:
        def mine(person_id: int) -> bool:
            person = self.t.people.get(person_id)
            return therapist_id is None or (person is not None
                                            and person.therapist_id == therapist_id)

        people = [p for p in self.t.people.values()
                  if (therapist_id is None or p.role == Role.PARTICIPANT) and mine(p.id)]
        flags = [f for f in self.t.flags.values() if mine(f.participant_id)]
        alerts = [a for a in self.t.alerts.values() if mine(a.participant_id)]
        return ClinicCounts(
            now=now,
            therapist_id=therapist_id,
            people=Counter((p.role, p.status) for p in people),
            prompts=tuple(PromptFact(p.protocol_id, p.step_id, p.status, p.expires_at)
                          for p in self.t.prompts.values()
                          if mine(p.participant_id) and p.sent_at is not None
                          and p.sent_at >= since),
            open_flags=Counter(f.tier for f in flags if f.status == FlagStatus.OPEN),
            ack_minutes=tuple((f.acknowledged_at - f.created_at).total_seconds() / 60
                              for f in flags if f.acknowledged_at and f.created_at >= since),
            open_alerts=sum(a.status == AlertStatus.OPEN for a in alerts),
            outbox=Counter(row.status for row in self.t.outbox.values())
            if therapist_id is None else Counter(),
        )


class FakeErasures(_Repository):
    async def add_request(self, request: ErasureRequest) -> ErasureRequest:
        stored = replace(request, id=self.t.new_id())
        self.t.erasures[stored.id] = stored
        return stored

    async def save_request(self, request: ErasureRequest) -> None:
        self.t.erasures[request.id] = request

    async def open_request(self, participant_id: int) -> ErasureRequest | None:
        return max((r for r in self.t.erasures.values() if r.participant_id == participant_id
                    and r.status == ErasureStatus.OPEN), key=lambda r: r.id, default=None)

    async def latest_request(self, participant_id: int) -> ErasureRequest | None:
        return max((r for r in self.t.erasures.values() if r.participant_id == participant_id),
                   key=lambda r: r.id, default=None)

    def _about(self, participant: Person) -> list[str]:
        return [k for k, row in self.t.outbox.items() if row.person_id == participant.id
                or row.chat_id == participant.chat_id or participant.code in row.message.text]

    async def inventory(self, participant: Person) -> ErasureCounts:
        pid = participant.id
        messages = [m for m in self.t.messages.values() if m.participant_id == pid]
        alerts = {a.id for a in self.t.alerts.values() if a.participant_id == pid}
        return ErasureCounts(
            entries=sum(e.participant_id == pid for e in self.t.entries.values()),
            messages=len(messages),
            versions=sum(len(m.versions) for m in messages),
            flags=sum(f.participant_id == pid for f in self.t.flags.values()),
            alerts=len(alerts),
            escalations=sum(e[0] in alerts for e in self.t.escalations),
            notes=sum(n[0] == pid for n in self.t.notes),
            sessions=sum(x.participant_id == pid for x in self.t.sessions.values()),
            prompts=sum(p.participant_id == pid for p in self.t.prompts.values()),
            consents=sum(c[0] == pid for c in self.t.consents),
            invitations=sum(inv.person_id == pid for _, inv in self.t.invitations.values()),
            outbox=len(self._about(participant)),
            audit_details=sum(a["subject_id"] == pid and a["detail"] is not None
                              for a in self.t.audit),
        )

    async def erase(self, participant: Person, *, now: datetime) -> ErasureCounts:
        counts = await self.inventory(participant)
        pid = participant.id
        alerts = {a.id for a in self.t.alerts.values() if a.participant_id == pid}
        for key in self._about(participant):
            del self.t.outbox[key]
        self.t.entries = {i: e for i, e in self.t.entries.items() if e.participant_id != pid}
        self.t.messages = {i: m for i, m in self.t.messages.items() if m.participant_id != pid}
        self.t.sessions = {i: s for i, s in self.t.sessions.items() if s.participant_id != pid}
        self.t.prompts = {i: p for i, p in self.t.prompts.items() if p.participant_id != pid}
        for flag_id in [i for i, f in self.t.flags.items() if f.participant_id == pid]:
            del self.t.flags[flag_id]
            self.t.details.pop(flag_id, None)
        for alert_id in alerts:
            del self.t.alerts[alert_id]
        self.t.escalations = [e for e in self.t.escalations if e[0] not in alerts]
        self.t.notes = [n for n in self.t.notes if n[0] != pid]
        self.t.consents = [c for c in self.t.consents if c[0] != pid]
        self.t.invitations = {k: v for k, v in self.t.invitations.items()
                              if v[1].person_id != pid}
        self.t.audit = [{**a, "detail": None} if a["subject_id"] == pid else a
                        for a in self.t.audit]
        return counts


class FakeUnitOfWork:
    """``async with`` works on a copy of the tables; ``commit()`` makes it the tables."""

    people: FakePeople
    schedules: FakeSchedules
    journal: FakeJournal
    flags: FakeFlags
    outbox: FakeOutbox
    audit: FakeAuditLog
    clinic: FakeClinic
    erasures: FakeErasures

    def __init__(self, storage: FakeStorage, *, read_only: bool = False) -> None:
        self._storage = storage
        self._read_only = read_only
        self._tables: Tables | None = None

    async def __aenter__(self) -> FakeUnitOfWork:
        if self._tables is not None:
            raise StorageMisuse("UnitOfWork is not reentrant")
        tables = self._tables = copy.copy(self._storage.tables)
        for f in dataclasses.fields(Tables):  # values are frozen: shallow copies suffice
            value = getattr(tables, f.name)
            if isinstance(value, dict | list):
                setattr(tables, f.name, copy.copy(value))
        self.people = FakePeople(tables)
        self.schedules = FakeSchedules(tables)
        self.journal = FakeJournal(tables)
        self.flags = FakeFlags(tables)
        self.outbox = FakeOutbox(tables)
        self.audit = FakeAuditLog(tables)
        self.clinic = FakeClinic(tables)
        self.erasures = FakeErasures(tables)
        self._storage.opened += 1
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self._tables = None

    async def commit(self) -> None:
        if self._tables is None:
            raise StorageMisuse("UnitOfWork used outside `async with`")
        if self._read_only:
            raise StorageMisuse("a reader's unit of work never writes, so it never commits")
        self._storage.tables = copy.copy(self._tables)
        self._storage.commits += 1

    async def flush(self) -> None:
        pass


class FakeStorage:
    """Stands in for ``storage.uow.Storage``: makes fake units of work over shared tables."""

    cipher = None

    def __init__(self) -> None:
        self.tables = Tables()
        self.opened = 0
        self.commits = 0
        self.pauses = 0  # how often long work let waiting writers go first

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)

    def reader(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self, read_only=True)

    async def breathe(self) -> None:
        self.pauses += 1

    # -- for tests: look at what was kept ------------------------------------------------

    def queued(self, kind: str | None = None) -> list[QueuedMessage]:
        return [row for row in self.tables.outbox.values() if kind is None or row.kind == kind]

    def settle(self, key: str, status: OutboxStatus, telegram_message_id: int | None = None,
               ) -> QueuedMessage:
        """What a delivery worker would record for the row ``key`` (claimed, sent, failed)."""
        row = replace(self.tables.outbox[key], status=status,
                      telegram_message_id=telegram_message_id)
        self.tables.outbox[key] = row
        return row

    def stranger_marks(self) -> list[str]:
        return [k for k in self.tables.marks if k.startswith("stranger:")]


def account_hash(telegram_user_id: int) -> str:
    return hashlib.sha256(f"stranger:{telegram_user_id}".encode()).hexdigest()[:40]



# mypy (which checks this file) proves here that the fake keeps the services' protocol.
_uow: UnitOfWorkProtocol = FakeUnitOfWork(FakeStorage())
_storage: StorageProtocol = FakeStorage()

__all__ = ["FakeStorage", "FakeUnitOfWork", "PersonStatus", "QueuedMessage", "account_hash"]
