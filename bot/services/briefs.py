"""The pre-integration brief: the evening before each integration session, the therapist
gets what the participant wrote since the previous session, their scores against baseline
and the change, the flags since then and how each was handled (who acknowledged it, how
fast), and the chart.

Due times and keys are in ``bot/domain/brief.py``; the text is rendered with the digest's
own lines (``bot/services/digests.py``). Like the digest it is read and drawn outside any
write transaction and queued in one short one, together with its audit record; the
outbox key (session and start) makes it once per session across restarts and instances.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain import timefmt
from bot.domain.brief import INTEGRATION, HandledFlag, brief_key, previous_session
from bot.domain.digest import CHART_SPAN, ParticipantDigest, compose
from bot.domain.outgoing import Outgoing
from bot.domain.people import Person, PersonStatus
from bot.domain.records import TreatmentSession
from bot.domain.safety import FlagStatus
from bot.domain.trends import DOSING, ScoreLine, score_lines, score_points
from bot.services import digests
from bot.services.context import Bound, ServiceContext
from bot.services.unit_of_work import UnitOfWorkProtocol
from prompts.catalogue import Catalogue
from prompts.questionnaire_loader import instruments

log = logging.getLogger(__name__)

BRIEF_PRIORITY = 2  # ahead of digests, behind replies and prompts


@dataclass(frozen=True)
class Brief:
    """Everything one brief says, gathered in one reader's unit of work."""

    therapist: Person
    participant: Person
    session: TreatmentSession
    since: datetime  # the previous session's start, or when the participant joined
    after_previous: bool  # False: there was no previous session
    part: ParticipantDigest  # entries, prompts and trend since then, as a digest has them
    scores: tuple[ScoreLine, ...]  # the latest score on each instrument against baseline
    flags: tuple[HandledFlag, ...]  # raised since then, with who acknowledged them
    partner: Person | None = None  # the other partner, for a participant in a couple
    shared: TreatmentSession | None = None  # this session, or its dosing, when shared
    dosing: TreatmentSession | None = None  # the latest dosing session before this one


def latest_dosing(
    sessions: list[TreatmentSession], session: TreatmentSession
) -> TreatmentSession | None:
    """The participant's latest dosing session (not cancelled) before ``session``."""
    earlier = [
        s
        for s in sessions
        if s.kind == DOSING and not s.cancelled and s.starts_at < session.starts_at
    ]
    return max(earlier, key=lambda s: (s.starts_at, s.id), default=None)


async def gather(
    uow: UnitOfWorkProtocol,
    therapist: Person,
    participant: Person,
    session: TreatmentSession,
    now: datetime,
) -> Brief:
    """The brief for ``session``: since the participant's previous session (or since they
    joined), with six weeks of trend at least."""
    ids = [participant.id]
    sessions = await uow.schedules.sessions_of(participant.id)
    previous = previous_session(sessions, session)
    since = (
        previous.starts_at
        if previous is not None
        else participant.enrolled_at or participant.created_at
    )
    chart_since = min(since, now - CHART_SPAN)
    flags = await uow.flags.open_or_raised_since(ids, chart_since)
    scored = score_points(await uow.schedules.answered_questionnaires(ids))
    known = instruments()
    digest = compose(
        therapist,
        [participant],
        since=since,
        until=now,
        messages=await uow.journal.written_between(ids, since, now),
        prompts=await uow.schedules.prompts_sent_between(ids, since, now),
        flags=flags,
        mood=await uow.journal.mood_points(ids, chart_since, now),
        scores=scored,
        sessions={participant.id: sessions},
        instruments=known,
        chart_since=chart_since,
    )
    part = digest.participants[0] if digest.participants else ParticipantDigest(
        participant, 0, 0, 0, (), ()
    )
    raised = [f for f in flags if f.created_at > since]
    staff = {
        p.id: p.code
        for p in await uow.people.by_ids(
            sorted({f.acknowledged_by_id for f in raised if f.acknowledged_by_id is not None})
        )
    }
    handled = tuple(
        HandledFlag(f, staff.get(f.acknowledged_by_id) if f.acknowledged_by_id else None)
        for f in raised
    )
    dosing = latest_dosing(sessions, session)
    shared = next(
        (s for s in (session, dosing) if s is not None and s.shared_id is not None), None
    )
    return Brief(
        therapist,
        participant,
        session,
        since,
        previous is not None,
        part,
        score_lines(scored, sessions, known),
        handled,
        partner=await uow.people.partner_of(participant),
        shared=shared,
        dosing=dosing,
    )


def render(cat: Catalogue, brief: Brief) -> tuple[list[str], str]:
    """The brief's blocks of text, and its chart's title, in the therapist's language."""
    therapist, person = brief.therapist, brief.participant
    lang, zone = therapist.lang, ZoneInfo(therapist.timezone)
    header = [
        cat.text(
            "brief.header",
            lang,
            code=person.code,
            when=timefmt.when(brief.session.starts_at, zone, lang),
        ),
        cat.text(
            "brief.since" if brief.after_previous else "brief.since_enrolment",
            lang,
            code=person.code,
            since=timefmt.when(brief.since, zone, lang),
            tz=therapist.timezone,
        ),
    ]
    if brief.partner is not None:
        shared = brief.shared
        header.append(
            cat.text(
                "brief.couple",
                lang,
                partner=brief.partner.code,
                shared=shared.shared_id,
                kind=shared.kind,
                when=timefmt.when(shared.starts_at, zone, lang),
            )
            if shared is not None
            else cat.text("brief.couple_no_shared", lang, partner=brief.partner.code)
        )
    if brief.dosing is not None:
        dosing_day = timefmt.when(brief.dosing.starts_at, zone, lang)
        header.append(
            cat.text("brief.doses", lang, when=dosing_day, doses=brief.dosing.doses)
            if brief.dosing.doses
            else cat.text("brief.no_doses", lang, when=dosing_day)
        )
    part = brief.part
    written = [digests.item_line(cat, lang, zone, item) for item in part.items]
    if not written:
        written = [cat.text("care.digest_nothing_new", lang)]
    summary = digests.participant_lines(cat, lang, zone, part)[:1]
    scores = [cat.text("brief.scores", lang)] + (
        [digests.score_line(cat, lang, zone, line, part.score_flags) for line in brief.scores]
        or [cat.text("brief.no_scores", lang)]
    )
    flags = [cat.text("brief.flags", lang)]
    for handled in brief.flags:
        flag = handled.flag
        values = {
            "id": flag.id,
            "tier": flag.tier.label,
            "categories": flag.categories.replace(",", ", ") or "—",
            "when": timefmt.when(flag.created_at, zone, lang),
        }
        if flag.status == FlagStatus.OPEN:
            flags.append(cat.text("brief.flag_open", lang, **values))
        else:
            minutes = handled.minutes_to_acknowledge
            flags.append(
                cat.text(
                    "brief.flag_done",
                    lang,
                    by=handled.acknowledged_by or "—",
                    minutes="—" if minutes is None else minutes,
                    **values,
                )
            )
    if len(flags) == 1:
        flags.append(cat.text("brief.no_flags", lang))
    blocks = ["\n".join(header + summary), "\n".join(scores), "\n".join(flags), "\n".join(written)]
    trend = part.trend
    title = ""
    if trend is not None:
        title = cat.text(
            "chart.brief_title",
            lang,
            code=person.code,
            since=timefmt.day(trend.since, zone, lang),
            until=timefmt.day(trend.until, zone, lang),
        )
    return blocks, title


async def build(ctx: ServiceContext, brief: Brief) -> list[Outgoing]:
    """The brief as messages: the chart as a photo with the start of the text, then the rest."""
    cat, lang = ctx.catalogue, brief.therapist.lang
    blocks, title = render(cat, brief)
    trend = brief.part.trend
    png = (
        await digests.draw(ctx, lang, ZoneInfo(brief.therapist.timezone), [trend], title)
        if trend is not None and not trend.empty
        else None
    )
    texts = digests.pieces(cat, lang, blocks, caption=png is not None)
    return digests.with_chart(texts, png, "brief.png")


class Briefs(Bound):
    """Pre-integration briefs, the evening before each integration session."""

    async def send_due(self) -> int:
        """Queue every brief that is due; returns how many went to the outbox."""
        now = self.ctx.clock.now()
        async with self.ctx.reader() as uow:
            sessions = await uow.schedules.sessions_starting_between(
                INTEGRATION, now, now + self.ctx.briefs.lookahead
            )
        sent = 0
        for session in sessions:
            try:
                sent += await self._send_one(session, now)
            except Exception:  # one brief must not hold back the others
                log.exception("the brief for session #%d could not be made", session.id)
        if sent:
            self.ctx.wake_delivery()
        return sent

    async def _send_one(self, session: TreatmentSession, now: datetime) -> int:
        key = brief_key(session)
        async with self.ctx.reader() as uow:
            participant = await uow.people.by_id(session.participant_id)
            if (
                participant is None
                or participant.therapist_id is None
                or participant.status in (PersonStatus.WITHDRAWN, PersonStatus.ERASED)
            ):
                return 0
            therapist = await uow.people.by_id(participant.therapist_id)
            if therapist is None or therapist.chat_id is None:
                return 0
            if now < self.ctx.briefs.due_at(session.starts_at, therapist.timezone):
                return 0
            if await uow.outbox.exists(key):
                return 0
            brief = await gather(uow, therapist, participant, session, now)
        messages = await build(self.ctx, brief)
        async with self.ctx.uow() as uow:
            current = await uow.schedules.session_by_id(session.id)
            if current is None or current.cancelled or current.starts_at != session.starts_at:
                return 0  # moved or cancelled meanwhile: the next run decides again
            for n, message in enumerate(messages):
                added = await uow.outbox.enqueue(
                    key=key if n == 0 else f"{key}:{n + 1}",
                    chat_id=therapist.chat_id,
                    message=message,
                    kind="brief",
                    now=now,
                    person_id=therapist.id,
                    priority=BRIEF_PRIORITY,
                    topic=f"brief:{session.id}",
                )
                if not added:
                    return 0  # another instance queued it just now
            await uow.audit.record(
                at=now,
                actor=therapist.code,
                actor_id=therapist.id,
                action="brief",
                subject_id=participant.id,
                detail=f"session={session.id} entries={brief.part.entries}",
            )
            await uow.commit()
        return 1
