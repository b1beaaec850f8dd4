"""Digests: each therapist's account of everything since their previous digest, and the
daily sending of it.

No screener is perfect, so the digest is the loop's second layer: it lists every journal
entry of the therapist's participants since the previous daily digest (not only flagged
ones), says which messages could not be screened (voice notes, photos, files), and gives
each flag its number. It is gathered with the same few queries whatever the caseload,
composed in ``bot/domain/digest.py``, rendered here from the catalogue and split at
Telegram's limit. The daily digest goes out once a day per therapist (its outbox key says
so, across restarts and instances); the mark ``digest:<therapist id>`` remembers where it
ended, so the next one starts there.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.digest import (
    Digest,
    DigestItem,
    ParticipantDigest,
    compose,
    digest_window,
    excerpt,
)
from bot.domain.outgoing import TELEGRAM_TEXT_LIMIT, Outgoing, split_text
from bot.domain.people import Person, PersonStatus, Role
from bot.domain.records import Flag
from bot.domain.safety import FlagStatus
from bot.services.access import current_staff
from bot.services.context import Bound
from bot.services.unit_of_work import UnitOfWorkProtocol
from prompts.catalogue import Catalogue

log = logging.getLogger(__name__)

DIGEST_PRIORITY = 1
PART_ROOM = 80  # UTF-16 units kept free in each piece for its "part n of m" line
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
    """The therapist's digest of ``(since, until]``: four queries, whatever the caseload."""
    caseload = [
        p
        for p in await uow.people.participants_of(therapist.id)
        if p.status != PersonStatus.ERASED  # nothing of theirs is left to summarise
    ]
    ids = [p.id for p in caseload]
    return compose(
        therapist,
        caseload,
        since=since,
        until=until,
        messages=await uow.journal.written_between(ids, since, until),
        prompts=await uow.schedules.prompts_sent_between(ids, since, until),
        flags=await uow.flags.open_or_raised_since(ids, since),
    )


async def digest_pieces(
    uow: UnitOfWorkProtocol,
    *,
    now: datetime,
    catalogue: Catalogue,
    therapist: Person,
    since: datetime,
    until: datetime,
) -> list[str]:
    """The digest as messages Telegram accepts; reading the excerpts is audited."""
    digest = await gather(uow, therapist, since, until)
    await uow.audit.record(
        at=now,
        actor=therapist.code,
        actor_id=therapist.id,
        action="digest",
        detail=f"participants={len(digest.participants)} "
        f"entries={sum(p.entries for p in digest.participants)}",
    )
    return pieces(catalogue, therapist.lang, render(catalogue, digest))


def render(cat: Catalogue, digest: Digest) -> str:
    """The digest's text in the therapist's language, times in their zone."""
    therapist, lang = digest.therapist, digest.therapist.lang
    zone = ZoneInfo(therapist.timezone)
    if not digest.caseload:
        return cat.text("care.digest_none", lang)
    header = [
        cat.text(
            "care.digest_header",
            lang,
            name=therapist.display_name or therapist.code,
            date=digest.until.astimezone(zone).strftime("%A %Y-%m-%d"),
        ),
        cat.text(
            "care.digest_since",
            lang,
            since=_when(digest.since, zone),
            tz=therapist.timezone,
        ),
    ]
    if not digest.participants:  # only withdrawn participants, who wrote nothing
        header.append(cat.text("care.digest_nothing_new", lang).strip())
    blocks = ["\n".join(header)]
    blocks += ["\n".join(_participant(cat, lang, zone, part)) for part in digest.participants]
    return "\n\n".join(blocks)


def _participant(cat: Catalogue, lang: str, zone: ZoneInfo, part: ParticipantDigest) -> list[str]:
    person = part.participant
    flags = ", ".join(f"#{f.id} {f.tier.label}" for f in part.open_flags)
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
            cat.text("care.digest_withdrawn", lang, date=_when(since, zone) if since else "—")
        )
    if not part.items:
        lines.append(cat.text("care.digest_nothing_new", lang))
    lines += [_item(cat, lang, zone, item) for item in part.items]
    return lines


def _item(cat: Catalogue, lang: str, zone: ZoneInfo, item: DigestItem) -> str:
    when = _when(item.at, zone)
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


def _when(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def pieces(cat: Catalogue, lang: str, text: str) -> list[str]:
    """``text`` in messages within Telegram's limit, cut between participants or lines; when
    there are several, each starts with "part n of m"."""
    parts = split_text(text, TELEGRAM_TEXT_LIMIT - PART_ROOM)
    if len(parts) == 1:
        return parts
    return [
        cat.text("care.digest_part", lang, n=n, total=len(parts)) + "\n" + part
        for n, part in enumerate(parts, 1)
    ]


class Digests(Bound):
    """Therapists' digests: now, on request, and daily at their chosen time."""

    async def digest(self, therapist: Person) -> list[str]:
        """Everything since the previous daily digest, now (the next daily digest still
        covers it); reading the excerpts is audited."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            therapist = await current_staff(uow, therapist, Role.THERAPIST)
            since, until = digest_window(
                await uow.clinic.mark(mark_key(therapist)), now, settle=False
            )
            texts = await digest_pieces(
                uow,
                now=now,
                catalogue=self.ctx.catalogue,
                therapist=therapist,
                since=since,
                until=until,
            )
            await uow.commit()
        return texts

    async def send_due(self) -> int:
        """Daily digests at each therapist's local time; returns how many went to the outbox.

        Once a day per therapist: the first piece's outbox key is the therapist's local date,
        and the digest, the mark of where it ended and its pieces are kept in one
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
        async with self.ctx.uow() as uow:
            if await uow.outbox.exists(key):
                return 0
            since, until = digest_window(await uow.clinic.mark(mark_key(therapist)), now)
            texts = await digest_pieces(
                uow,
                now=now,
                catalogue=self.ctx.catalogue,
                therapist=therapist,
                since=since,
                until=until,
            )
            for n, text in enumerate(texts):
                added = await uow.outbox.enqueue(
                    key=key if n == 0 else f"{key}:{n + 1}",
                    chat_id=chat_id,
                    message=Outgoing(text),
                    kind="digest",
                    now=now,
                    person_id=therapist.id,
                    priority=DIGEST_PRIORITY,
                )
                if not added:
                    return 0  # another instance sent today's just now: keep nothing of ours
            await uow.clinic.touch(mark_key(therapist), until)
            await uow.commit()
        return 1
