"""A therapist's digest as values: what each participant wrote, answered and raised in a
window of time (pure: no I/O, no catalogue).

The digest service gathers the values with a few queries per therapist and renders this
from the message catalogue. A digest is defence in depth, since no screener is perfect:
it lists every journal entry of the window, not only flagged ones, and every message whose
content could not be screened (photos, voice notes, files) so that someone looks at it.
Each participant's part also carries their questionnaire scores against their own baseline
(``bot/domain/trends.py``) and the trend a chart draws. A completed questionnaire is shown
once, as a score line, not again among the entries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.people import Person, PersonStatus
from bot.domain.questionnaires import Instrument
from bot.domain.records import Flag, ScheduledPrompt, TreatmentSession
from bot.domain.safety import FlagStatus
from bot.domain.schedule import PromptStatus
from bot.domain.trends import MoodPoint, ScoreLine, ScorePoint, Trend, score_lines

EXCERPT_CHARS = 160  # an entry's excerpt, cut at a word boundary
FIRST_WINDOW = timedelta(days=1)  # a therapist's very first digest looks back one day
LONGEST_WINDOW = timedelta(days=14)  # after a long gap, no further back than this
SETTLE = timedelta(minutes=1)  # a daily digest ends a minute back: see digest_window()
CHART_SPAN = timedelta(days=42)  # how far back a chart looks: six weeks of treatment

# Messages whose words Ember reads (and screens); everything else is media it cannot read.
WORDS = frozenset({"text", "scale", "choice", "questionnaire"})
# Flags whose source is one journal message (source_id is the message's id): the screener's,
# a share to the partner it refused, a pre-session checklist answer. A checklist left
# unanswered ("checklist_missed", source_id a prompt's) has no entry and stays on its own.
MESSAGE_SOURCES = frozenset({"journal", "scale", "choice", "share", "checklist"})


@dataclass(frozen=True)
class WrittenMessage:
    """One journal message as a digest needs it: who, when, what kind, its words (opened)."""

    id: int
    entry_id: int
    participant_id: int
    kind: str  # text, scale, choice, questionnaire; photo, voice, video, document, …
    text: str | None  # the words, or a media caption
    screened: bool  # its words went through the screener
    written_at: datetime
    edited_at: datetime | None = None
    prompt_id: int | None = None  # the prompt its entry answers, if any

    @property
    def media(self) -> bool:
        """Media Ember keeps as a reference: its content is never screened."""
        return self.kind not in WORDS

    @property
    def unscreened(self) -> bool:
        """Something in this message nobody's software has read: a person must look."""
        return self.media or not self.screened


@dataclass(frozen=True)
class DigestItem:
    """One line of a participant's part of the digest: the words of one entry in the window
    (``messages``, in order), or one media message (a single, unscreened message)."""

    at: datetime
    entry_id: int
    messages: tuple[WrittenMessage, ...]
    flags: tuple[Flag, ...] = ()

    @property
    def media(self) -> WrittenMessage | None:
        first = self.messages[0]
        return first if first.media else None

    @property
    def text(self) -> str:
        return " / ".join(" ".join(m.text.split()) for m in self.messages if m.text)

    @property
    def edited(self) -> bool:
        return any(m.edited_at is not None for m in self.messages)


@dataclass(frozen=True)
class ParticipantDigest:
    """One participant's part: prompts of the window, every entry, open flags, the scores
    answered in the window against baseline, and their trend for the chart."""

    participant: Person
    prompts_sent: int
    prompts_answered: int
    prompts_missed: int
    items: tuple[DigestItem, ...]
    open_flags: tuple[Flag, ...]
    scores: tuple[ScoreLine, ...] = ()
    trend: Trend | None = None
    score_flags: tuple[Flag, ...] = ()  # flags raised by the questionnaires scored

    @property
    def entries(self) -> int:
        return len({item.entry_id for item in self.items})

    @property
    def withdrawn(self) -> bool:
        return self.participant.status == PersonStatus.WITHDRAWN


@dataclass(frozen=True)
class Digest:
    therapist: Person
    since: datetime
    until: datetime
    participants: tuple[ParticipantDigest, ...]
    caseload: int  # participants assigned, listed or not


def digest_window(
    previous: datetime | None, now: datetime, *, settle: bool = True
) -> tuple[datetime, datetime]:
    """The window ``(since, until]`` a digest covers: from where the previous one ended.

    A daily digest ends ``SETTLE`` before it is made, so a message being stored at that
    very moment (its transaction not yet committed) falls in the next digest rather than
    in neither. The first digest looks back a day; after a long gap (Ember down, digests
    turned off), no more than two weeks.
    """
    until = now - SETTLE if settle else now
    if previous is None:
        return until - FIRST_WINDOW, until
    return max(previous, until - LONGEST_WINDOW), until


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The start of ``text`` on one line, at most ``limit`` characters, cut between words."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat.rfind(" ", 0, limit)
    if cut < limit // 2:  # one very long word: cut inside it rather than show nothing
        cut = limit - 1
    return flat[:cut].rstrip(" ,;:-–—") + "…"


def compose(
    therapist: Person,
    caseload: Sequence[Person],
    *,
    since: datetime,
    until: datetime,
    messages: Iterable[WrittenMessage],
    prompts: Iterable[ScheduledPrompt],
    flags: Iterable[Flag],
    mood: Iterable[MoodPoint] = (),
    scores: Iterable[ScorePoint] = (),
    sessions: Mapping[int, Sequence[TreatmentSession]] | None = None,
    instruments: Mapping[str, Instrument] | None = None,
    chart_since: datetime | None = None,
) -> Digest:
    """The digest of ``caseload`` for ``(since, until]`` from what was stored.

    ``messages`` are those written (or edited) in the window, ``prompts`` those sent in it,
    ``flags`` the open ones and any raised since ``chart_since`` (or the window). ``mood``
    and ``scores`` go back to ``chart_since`` at least (scores as far back as the baseline),
    ``sessions`` are each participant's. Withdrawn participants are listed only when they
    wrote or have an open flag (what they write is still read: duty of care).
    """
    chart_from = chart_since or since
    sessions = sessions or {}
    instruments = instruments or {}
    moods: dict[int, list[MoodPoint]] = defaultdict(list)
    for point in sorted(mood, key=lambda p: p.at):
        moods[point.participant_id].append(point)
    scored: dict[int, list[ScorePoint]] = defaultdict(list)
    for result in scores:
        scored[result.participant_id].append(result)
    by_person: dict[int, list[WrittenMessage]] = defaultdict(list)
    for message in sorted(messages, key=lambda m: (m.written_at, m.id)):
        by_person[message.participant_id].append(message)
    sent: dict[int, list[ScheduledPrompt]] = defaultdict(list)
    for prompt in prompts:
        sent[prompt.participant_id].append(prompt)
    flags_of: dict[int, list[Flag]] = defaultdict(list)
    for flag in sorted(flags, key=lambda f: f.id):
        flags_of[flag.participant_id].append(flag)
    parts = []
    for person in caseload:
        mine = by_person.get(person.id, [])
        raised = flags_of.get(person.id, [])
        open_flags = tuple(f for f in raised if f.status == FlagStatus.OPEN)
        lines = score_lines(
            scored.get(person.id, []), sessions.get(person.id, ()), instruments, since=since
        )
        scored_ids = {line.latest.prompt_id for line in lines}
        # a questionnaire with its score line is shown there, once
        items = _items(
            [m for m in mine if not (m.kind == "questionnaire" and m.prompt_id in scored_ids)],
            raised,
        )
        if person.status == PersonStatus.WITHDRAWN and not items and not open_flags:
            continue
        trend = Trend(
            code=person.code,
            since=chart_from,
            until=until,
            mood=tuple(p for p in moods.get(person.id, []) if chart_from < p.at <= until),
            scores=tuple(
                p for p in scored.get(person.id, []) if chart_from < p.at <= until
            ),
            sessions=tuple(
                s for s in sessions.get(person.id, ()) if chart_from < s.starts_at <= until
            ),
            flags=tuple(f for f in raised if chart_from < f.created_at <= until),
        )
        prompts_sent = sent.get(person.id, [])
        parts.append(
            ParticipantDigest(
                participant=person,
                prompts_sent=len(prompts_sent),
                prompts_answered=sum(p.status == PromptStatus.ANSWERED for p in prompts_sent),
                prompts_missed=sum(p.status == PromptStatus.MISSED for p in prompts_sent),
                items=items,
                open_flags=open_flags,
                scores=lines,
                trend=trend,
                score_flags=tuple(
                    f
                    for f in raised
                    if f.source_kind == "questionnaire" and f.source_id in scored_ids
                ),
            )
        )
    return Digest(therapist, since, until, couples_together(parts), len(caseload))


def couples_together(parts: Sequence[ParticipantDigest]) -> tuple[ParticipantDigest, ...]:
    """``parts`` in their order, except that the partners of a couple follow one another,
    where the first of them stood."""
    by_couple: dict[int, list[ParticipantDigest]] = defaultdict(list)
    for part in parts:
        if part.participant.couple_id is not None:
            by_couple[part.participant.couple_id].append(part)
    ordered: list[ParticipantDigest] = []
    placed: set[int] = set()
    for part in parts:
        couple = part.participant.couple_id
        if couple is None:
            ordered.append(part)
        elif couple not in placed:
            placed.add(couple)
            ordered += by_couple[couple]
    return tuple(ordered)


def groups(parts: Sequence[ParticipantDigest]) -> list[tuple[ParticipantDigest, ...]]:
    """Consecutive parts grouped: the partners of a couple together, everyone else alone."""
    out: list[tuple[ParticipantDigest, ...]] = []
    for part in parts:
        couple = part.participant.couple_id
        if out and couple is not None and out[-1][0].participant.couple_id == couple:
            out[-1] = (*out[-1], part)
        else:
            out.append((part,))
    return out


def _items(messages: Sequence[WrittenMessage], flags: Sequence[Flag]) -> tuple[DigestItem, ...]:
    """One item per entry for its words, one per media message; each with its flags."""
    words: dict[int, list[WrittenMessage]] = defaultdict(list)
    items: list[DigestItem] = []
    for message in messages:
        if message.media:
            items.append(DigestItem(message.written_at, message.entry_id, (message,)))
        else:
            words[message.entry_id].append(message)
    for entry_id, parts in words.items():
        items.append(DigestItem(parts[0].written_at, entry_id, tuple(parts)))
    return tuple(
        DigestItem(item.at, item.entry_id, item.messages, _flags_of(item, flags))
        for item in sorted(items, key=lambda i: (i.at, i.messages[0].id))
    )


def _flags_of(item: DigestItem, flags: Sequence[Flag]) -> tuple[Flag, ...]:
    ids = {m.id for m in item.messages}
    prompts = {m.prompt_id for m in item.messages if m.kind == "questionnaire" and m.prompt_id}
    return tuple(
        f
        for f in flags
        if (f.source_kind in MESSAGE_SOURCES and f.source_id in ids)
        or (f.source_kind == "questionnaire" and f.source_id in prompts)
    )
