"""Digests: each therapist's account of everything since their previous digest, with a
trend chart, and the daily sending of it.

No screener is perfect, so the digest is the loop's second layer: it lists every journal
entry of the therapist's participants since the previous daily digest (not only flagged
ones), says which messages could not be screened (voice notes, photos, files), gives each
flag its number, and shows questionnaire scores against each participant's own baseline
with their clinical bands. It is gathered with the same seven queries whatever the
caseload, composed in ``bot/domain/digest.py``, rendered here from the catalogue, and
drawn as one chart (``bot/domain/chart.py``) sent as a photo whose caption is the start
of the text; the rest follows in messages, split between participants, then between lines.

The daily digest goes out once a day per therapist (its outbox key says so, across
restarts and instances); the mark ``digest:<therapist id>`` remembers where it ended, so
the next one starts there. It is read and drawn outside any write transaction (SQLite has
one write lock for the whole file, and a crisis reply must not wait behind 200 charts);
only the queueing is written, in one short transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain import chart, timefmt
from bot.domain.digest import (
    CHART_SPAN,
    Digest,
    DigestItem,
    ParticipantDigest,
    compose,
    digest_window,
    excerpt,
    groups,
)
from bot.domain.outgoing import Outgoing, pack, photo
from bot.domain.people import Person, PersonStatus, Role
from bot.domain.records import Flag
from bot.domain.safety import FlagStatus
from bot.domain.trends import ScoreLine, ScorePoint, Trend, score_points
from bot.services.access import current_staff
from bot.services.context import Bound, ServiceContext
from bot.services.unit_of_work import UnitOfWorkProtocol
from prompts.catalogue import Catalogue
from prompts.questionnaire_loader import instruments

log = logging.getLogger(__name__)

DIGEST_PRIORITY = 1
TEXT_LIMIT = 4096  # UTF-16 units in a message
CAPTION_LIMIT = 1024  # UTF-16 units in a photo's caption
PART_ROOM = 40  # UTF-16 units kept free in each piece for its "part n of m" line
MAX_PANELS = 6  # participants drawn in one chart (Telegram refuses very tall photos)
MEDIA_WORDS = ("photo", "voice", "video", "video_note", "audio", "document", "sticker")


def mark_key(therapist: Person) -> str:
    """The mark that remembers where the therapist's previous daily digest ended."""
    return f"digest:{therapist.id}"


def due_key(therapist: Person, now: datetime) -> str | None:
    """The outbox key of today's digest once the therapist's digest time has come."""
    if therapist.digest_at is None:
        return None
    local = now.astimezone(ZoneInfo(therapist.timezone))
    if local.strftime("%H:%M") < therapist.digest_at:
        return None
    return f"digest:{therapist.id}:{local:%Y-%m-%d}"


async def gather(
    uow: UnitOfWorkProtocol, therapist: Person, since: datetime, until: datetime
) -> Digest:
    """The therapist's digest of ``(since, until]`` with six weeks of trend: seven queries,
    whatever the caseload (one per 500 participants beyond that)."""
    caseload = [
        p
        for p in await uow.people.participants_of(therapist.id)
        if p.status != PersonStatus.ERASED  # nothing of theirs is left to summarise
    ]
    ids = [p.id for p in caseload]
    chart_since = min(since, until - CHART_SPAN)
    return compose(
        therapist,
        caseload,
        since=since,
        until=until,
        messages=await uow.journal.written_between(ids, since, until),
        prompts=await uow.schedules.prompts_sent_between(ids, since, until),
        flags=await uow.flags.open_or_raised_since(ids, chart_since),
        mood=await uow.journal.mood_points(ids, chart_since, until),
        scores=score_points(await uow.schedules.answered_questionnaires(ids)),
        sessions=await uow.schedules.sessions_of_many(ids),
        instruments=instruments(),
        chart_since=chart_since,
    )


@dataclass(frozen=True)
class Rendered:
    """A summary ready to queue: its blocks of text and the trends its chart draws."""

    blocks: tuple[str, ...]
    trends: tuple[Trend, ...]
    chart_title: str


def render(cat: Catalogue, digest: Digest) -> Rendered:
    """The digest in the therapist's language, times in their zone; the chart shows up to
    ``MAX_PANELS`` participants with answers, those with open flags first."""
    therapist, lang = digest.therapist, digest.therapist.lang
    zone = ZoneInfo(therapist.timezone)
    if not digest.caseload:
        return Rendered((cat.text("care.digest_none", lang),), (), "")
    header = [
        cat.text(
            "care.digest_header",
            lang,
            name=therapist.display_name or therapist.code,
            date=timefmt.long_day(digest.until, zone, lang),
        ),
        cat.text(
            "care.digest_since",
            lang,
            since=timefmt.when(digest.since, zone, lang),
            tz=therapist.timezone,
        ),
    ]
    trends = charted(digest.participants)
    if trends:
        codes = ", ".join(t.code for t in trends)
        drawable = sum(1 for p in digest.participants if p.trend and not p.trend.empty)
        header.append(
            cat.text("care.digest_chart", lang, codes=codes)
            if len(trends) == drawable
            else cat.text(
                "care.digest_chart_some", lang, codes=codes, shown=len(trends), total=drawable
            )
        )
    if not digest.participants:  # only withdrawn participants, who wrote nothing
        header.append(cat.text("care.digest_nothing_new", lang).strip())
    blocks = ["\n".join(header)]
    for group in groups(digest.participants):
        lines = []
        couple = group[0].participant.couple_id
        if couple is not None and len(group) > 1:  # partners side by side under one heading
            lines.append(cat.text("care.digest_couple", lang, id=couple))
        for part in group:
            lines += participant_lines(cat, lang, zone, part)
        blocks.append("\n".join(lines))
    title = ""
    if trends:
        title = cat.text(
            "chart.digest_title",
            lang,
            since=timefmt.day(trends[0].since, zone, lang),
            until=timefmt.day(digest.until, zone, lang),
        )
    return Rendered(tuple(blocks), trends, title)


def charted(parts: Sequence[ParticipantDigest]) -> tuple[Trend, ...]:
    """The trends a digest's chart draws: participants with answers to draw, those with
    open flags first, then those who answered most; at most ``MAX_PANELS``. The partners of
    a couple are drawn together, side by side, or neither when there is no room for both."""
    chosen: list[tuple[ParticipantDigest, ...]] = []
    for group in groups(parts):
        drawable = tuple(p for p in group if p.trend is not None and not p.trend.empty)
        if drawable:
            chosen.append(drawable)
    chosen.sort(
        key=lambda g: (
            -max(len(p.open_flags) for p in g),
            -max(len(p.trend.mood) + len(p.trend.scores) if p.trend else 0 for p in g),
        )
    )
    trends: list[Trend] = []
    for group in chosen:
        if len(trends) + len(group) > MAX_PANELS:
            continue
        trends += [p.trend for p in group if p.trend is not None]
    return tuple(trends)


def participant_lines(
    cat: Catalogue, lang: str, zone: ZoneInfo, part: ParticipantDigest
) -> list[str]:
    person = part.participant
    flags = ", ".join(
        cat.text("care.digest_open_flag", lang, id=f.id, tier=f.tier.label) for f in part.open_flags
    )
    lines = [
        cat.text(
            "care.digest_participant",
            lang,
            code=person.code,
            status=person.status,
            sent=part.prompts_sent,
            answered=part.prompts_answered,
            missed=part.prompts_missed,
            entries=part.entries,
            flags=flags or cat.text("care.digest_no_flags", lang),
        )
    ]
    if part.withdrawn:
        since = person.withdrawn_at
        lines.append(
            cat.text(
                "care.digest_withdrawn",
                lang,
                date=timefmt.when(since, zone, lang) if since else "—",
            )
        )
    lines += [score_line(cat, lang, zone, line, part.score_flags) for line in part.scores]
    if not part.items and not part.scores:
        lines.append(cat.text("care.digest_nothing_new", lang))
    lines += [item_line(cat, lang, zone, item) for item in part.items]
    return lines


def _score(point: ScorePoint) -> str:
    return f"{point.total}" + (f", {point.percentage}%" if point.percentage is not None else "")


def score_line(
    cat: Catalogue, lang: str, zone: ZoneInfo, line: ScoreLine, flags: Sequence[Flag] = ()
) -> str:
    """"PHQ-9: 9 (Mild); baseline 17 (Moderately severe) on …; change -8, better"."""
    latest, name = line.latest, line.instrument.short_name
    if line.baseline is None or line.change is None:
        text = cat.text(
            "care.digest_score_first", lang, instrument=name, score=_score(latest), band=latest.band
        )
    else:
        change = line.change
        unit = "%" if change.scale == "percentage" else ""
        text = cat.text(
            "care.digest_score_change",
            lang,
            instrument=name,
            score=_score(latest),
            band=latest.band,
            baseline=_score(line.baseline),
            baseline_band=line.baseline.band,
            date=timefmt.day(line.baseline.at, zone, lang),
            delta=f"{change.delta:+d}{unit}",
            direction=cat.text(f"care.digest_score_direction.{change.direction}", lang),
        )
        if change.clinically_meaningful:
            text += cat.text("care.digest_score_meaningful", lang)
    mine = [f for f in flags if f.source_id == latest.prompt_id]
    if mine:
        text += cat.text(
            "care.digest_flags", lang, flags=", ".join(_flag(cat, lang, f) for f in mine)
        )
    return text


def item_line(cat: Catalogue, lang: str, zone: ZoneInfo, item: DigestItem) -> str:
    when = timefmt.when(item.at, zone, lang)
    media = item.media
    if media is not None:
        kind = media.kind if media.kind in MEDIA_WORDS else "other"
        what = cat.text(f"care.digest_kind.{kind}", lang)
        if media.text:
            line = cat.text(
                "care.digest_media_caption", lang, when=when, what=what, excerpt=excerpt(media.text)
            )
        else:
            line = cat.text("care.digest_media", lang, when=when, what=what)
    elif all(m.kind == "scale" for m in item.messages) and item.text.strip().isdigit():
        line = cat.text("care.digest_mood", lang, when=when, value=item.text.strip())
    else:
        line = cat.text("care.digest_entry", lang, when=when, excerpt=excerpt(item.text))
        if len(item.messages) > 1:
            line += cat.text("care.digest_messages", lang, n=len(item.messages))
        if item.edited:
            line += cat.text("staff.journal_edited", lang)
        if any(m.unscreened for m in item.messages):
            line += cat.text("care.digest_unscreened", lang)
    if item.flags:
        line += cat.text(
            "care.digest_flags", lang, flags=", ".join(_flag(cat, lang, f) for f in item.flags)
        )
    return line


def _flag(cat: Catalogue, lang: str, flag: Flag) -> str:
    key = "care.digest_flag" if flag.status == FlagStatus.OPEN else "care.digest_flag_done"
    return cat.text(key, lang, id=flag.id, tier=flag.tier.label)


def pieces(cat: Catalogue, lang: str, blocks: Sequence[str], *, caption: bool) -> list[str]:
    """``blocks`` as texts Telegram accepts: the first within a photo's caption when
    ``caption``, the others within a message; "part n of m" on each when there are several."""
    first = (CAPTION_LIMIT if caption else TEXT_LIMIT) - PART_ROOM
    texts = pack(blocks, first, TEXT_LIMIT - PART_ROOM)
    if len(texts) == 1:
        return texts
    return [
        cat.text("care.digest_part", lang, n=n, total=len(texts)) + "\n" + text
        for n, text in enumerate(texts, 1)
    ]


def labels(cat: Catalogue, lang: str, title: str) -> chart.ChartLabels:
    return chart.ChartLabels(
        title=title,
        mood=cat.text("chart.mood", lang),
        mood_line=cat.text("chart.mood_line", lang),
        scores=cat.text("chart.scores", lang),
        session=cat.text("chart.session", lang),
        flag=cat.text("chart.flag", lang),
        no_data=cat.text("chart.no_data", lang),
    )


async def draw(
    ctx: ServiceContext,
    lang: str,
    zone: ZoneInfo,
    trends: Sequence[Trend],
    title: str,
) -> bytes | None:
    """The chart of ``trends`` as PNG bytes (None when there is nothing to draw), drawn
    away from the event loop (``bot/services/drawing.py``), so a crisis reply never waits
    for it."""
    if not trends:
        return None
    cat = ctx.catalogue
    return await ctx.drawer.draw(
        trends, instruments(), zone=zone, lang=lang, labels=labels(cat, lang, title)
    )


def with_chart(texts: Sequence[str], png: bytes | None, name: str) -> list[Outgoing]:
    """The messages to queue: the chart as a photo captioned with the first text (which
    ``pieces`` kept within a caption), then the other texts."""
    out = [Outgoing(t) for t in texts]
    if png is not None and out:
        out[0] = Outgoing(texts[0], meta={"photo": photo(png, name)})
    return out


async def build(ctx: ServiceContext, digest: Digest) -> list[Outgoing]:
    """The digest as messages: a chart photo with the start of the text, then the rest."""
    cat, lang = ctx.catalogue, digest.therapist.lang
    rendered = render(cat, digest)
    png = await draw(
        ctx, lang, ZoneInfo(digest.therapist.timezone), rendered.trends, rendered.chart_title
    )
    texts = pieces(cat, lang, rendered.blocks, caption=png is not None)
    return with_chart(texts, png, "digest.png")


async def audit_digest(uow: UnitOfWorkProtocol, now: datetime, digest: Digest) -> None:
    """Reading the excerpts is a staff read of journals: audited, with counts only."""
    await uow.audit.record(
        at=now,
        actor=digest.therapist.code,
        actor_id=digest.therapist.id,
        action="digest",
        detail=f"participants={len(digest.participants)} "
        f"entries={sum(p.entries for p in digest.participants)}",
    )


class Digests(Bound):
    """Therapists' digests: now, on request, and daily at their chosen time."""

    async def digest(self, therapist: Person) -> list[Outgoing]:
        """Everything since the previous daily digest, now, with its chart (the next daily
        digest still covers it); reading the excerpts is audited."""
        now = self.ctx.clock.now()
        async with self.ctx.reader() as uow:
            therapist = await current_staff(uow, therapist, Role.THERAPIST)
            since, until = digest_window(
                await uow.clinic.mark(mark_key(therapist)), now, settle=False
            )
            digest = await gather(uow, therapist, since, until)
        messages = await build(self.ctx, digest)
        async with self.ctx.uow() as uow:
            await audit_digest(uow, now, digest)
            await uow.commit()
        return messages

    async def send_due(self) -> int:
        """Daily digests at each therapist's local time; returns how many went to the outbox.

        Once a day per therapist: the first piece's outbox key is the therapist's local date,
        and the pieces, the audit and the mark of where it ended are written in one short
        transaction, so a restart, a second tick or a second instance adds nothing.
        """
        now = self.ctx.clock.now()
        sent = 0
        async with self.ctx.reader() as uow:
            therapists = [
                t for t in await uow.people.with_role(Role.THERAPIST, reachable=True) if t.digest_at
            ]
        for therapist in therapists:
            key = due_key(therapist, now)
            if key is None or therapist.chat_id is None:
                continue
            try:
                sent += await self._send_one(therapist, therapist.chat_id, key, now)
            except Exception:  # one therapist's digest must not hold back the others'
                log.exception("the digest of therapist #%d could not be made", therapist.id)
        if sent:
            self.ctx.wake_delivery()
        return sent

    async def _send_one(self, therapist: Person, chat_id: int, key: str, now: datetime) -> int:
        async with self.ctx.reader() as uow:  # read and draw holding no write lock
            if await uow.outbox.exists(key):
                return 0
            previous = await uow.clinic.mark(mark_key(therapist))
            since, until = digest_window(previous, now)
            digest = await gather(uow, therapist, since, until)
        messages = await build(self.ctx, digest)
        async with self.ctx.uow() as uow:
            if await uow.clinic.mark(mark_key(therapist)) != previous:
                return 0  # another instance sent it meanwhile
            for n, message in enumerate(messages):
                added = await uow.outbox.enqueue(
                    key=key if n == 0 else f"{key}:{n + 1}",
                    chat_id=chat_id,
                    message=message,
                    kind="digest",
                    now=now,
                    person_id=therapist.id,
                    priority=DIGEST_PRIORITY,
                )
                if not added:
                    return 0  # another instance sent today's just now: keep nothing of ours
            await audit_digest(uow, now, digest)
            await uow.clinic.touch(mark_key(therapist), until)
            await uow.commit()
        return 1
