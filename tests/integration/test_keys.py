"""Key rotation on real SQLite files and PostgreSQL: every sealed value re-sealed under the
newest key, resumably and idempotently, while Ember writes; `ember keys` as a user runs it;
a value no key opens never blocks the outbox or the inbox."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import String, Text, select, text, update
from sqlalchemy.exc import StatementError

from bot.clock import FakeClock
from bot.domain import Tier
from bot.domain.outgoing import Outgoing
from bot.domain.records import Flag, FlagDetails, ScheduledPrompt
from bot.errors import StorageMisuse
from bot.services import enrollment, exports
from storage import key_rotation
from storage.crypto import Cipher, fingerprint, generate_key
from storage.db import create_engine, session_factory
from storage.inbox import UNREADABLE as INBOX_UNREADABLE
from storage.migrate import upgrade
from storage.models import Base, Note, OutboxMessage, Role
from storage.outbox import MALFORMED, UNREADABLE
from storage.queues import queue_status, requeue_parked
from storage.sealed import sealed_tables
from storage.types import SealedText
from storage.uow import Storage

SECRET = "the night of the accident comes back when I close my eyes"
EDITED = "I wrote it again, more calmly"
NOTE = "discussed the river dream"
EVIDENCE = "an excerpt that must stay private"
ONEOFF = "What helped you this week?"
PAYLOAD = "a reply queued for the participant"
UPDATE = '{"update_id": 900, "message": {"text": "stored before processing"}}'
TOKEN = re.compile(r"^gAAAAA[A-Za-z0-9_=-]+$")


def two_keys() -> tuple[bytes, bytes]:
    return generate_key().encode(), generate_key().encode()


def with_keys(storage: Storage, *keys: bytes) -> Storage:
    """The same database, opened as Ember would be with EMBER_ENCRYPTION_KEY=keys."""
    return Storage(storage.sessions, Cipher(list(keys)))


async def fill(storage: Storage, clock: FakeClock, *, messages: int = 1) -> int:
    """One of everything Ember seals, written through its repositories; the participant's id."""
    now = clock.now()
    async with storage.uow() as uow:
        await enrollment.invite(
            uow, now=now, role=Role.THERAPIST, code="T-01", timezone="UTC", name="Dr. A"
        )
        inv = await enrollment.invite(
            uow,
            now=now,
            role=Role.PARTICIPANT,
            code="P-0142",
            timezone="UTC",
            therapist_code="T-01",
        )
        person = await enrollment.redeem(
            uow, now=now, raw_code=inv.raw_code, telegram_user_id=5001, chat_id=5001
        )
        therapist = await uow.people.by_code("T-01")
        assert therapist is not None
        pid = person.id
        for n in range(messages):
            await uow.journal.add_message(
                participant_id=pid,
                prompt_id=None,
                telegram_message_id=10 + n,
                update_id=n,
                kind="photo",
                text=f"{SECRET} #{n}",
                media_ref=f"file-{n}",
                screened=True,
                now=now,
            )
        await uow.journal.edit_message(
            participant_id=pid, telegram_message_id=10, text=EDITED, now=now
        )
        await uow.clinic.add_note(participant_id=pid, author_id=therapist.id, text=NOTE, now=now)
        await uow.flags.add_flag(
            Flag(0, pid, "journal", 1, Tier.HIGH, "hopelessness", now),
            FlagDetails(excerpt=EVIDENCE),
        )
        await uow.schedules.add_prompt(
            ScheduledPrompt(
                0, pid, "oneoff:1", "text", now, now + timedelta(days=1), now, text=ONEOFF
            )
        )
        await uow.outbox.enqueue(
            key="reply:1", chat_id=5001, message=Outgoing(PAYLOAD), kind="reply", now=now
        )
        await uow.inbox.store(update_id=900, payload=UPDATE, now=now)
        await uow.commit()
    return pid


async def tokens(storage: Storage) -> dict[tuple[str, str], list[str]]:
    """Every value in every text column of every table that is a sealed token, by column."""
    found: dict[tuple[str, str], list[str]] = {}
    async with storage.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, String | Text | SealedText):
                    continue
                values = (await session.execute(select(column))).scalars().all()
                sealed = [v for v in values if isinstance(v, str) and TOKEN.match(v)]
                if sealed:
                    found[(table.name, column.name)] = sealed
    return found


def sealed_columns() -> set[tuple[str, str]]:
    return {(t.name, c.name) for t in sealed_tables() for c in t.columns}


class TestSealedColumns:
    def test_every_enc_column_is_sealed_text_and_every_sealed_column_is_named_so(self) -> None:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                named = column.name.endswith("_enc")
                assert named == isinstance(column.type, SealedText), (table.name, column.name)

    def test_the_sealed_columns_are_found_in_the_models(self) -> None:
        assert sealed_columns() == {
            ("journal_messages", "body_enc"),
            ("journal_messages", "media_enc"),
            ("journal_message_versions", "body_enc"),
            ("flags", "evidence_enc"),
            ("notes", "body_enc"),
            ("outbox", "payload_enc"),
            ("inbound_updates", "payload_enc"),
            ("scheduled_prompts", "text_enc"),
        }

    async def test_no_sealed_value_is_stored_outside_the_columns_rotation_covers(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        """Fails when a new column holds sealed text without being a SealedText column
        (rotation would miss it), and when `fill` no longer writes every sealed column."""
        await fill(storage, clock)
        assert set(await tokens(storage)) == sealed_columns()

    async def test_plain_text_is_refused_by_a_sealed_column(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        pid = await fill(storage, clock)
        async with storage.sessions() as session:
            session.add(
                Note(participant_id=pid, author_id=pid, body_enc=NOTE, created_at=clock.now())
            )
            with pytest.raises(StatementError) as refused:
                await session.flush()
        assert isinstance(refused.value.orig, StorageMisuse)


class TestRotation:
    async def test_after_rotating_the_old_key_can_go_and_everything_still_reads(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        a, b = two_keys()
        old = with_keys(storage, a)
        pid = await fill(old, clock, messages=3)
        before = await key_rotation.check(old.sessions, old.cipher)
        assert before.by_key == [12] and before.unreadable == 0  # 2 a message, 6 elsewhere

        both = with_keys(storage, b, a)
        report = await key_rotation.rotate(both.sessions, both.cipher, batch=2)
        assert report.rotated == 12 and report.unreadable == 0 and report.changed == 0
        assert [t.total for t in report.tables if t.table == "journal_messages"] == [3]
        after = await key_rotation.check(both.sessions, both.cipher)
        assert after.by_key == [12, 0]
        assert after.fingerprints == (fingerprint(b), fingerprint(a))

        new = with_keys(storage, b)  # A removed
        assert (await key_rotation.check(new.sessions, new.cipher)).unreadable == 0
        async with new.uow() as uow:
            participant = await uow.people.by_id(pid)
            assert participant is not None
            entries = await uow.journal.recent_entries(pid, 5)
            assert EDITED in entries[0].text and f"{SECRET} #1" in entries[0].text
            data = await exports.export_data(uow, participant)
            assert {m["text"] for m in data["journal"]} == {  # type: ignore[attr-defined]
                EDITED,
                f"{SECRET} #1",
                f"{SECRET} #2",
            }
            flag = (await uow.flags.open_flags([pid]))[0][0]
            assert (await uow.flags.details(flag.id)).excerpt == EVIDENCE
            assert [p.text for p in await uow.schedules.prompts_of(pid)] == [ONEOFF]
            claimed = await uow.outbox.claim(worker="w", now=clock.now(), limit=5)
            assert [c.message.text for c in claimed] == [PAYLOAD]
            assert [u.payload for u in await uow.inbox.pending()] == [UPDATE]
        for (table, column), values in (await tokens(storage)).items():
            for value in values:  # the earlier version and the media reference too
                assert new.cipher.key_index(value) == 0, (table, column)
                new.cipher.open(value)

    async def test_an_interrupted_rotation_goes_on_where_it_stopped_and_a_rerun_does_nothing(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        a, b = two_keys()
        await fill(with_keys(storage, a), clock, messages=9)
        total = 9 * 2 + 6
        both = with_keys(storage, b, a)

        class Interrupted(Exception):
            pass

        def stop_after_first_batch(walk: key_rotation.TableWalk) -> None:
            if walk.table == "journal_messages":
                raise Interrupted

        with pytest.raises(Interrupted):
            await key_rotation.rotate(
                both.sessions, both.cipher, batch=4, progress=stop_after_first_batch
            )
        halfway = await key_rotation.check(both.sessions, both.cipher)
        done_before = halfway.by_key[0]
        journal = next(t for t in halfway.tables if t.table == "journal_messages")
        assert journal.by_key == [8, 10]  # the first batch of four rows, two values each
        assert 0 < done_before < total and sum(halfway.by_key) == total

        rerun = await key_rotation.rotate(both.sessions, both.cipher, batch=4)
        assert rerun.rotated == total - done_before
        assert rerun.by_key[0] == total
        again = await key_rotation.rotate(both.sessions, both.cipher, batch=4)
        assert again.rotated == 0 and again.by_key[0] == total

    async def test_values_no_key_opens_are_reported_by_place_and_left_alone(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        a, b = two_keys()
        pid = await fill(with_keys(storage, a), clock)
        lost = with_keys(storage, generate_key().encode())  # a key nobody has any more
        async with lost.uow() as uow:
            await uow.clinic.add_note(
                participant_id=pid, author_id=pid, text="lost", now=clock.now()
            )
            await uow.outbox.enqueue(
                key="lost:1",
                chat_id=5001,
                message=Outgoing("lost"),
                kind="prompt",
                now=clock.now(),
            )
            await uow.commit()
        async with storage.sessions() as session:
            damaged = (await session.scalars(select(Note.body_enc).order_by(Note.id))).first()
            assert damaged is not None
            await session.execute(  # one character of the first note's signature changed
                text("UPDATE notes SET body_enc = :v WHERE id = 1"),
                {"v": damaged[:-5] + ("A" if damaged[-5] != "A" else "B") + damaged[-4:]},
            )
            await session.commit()
            before = {(r.id, r.body_enc) for r in (await session.execute(select(Note))).scalars()}

        both = with_keys(storage, b, a)
        report = await key_rotation.rotate(both.sessions, both.cipher)
        assert report.unreadable == 3
        assert {(u.table, u.column, u.row_id) for u in report.shown} == {
            ("notes", "body_enc", 1),
            ("notes", "body_enc", 2),
            ("outbox", "payload_enc", 2),
        }
        assert report.rotated == 8 + 2 - 3  # everything else
        async with storage.sessions() as session:
            after = {(r.id, r.body_enc) for r in (await session.execute(select(Note))).scalars()}
        assert after == before
        assert (await key_rotation.check(both.sessions, both.cipher)).unreadable == 3

    async def test_rotation_runs_while_ember_keeps_writing(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        a, b = two_keys()
        pid = await fill(with_keys(storage, a), clock, messages=40)
        both = with_keys(storage, b, a)  # Ember restarted with the new key first
        written = 0

        async def ember_writes() -> None:
            nonlocal written
            for n in range(30):
                async with both.uow() as uow:
                    await uow.journal.add_message(
                        participant_id=pid,
                        prompt_id=None,
                        telegram_message_id=1000 + n,
                        update_id=None,
                        kind="text",
                        text=f"meanwhile {n}",
                        media_ref=None,
                        screened=True,
                        now=clock.now(),
                    )
                    if n % 3 == 0:  # edits rewrite values rotation may be reading
                        await uow.journal.edit_message(
                            participant_id=pid,
                            telegram_message_id=10 + n,
                            text="edited",
                            now=clock.now(),
                        )
                    await uow.commit()
                written += 1
                await asyncio.sleep(0)

        report, _ = await asyncio.gather(
            key_rotation.rotate(both.sessions, both.cipher, batch=3), ember_writes()
        )
        assert written == 30 and report.unreadable == 0
        after = await key_rotation.check(both.sessions, both.cipher)
        # what Ember wrote meanwhile is under the new key, earlier versions of edits too
        assert after.by_key[1] == 0 and after.unreadable == 0
        assert after.by_key[0] == 40 * 2 + 6 + 30 + 10


class TestUnreadableRows:
    async def test_an_unreadable_outbox_row_is_parked_and_the_alert_behind_it_is_claimed(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        a, b = two_keys()
        lost = with_keys(storage, a)
        async with lost.uow() as uow:
            await uow.outbox.enqueue(
                key="prompt:1",
                chat_id=1,
                message=Outgoing("old"),
                kind="prompt",
                now=clock.now(),
                priority=10,
            )
            await uow.commit()
        current = with_keys(storage, b)  # A removed before rotating
        async with current.uow() as uow:
            await uow.outbox.enqueue(
                key="alert:1",
                chat_id=2,
                message=Outgoing("CRISIS"),
                kind="alert",
                now=clock.now(),
                priority=5,
            )
            await uow.commit()
        async with current.uow() as uow:
            claimed = await uow.outbox.claim(worker="w", now=clock.now(), limit=10)
            await uow.commit()
        assert [c.message.text for c in claimed] == ["CRISIS"]
        async with storage.sessions() as session:
            row = (
                await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "prompt"))
            ).one()
        assert row.status == "parked" and row.last_error == UNREADABLE
        found = await queue_status(current)
        assert found.outbox == {"parked": 1, "claimed": 1} and found.parked_count == 1
        assert [(p.queue, p.id, p.kind) for p in found.parked] == [("outbox", row.id, "prompt")]

        restored = with_keys(storage, b, a)  # the key put back after the newest
        assert await requeue_parked(restored, now=clock.now()) == (1, 0)
        async with restored.uow() as uow:
            again = await uow.outbox.claim(worker="w", now=clock.now(), limit=10)
        assert [c.message.text for c in again] == ["old"]

    async def test_a_message_that_opens_to_something_else_is_parked_too(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        async with storage.uow() as uow:
            await uow.outbox.enqueue(
                key="k", chat_id=1, message=Outgoing("fine"), kind="reply", now=clock.now()
            )
            await uow.commit()
        async with storage.sessions() as session:  # damaged before it was sealed
            await session.execute(
                update(OutboxMessage).values(payload_enc=storage.cipher.seal("{not json"))
            )
            await session.commit()
        async with storage.uow() as uow:
            assert await uow.outbox.claim(worker="w", now=clock.now(), limit=5) == []
            await uow.commit()
        found = await queue_status(storage)
        assert [p.reason for p in found.parked] == [MALFORMED]

    async def test_a_stored_update_that_cannot_be_opened_is_parked_not_blocking(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        a, b = two_keys()
        async with with_keys(storage, a).uow() as uow:
            for n in range(3):
                await uow.inbox.store(update_id=n + 1, payload='{"n": 0}', now=clock.now())
            await uow.commit()
        current = with_keys(storage, b)
        async with current.uow() as uow:
            await uow.inbox.store(update_id=4, payload='{"n": 4}', now=clock.now())
            await uow.commit()
        async with current.uow() as uow:  # a batch smaller than the unreadable ones
            assert [(p.update_id, p.payload) for p in await uow.inbox.pending(limit=2)] == [
                (4, '{"n": 4}')
            ]
            await uow.commit()
        found = await queue_status(current)
        assert found.inbox == {"parked": 3, "pending": 1}
        assert {(p.queue, p.id, p.reason) for p in found.parked} == {
            ("inbox", n, INBOX_UNREADABLE) for n in (1, 2, 3)
        }
        assert await requeue_parked(with_keys(storage, b, a), now=clock.now()) == (0, 3)


# -- `ember keys` as a user runs it ---------------------------------------------------


ROOT = Path(__file__).resolve().parents[2]


def ember(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def cli_db(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ember.db'}"
    upgrade(url)
    return url


async def fill_file(url: str, *keys: bytes) -> int:
    engine = create_engine(url)
    try:
        return await fill(Storage(session_factory(engine), Cipher(list(keys))), FakeClock())
    finally:
        await engine.dispose()


def test_keys_generate_prints_a_usable_key_and_keygen_is_the_same(tmp_path: Path) -> None:
    for args in (("keys", "generate"), ("keygen",)):
        key = ember(*args, cwd=tmp_path).stdout.strip()
        cipher = Cipher([key.encode()])
        assert cipher.open(cipher.seal("x")) == "x"


async def test_rotate_then_check_then_remove_the_old_key(tmp_path: Path, cli_db: str) -> None:
    a, b = two_keys()
    await fill_file(cli_db, a)
    env = {"EMBER_DATABASE_URL": cli_db}

    def run(*args: str, keys: tuple[bytes, ...]) -> tuple[int, str]:
        result = ember(
            *args, cwd=tmp_path, **env, EMBER_ENCRYPTION_KEY=",".join(k.decode() for k in keys)
        )
        assert result.stderr == ""
        assert SECRET not in result.stdout and NOTE not in result.stdout
        return result.returncode, result.stdout

    code, out = run("keys", "check", keys=(a,))
    assert code == 0
    assert f"key 1 ({fingerprint(a)}): 8 values; seals new text" in out
    assert "Values no configured key opens: 0" in out

    code, out = run("keys", "rotate", "--batch", "1", keys=(b, a))
    assert code == 0, out
    assert "journal_messages: 1/1 rows" in out and "outbox: 1/1 rows" in out
    assert re.search(r"journal_messages\s+1\s+2\s+0\s+0", out), out
    assert f"Done: 8 values re-sealed under key 1 ({fingerprint(b)}); 0 already were." in out

    code, out = run("keys", "check", keys=(b, a))
    assert code == 0
    assert f"key 1 ({fingerprint(b)}): 8 values; seals new text" in out
    assert f"key 2 ({fingerprint(a)}): 0 values; no longer needed: it can be removed" in out

    code, out = run("keys", "rotate", keys=(b, a))
    assert code == 0 and "Done: 0 values re-sealed" in out and "8 already were" in out

    code, out = run("keys", "check", keys=(b,))
    assert code == 0 and "Values no configured key opens: 0" in out


async def test_values_no_key_opens_are_listed_and_the_exit_code_says_so(
    tmp_path: Path, cli_db: str
) -> None:
    a, b = two_keys()
    await fill_file(cli_db, a)
    env = {"EMBER_DATABASE_URL": cli_db, "EMBER_ENCRYPTION_KEY": b.decode()}  # A lost

    check = ember("keys", "check", cwd=tmp_path, **env)
    assert check.returncode == 3
    assert "key 1" in check.stdout and "Values no configured key opens: 8" in check.stdout
    assert "notes row 1 (body_enc)" in check.stdout
    assert "journal_messages row 1 (media_enc)" in check.stdout

    rotate = ember("keys", "rotate", cwd=tmp_path, **env)
    assert rotate.returncode == 3
    assert "8 stored values cannot be opened with any configured key" in rotate.stdout
    assert "outbox row 1 (payload_enc)" in rotate.stdout
    for secret in (SECRET, NOTE, EVIDENCE, PAYLOAD, "stored before processing"):
        assert secret not in rotate.stdout + check.stdout


async def test_status_reports_parked_rows_and_requeue_puts_them_back(
    tmp_path: Path, cli_db: str
) -> None:
    a, b = two_keys()
    await fill_file(cli_db, a)
    engine = create_engine(cli_db)
    try:  # the running bot, with A removed too early, meets the outbox row and the update
        current = Storage(session_factory(engine), Cipher([b]))
        async with current.uow() as uow:
            assert await uow.outbox.claim(worker="w", now=FakeClock().now(), limit=5) == []
            assert await uow.inbox.pending() == []
            await uow.commit()
    finally:
        await engine.dispose()
    env = {"EMBER_DATABASE_URL": cli_db, "EMBER_ENCRYPTION_KEY": b.decode()}

    status = ember("status", cwd=tmp_path, **env)
    assert status.returncode == 3
    assert "Outbox: parked 1" in status.stdout and "Stored updates: parked 1" in status.stdout
    assert "outbox message 1 (reply)" in status.stdout and "stored update 900" in status.stdout
    assert "no configured key opens it" in status.stdout
    assert PAYLOAD not in status.stdout and "stored before processing" not in status.stdout

    restored = {**env, "EMBER_ENCRYPTION_KEY": f"{b.decode()},{a.decode()}"}
    requeue = ember("requeue", cwd=tmp_path, **restored)
    assert requeue.returncode == 0
    assert "1 messages and 1 stored updates are back" in requeue.stdout
    after = ember("status", cwd=tmp_path, **restored)
    assert after.returncode == 0
    assert "Outbox: pending 1" in after.stdout and "Stored updates: pending 1" in after.stdout
