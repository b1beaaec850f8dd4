"""The therapist's digest on the in-memory unit of work: every entry since the previous
digest, what could not be screened, flag numbers, Telegram-sized pieces, once a day."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.clock import FakeClock
from bot.domain import Role, timefmt
from bot.domain.outgoing import utf16_length
from bot.domain.people import Person
from bot.services.api import Services
from bot.services.inbound import InboundMessage
from prompts.catalogue import Catalogue
from tests.support.builders import PARTICIPANT_ID, THERAPIST_ID, clinic, enroll, sender
from tests.support.fake_uow import FakeStorage

CRISIS = "I have the pills here and I will take them all tonight to end my life."
BERLIN = ZoneInfo("Europe/Berlin")


class Chat:
    """A participant writing, one Telegram message after another."""

    def __init__(self, services: Services, participant: Person, telegram_id: int) -> None:
        self.services, self.participant, self.telegram_id = services, participant, telegram_id
        self.n = 0

    async def send(self, kind: str, text: str | None, media: str | None = None) -> int:
        self.n += 1
        message = InboundMessage(sender(self.telegram_id, 1000 * self.telegram_id + self.n),
                                 self.n, kind, text, media_ref=media)
        return (await self.services.journal.record(self.participant, message)).message_id

    async def text(self, text: str) -> int:
        return await self.send("text", text)


def when(services: Services) -> str:
    return timefmt.when(services.ctx.clock.now(), BERLIN, "en")


def cat(services: Services) -> Catalogue:
    return services.ctx.catalogue


async def digest_of(services: Services, therapist: Person) -> str:
    return "\n".join(m.text for m in await services.digests.digest(therapist))


async def open_flag_ids(services: Services, therapist: Person) -> list[int]:
    return sorted(f.id for f, _ in await services.flags.open(therapist))


class TestEveryEntry:
    async def test_every_entry_is_listed_not_only_the_flagged_one(
        self, services: Services, clock: FakeClock
    ) -> None:
        therapist, participant = await clinic(services)
        alex = Chat(services, participant, PARTICIPANT_ID)
        lines = []
        for text in ("A calm morning by the lake.", CRISIS, "Cooked soup and watched a film."):
            clock.advance(timedelta(hours=1))  # apart: three entries, not one
            await alex.text(text)
            lines.append((when(services), text))
        digest = await digest_of(services, therapist)
        [flag_id] = await open_flag_ids(services, therapist)
        c = cat(services)
        calm, crisis, ate = (c.text("care.digest_entry", "en", when=w, excerpt=t) for w, t in lines)
        mark = c.text("care.digest_flags", "en",
                      flags=c.text("care.digest_flag", "en", id=flag_id, tier="crisis"))
        assert calm + "\n" in digest and ate in digest
        assert crisis + mark in digest  # the flag by the number /flags and /ack use
        assert f"3 new entries; open flags: Flag #{flag_id} (crisis)" in digest

    async def test_a_voice_note_says_it_was_not_screened(
        self, services: Services, clock: FakeClock
    ) -> None:
        therapist, participant = await clinic(services)
        alex = Chat(services, participant, PARTICIPANT_ID)
        await alex.send("voice", None, media="VOI-1")
        at = when(services)
        clock.advance(timedelta(hours=1))
        await alex.send("photo", "the view from the clinic", media="PHO-1")
        photo_at = when(services)
        digest = await digest_of(services, therapist)
        c = cat(services)
        assert c.text("care.digest_media", "en", when=at,
                      what=c.text("care.digest_kind.voice", "en")) in digest
        assert c.text("care.digest_media_caption", "en", when=photo_at,
                      what=c.text("care.digest_kind.photo", "en"),
                      excerpt="the view from the clinic") in digest
        assert "voice note — not screened" in digest

    async def test_an_acknowledged_flag_keeps_its_number_and_says_so(
        self, services: Services, clock: FakeClock
    ) -> None:
        therapist, participant = await clinic(services)
        await Chat(services, participant, PARTICIPANT_ID).text(CRISIS)
        [flag_id] = await open_flag_ids(services, therapist)
        await services.escalation.acknowledge(therapist, flag_id=flag_id)
        digest = await digest_of(services, therapist)
        c = cat(services)
        assert c.text("care.digest_flag_done", "en", id=flag_id, tier="crisis") in digest
        assert "open flags: none" in digest

    async def test_a_long_entry_is_an_excerpt_cut_between_words(
        self, services: Services
    ) -> None:
        therapist, participant = await clinic(services)
        long = "I keep going back to the moment in the session when the music changed " * 8
        await Chat(services, participant, PARTICIPANT_ID).text(long)
        digest = await digest_of(services, therapist)
        [line] = [ln for ln in digest.splitlines() if "the music changed" in ln]
        shown = line.split(": ", 1)[1]
        assert shown.endswith("…") and len(shown) <= 161
        assert long.startswith(shown.removesuffix("…"))

    async def test_a_withdrawn_participant_who_wrote_is_listed_and_marked(
        self, services: Services, clock: FakeClock
    ) -> None:
        therapist, participant = await clinic(services)
        quiet = await enroll(services, Role.PARTICIPANT, "P-0200", 5002, therapist="T-01")
        await services.participation.withdraw(quiet)  # withdrawn and silent: not listed
        await services.participation.withdraw(participant)
        stopped_at = when(services)
        clock.advance(timedelta(hours=2))
        await Chat(services, participant, PARTICIPANT_ID).text("Went to the market with my sister.")
        digest = await digest_of(services, therapist)
        assert "P-0142 (withdrawn)" in digest and "Went to the market with my sister." in digest
        assert cat(services).text("care.digest_withdrawn", "en", date=stopped_at) in digest
        assert "P-0200" not in digest

    async def test_with_only_a_silent_withdrawn_participant_the_digest_says_nothing_is_new(
        self, services: Services
    ) -> None:
        therapist, participant = await clinic(services)
        await services.participation.withdraw(participant)
        digest = await digest_of(services, therapist)
        assert digest.endswith("\n" + cat(services).text("care.digest_nothing_new", "en").strip())
        assert "P-0142" not in digest
        assert cat(services).text("care.digest_none", "en") not in digest


class TestPieces:
    async def test_a_long_digest_splits_within_telegrams_limit_and_loses_no_entry(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        therapist, participant = await clinic(services)
        await services.staffing.set_therapist("T-01", digest_at="08:00")
        alex = Chat(services, participant, PARTICIPANT_ID)
        for n in range(40):
            clock.advance(timedelta(minutes=31))  # each its own entry
            await alex.text(f"entry {n:02d} 🌧🌧🌧 " + "a heavy day, and the rain 🌧 " * 12)
        pieces = [m.text for m in await services.digests.digest(therapist)]
        assert len(pieces) > 1
        assert all(utf16_length(p) <= 4096 for p in pieces)
        c = cat(services)
        for n, piece in enumerate(pieces, 1):
            assert piece.startswith(c.text("care.digest_part", "en", n=n, total=len(pieces)))
        text = "\n".join(pieces)
        assert all(text.count(f"entry {n:02d} ") == 1 for n in range(40))

        clock.advance(timedelta(hours=12))  # the next morning, past 08:00 in Berlin
        assert await services.digests.send_due() == 1
        rows = storage.queued("digest")
        assert len(rows) > 1  # the daily one is split the same way, one outbox row a piece
        assert [r.key for r in rows][:2] == [f"digest:{therapist.id}:2026-01-06",
                                             f"digest:{therapist.id}:2026-01-06:2"]
        assert all(utf16_length(r.message.text) <= 4096 for r in rows)
        assert {r.chat_id for r in rows} == {THERAPIST_ID}


class TestDaily:
    async def test_once_a_day_and_the_next_starts_where_it_ended(
        self, services: Services, storage: FakeStorage, clock: FakeClock
    ) -> None:
        therapist, participant = await clinic(services)
        await services.staffing.set_therapist("T-01", digest_at="08:00")
        alex = Chat(services, participant, PARTICIPANT_ID)
        await alex.text("Before the first digest.")
        clock.advance(timedelta(days=1))  # 10:00 in Berlin, past 08:00
        assert await services.digests.send_due() == 1
        assert await services.digests.send_due() == 0  # once a day
        clock.advance(timedelta(hours=2))
        await alex.text("After the first digest.")
        now = await digest_of(services, therapist)  # on request: since the daily one
        assert "After the first digest." in now and "Before the first digest." not in now
        clock.advance(timedelta(days=1))
        assert await services.digests.send_due() == 1
        first, second = (r.message.text for r in storage.queued("digest"))
        assert "Before the first digest." in first and "After" not in first
        assert "After the first digest." in second and "Before" not in second
        assert [r.key for r in storage.queued("digest")] == [
            f"digest:{therapist.id}:2026-01-06", f"digest:{therapist.id}:2026-01-07"]
