"""Storage on real SQLite files and real PostgreSQL: encryption at rest, dedup, outbox claims."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.clock import FakeClock
from bot.domain.outgoing import Button, Outgoing
from bot.services import enrollment
from bot.services import journal as journal_service
from bot.services.inbound import InboundMessage, Sender
from storage.models import Role
from storage.uow import Storage

SECRET = "I keep thinking about the night of the accident"


async def enroll_participant(storage: Storage, clock: FakeClock) -> int:
    async with storage.uow() as uow:
        await enrollment.invite(
            uow,
            now=clock.now(),
            role=Role.THERAPIST,
            code="T-01",
            timezone="Europe/Berlin",
            name="Dr. A",
        )
        inv = await enrollment.invite(
            uow,
            now=clock.now(),
            role=Role.PARTICIPANT,
            code="P-0142",
            timezone="Europe/Berlin",
            therapist_code="T-01",
        )
        person = await enrollment.redeem(
            uow, now=clock.now(), raw_code=inv.raw_code, telegram_user_id=5001, chat_id=5001
        )
        await uow.commit()
        return person.id


class TestEncryptionAtRest:
    async def test_journal_text_is_not_in_the_database(
        self, storage: Storage, clock: FakeClock, db_url: str
    ) -> None:
        pid = await enroll_participant(storage, clock)
        async with storage.uow() as uow:
            participant = await uow.people.by_id(pid)
            assert participant is not None
            msg = InboundMessage(Sender(1, 5001, 5001), 10, "text", SECRET)
            await journal_service.record_message(
                uow, now=clock.now(), participant=participant, message=msg
            )
            await uow.inbox.store(
                update_id=77, payload='{"text": "' + SECRET + '"}', now=clock.now())
            await uow.outbox.enqueue(
                key="k1", chat_id=5001, message=Outgoing(SECRET), kind="reply", now=clock.now())
            await uow.commit()
        async with storage.sessions() as session:
            rows = (
                (
                    await session.execute(
                        text(
                            "SELECT body_enc FROM journal_messages UNION ALL "
                            "SELECT payload_enc FROM inbound_updates UNION ALL "
                            "SELECT payload_enc FROM outbox"
                        )
                    )
                )
                .scalars()
                .all()
            )
            assert len(rows) == 3
            for raw in rows:
                assert "accident" not in raw
        async with storage.uow() as uow:
            entries = await uow.journal.recent_entries(pid, 5)
            assert entries[0].text == SECRET
        if db_url.startswith("sqlite"):
            path = db_url.split("///", 1)[1]
            for suffix in ("", "-wal"):
                try:
                    with open(path + suffix, "rb") as fh:
                        assert b"accident" not in fh.read()
                except FileNotFoundError:
                    pass

    async def test_rotated_keys_still_open_old_text(
        self, storage: Storage, clock: FakeClock, key: str
    ) -> None:
        from storage.crypto import Cipher, generate_key

        pid = await enroll_participant(storage, clock)
        async with storage.uow() as uow:
            participant = await uow.people.by_id(pid)
            assert participant is not None
            msg = InboundMessage(Sender(1, 5001, 5001), 11, "text", "old words")
            await journal_service.record_message(
                uow, now=clock.now(), participant=participant, message=msg
            )
            await uow.commit()
        rotated = Storage(storage.sessions, Cipher([generate_key().encode(), key.encode()]))
        async with rotated.uow() as uow:
            assert (await uow.journal.recent_entries(pid, 1))[0].text == "old words"


class TestInbox:
    async def test_a_repeated_update_is_stored_once(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        async with storage.uow() as uow:
            assert await uow.inbox.store(update_id=5, payload="{}", now=clock.now())
            assert not await uow.inbox.store(update_id=5, payload="{}", now=clock.now())
            await uow.commit()
        async with storage.uow() as uow:
            assert [p.update_id for p in await uow.inbox.pending()] == [5]
            assert await uow.inbox.claim_pending(5, worker="a", now=clock.now())
            assert not await uow.inbox.claim_pending(5, worker="b", now=clock.now())
            await uow.inbox.mark_done(5, now=clock.now(), worker="a")
            await uow.commit()
        async with storage.uow() as uow:
            assert await uow.inbox.pending() == []
            assert not await uow.inbox.store(update_id=5, payload="{}", now=clock.now())

    async def test_interrupted_processing_is_resumed(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        async with storage.uow() as uow:
            await uow.inbox.store(update_id=9, payload='{"a": 1}', now=clock.now())
            await uow.inbox.claim_pending(9, worker="gone", now=clock.now())
            await uow.commit()
        async with storage.uow() as uow:
            assert await uow.inbox.release_worker("gone") == 1
            await uow.commit()
        async with storage.uow() as uow:
            assert [p.payload for p in await uow.inbox.pending()] == ['{"a": 1}']


class TestOutbox:
    async def test_same_key_is_enqueued_once(self, storage: Storage, clock: FakeClock) -> None:
        async with storage.uow() as uow:
            assert await uow.outbox.enqueue(key="prompt:1",
                chat_id=1,
                message=Outgoing("a"),
                kind="prompt",
                now=clock.now(),
            )
            assert not await uow.outbox.enqueue(key="prompt:1",
                chat_id=1,
                message=Outgoing("a"),
                kind="prompt",
                now=clock.now(),
            )
            await uow.commit()
        async with storage.uow() as uow:
            assert await uow.outbox.counts() == {"pending": 1}

    async def test_claims_do_not_overlap_and_respect_priority_and_time(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        async with storage.uow() as uow:
            for i in range(10):
                await uow.outbox.enqueue(key=f"p{i}",
                    chat_id=i,
                    message=Outgoing(f"m{i}"),
                    kind="prompt",
                    now=clock.now(),
                )
            await uow.outbox.enqueue(key="alert",
                chat_id=99,
                message=Outgoing("alert", buttons=((Button("Ack", "ack:1"),),)),
                kind="alert",
                now=clock.now(),
                priority=10,
            )
            await uow.outbox.enqueue(key="later",
                chat_id=7,
                message=Outgoing("later"),
                kind="prompt",
                now=clock.now(),
                not_before=clock.now() + timedelta(hours=1),
            )
            await uow.commit()
        async with storage.uow() as uow:
            first = await uow.outbox.claim(worker="w1", now=clock.now(), limit=4)
            await uow.commit()
        async with storage.uow() as uow:
            second = await uow.outbox.claim(worker="w2", now=clock.now(), limit=100)
            await uow.commit()
        assert first[0].key == "alert"
        assert first[0].message.buttons[0][0].data == "ack:1"
        keys = [m.key for m in first + second]
        assert len(keys) == len(set(keys)) == 11
        assert "later" not in keys

    async def test_stale_claims_come_back_ambiguous_only_if_attempted(
        self, storage: Storage, clock: FakeClock
    ) -> None:
        async with storage.uow() as uow:
            for key in ("held", "in-flight"):
                await uow.outbox.enqueue(
                    key=key, chat_id=1, message=Outgoing(key), kind="prompt", now=clock.now())
            await uow.commit()
        async with storage.uow() as uow:
            claimed = await uow.outbox.claim(worker="dead", now=clock.now(), limit=5)
            assert len(claimed) == 2
            in_flight = next(m for m in claimed if m.key == "in-flight")
            await uow.outbox.mark_sending(in_flight.id, now=clock.now())
            await uow.commit()
        clock.advance(timedelta(minutes=5))
        async with storage.uow() as uow:
            swept = await uow.outbox.sweep_stale(now=clock.now(), older_than=timedelta(seconds=90))
            assert swept == 2
            await uow.commit()
        async with storage.uow() as uow:
            again = {
                m.key: m for m in await uow.outbox.claim(worker="w", now=clock.now(), limit=5)
            }
        assert again["in-flight"].ambiguous and again["in-flight"].attempts == 2
        assert not again["held"].ambiguous and again["held"].attempts == 1


@pytest.mark.parametrize("ttl_days", [7])
class TestInvitations:
    async def test_a_code_binds_once(
        self, storage: Storage, clock: FakeClock, ttl_days: int
    ) -> None:
        from bot.errors import AccountHasRole, InvitationExpired, InvitationUnknown, InvitationUsed

        async with storage.uow() as uow:
            await enrollment.invite(
                uow, now=clock.now(), role=Role.THERAPIST, code="T-01", timezone="UTC"
            )
            inv = await enrollment.invite(
                uow,
                now=clock.now(),
                role=Role.PARTICIPANT,
                code="P-1",
                timezone="UTC",
                therapist_code="T-01",
                ttl=timedelta(days=ttl_days),
            )
            late = await enrollment.invite(
                uow,
                now=clock.now(),
                role=Role.COORDINATOR,
                code="C-01",
                timezone="UTC",
                ttl=timedelta(hours=1),
            )
            await uow.commit()
        async with storage.uow() as uow:
            row = await uow.people.invitation_by_hash(enrollment.hash_code(inv.raw_code))
            assert row is not None  # found by the code's hash alone
            stored = await uow.people.invitation_by_hash(inv.raw_code)
            assert stored is None  # the code itself is nowhere
            with pytest.raises(InvitationUnknown):
                await enrollment.redeem(
                    uow, now=clock.now(), raw_code="nope-nope-nope", telegram_user_id=1, chat_id=1
                )
            p = await enrollment.redeem(
                uow, now=clock.now(), raw_code=inv.raw_code, telegram_user_id=1, chat_id=1
            )
            assert p.status == "consent_pending"
            # the same account again is harmless; another account is refused
            await enrollment.redeem(
                uow, now=clock.now(), raw_code=inv.raw_code, telegram_user_id=1, chat_id=1
            )
            with pytest.raises(InvitationUsed):
                await enrollment.redeem(
                    uow, now=clock.now(), raw_code=inv.raw_code, telegram_user_id=2, chat_id=2
                )
            clock.advance(timedelta(hours=2))
            with pytest.raises(InvitationExpired):
                await enrollment.redeem(
                    uow, now=clock.now(), raw_code=late.raw_code, telegram_user_id=3, chat_id=3
                )
            await uow.commit()
        async with storage.uow() as uow:
            other = await enrollment.invite(
                uow, now=clock.now(), role=Role.COORDINATOR, code="C-02", timezone="UTC"
            )
            with pytest.raises(AccountHasRole):
                await enrollment.redeem(
                    uow, now=clock.now(), raw_code=other.raw_code, telegram_user_id=1, chat_id=1
                )
