"""Webhook safety over HTTP: only Telegram, holding the secret, can post updates; a forged
acknowledgement is refused, never stored, and the escalation goes on. Start-up against a
Telegram that does not answer yet: one line per try, then normal operation; a refused
token stops at once."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.app import Ember, ember_app
from bot.clock import FakeClock
from bot.errors import ConfigError, TokenRefused
from bot.services import staffing
from bot.simulator import FakeTelegram
from bot.webhook import SECRET_HEADER, serve_webhook
from storage.models import Alert, Escalation, InboundUpdate, Role
from tests.support.e2e import (
    PARTICIPANT_ID,
    THERAPIST_ID,
    enroll_pair,
    make_invitation,
    settings_for,
)

SECRET = "Zq7-webhook_secret-4f9c1d"
BACKUP_ID = 7002
CRISIS = "I've saved up my pills and I'm going to take them all tonight when everyone's asleep."
FORGED_UPDATE_ID = 880_000_001


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def fast_clock() -> FakeClock:
    return FakeClock(datetime.now(UTC))


@pytest.fixture
async def hooked(
    tg: FakeTelegram, e2e_db: str, key: str, fast_clock: FakeClock
) -> AsyncIterator[tuple[Ember, str]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    settings = settings_for(
        tg, e2e_db, key, webhook_url=url, webhook_secret=SECRET, listen=f"127.0.0.1:{port}"
    )
    async with (
        ember_app(settings, poll=False, clock=fast_clock, tick_seconds=0.2) as ember,
        serve_webhook(ember),
    ):
        yield ember, url
        await ember.application.bot.delete_webhook()


async def stored(ember: Ember, update_id: int) -> bool:
    async with ember.storage.sessions() as session:
        row = await session.get(InboundUpdate, update_id)
    return row is not None


async def alert_status(ember: Ember) -> str:
    async with ember.storage.sessions() as session:
        return str((await session.scalars(select(Alert))).one().status)


def forged_ack(message_id: int, data: str) -> dict[str, Any]:
    """A callback query exactly as Telegram would send it for the therapist's press."""
    return {
        "update_id": FORGED_UPDATE_ID,
        "callback_query": {
            "id": "4000000000000999",
            "from": {"id": THERAPIST_ID, "is_bot": False, "first_name": "Dana"},
            "chat_instance": "1",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": 0,
                "chat": {"id": THERAPIST_ID, "type": "private"},
            },
        },
    }


class TestOnlyTelegramMayPost:
    async def test_the_secret_is_given_to_telegram_with_the_webhook(
        self, hooked: tuple[Ember, str], tg: FakeTelegram
    ) -> None:
        _, url = hooked
        (call,) = tg.calls_to("setWebhook")
        assert call.params["url"] == url
        assert call.params["secret_token"] == SECRET

    async def test_a_forged_acknowledgement_is_refused_unstored_and_escalation_goes_on(
        self, hooked: tuple[Ember, str], tg: FakeTelegram, fast_clock: FakeClock
    ) -> None:
        ember, url = hooked
        await enroll_pair(ember, tg)
        code = await make_invitation(ember, Role.THERAPIST, "T-02")
        backup = tg.user(BACKUP_ID, "Sam")
        backup.send_command("/start", code)
        await backup.wait_for_message()
        async with ember.storage.uow() as uow:
            await staffing.set_therapist(uow, now=ember.clock.now(), code="T-01", backup="T-02")
            await uow.commit()
        therapist = tg.user(THERAPIST_ID)
        tg.user(PARTICIPANT_ID).send_text(CRISIS)
        alert = await therapist.wait_for_message(lambda m: "CRISIS" in (m.text or ""))
        ((label, data),) = therapist.buttons(alert)
        assert label == "Acknowledge" and data is not None

        forged = forged_ack(alert.message_id, data)
        async with aiohttp.ClientSession() as http:
            missing = await http.post(url, json=forged)
            wrong = await http.post(url, json=forged, headers={SECRET_HEADER: "guess"})
            prefix = await http.post(url, json=forged, headers={SECRET_HEADER: SECRET[:-1]})
            longer = await http.post(url, json=forged, headers={SECRET_HEADER: SECRET + "x"})
        assert [r.status for r in (missing, wrong, prefix, longer)] == [403, 403, 403, 403]
        await asyncio.sleep(0.5)
        assert not await stored(ember, FORGED_UPDATE_ID)
        assert await alert_status(ember) == "open"

        fast_clock.advance(timedelta(minutes=16))  # the escalation was not stopped
        escalated = await backup.wait_for_message(lambda m: "CRISIS" in (m.text or ""), timeout=8)
        assert "Escalation round 1" in (escalated.text or "")
        async with ember.storage.sessions() as session:
            assert len((await session.scalars(select(Escalation))).all()) == 1

        # the real press, which Telegram posts with the secret, still acknowledges
        backup.press(escalated, text="Acknowledge")
        await backup.wait_for_message(lambda m: "acknowledged" in (m.text or ""))
        assert await alert_status(ember) == "acknowledged"
        assert all(a.status == 200 for a in tg.webhook_attempts)

    async def test_webhook_mode_does_not_start_without_a_secret(
        self, tg: FakeTelegram, e2e_db: str, key: str
    ) -> None:
        port = free_port()
        settings = settings_for(
            tg,
            e2e_db,
            key,
            webhook_url=f"http://127.0.0.1:{port}/hook",
            listen=f"127.0.0.1:{port}",
        )
        async with ember_app(settings, poll=False) as ember:
            with pytest.raises(ConfigError) as err:
                async with serve_webhook(ember):
                    pass
        assert str(err.value).startswith("EMBER_WEBHOOK_SECRET is not set")
        assert not tg.calls_to("setWebhook")
        with socket.socket() as s:  # nothing was left listening
            assert s.connect_ex(("127.0.0.1", port)) != 0


class TestStartUpWhileTelegramIsAway:
    async def test_unreachable_then_reachable_one_line_per_try_then_normal_operation(
        self, e2e_db: str, key: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        port = free_port()  # nothing listens here yet
        tg = FakeTelegram(port=port)
        settings = settings_for(tg, e2e_db, key)
        caplog.set_level(logging.WARNING, logger="bot.startup")
        loop = asyncio.get_running_loop()
        running: asyncio.Future[Ember] = loop.create_future()
        done = asyncio.Event()

        async def run() -> None:
            async with ember_app(settings, retry_delay=0.2) as ember:
                running.set_result(ember)
                await done.wait()

        task = asyncio.create_task(run())
        try:
            deadline = loop.time() + 15
            while len(caplog.records) < 2:  # two failed tries, two lines
                assert loop.time() < deadline, "no retry was logged"
                assert not task.done(), "start-up gave up instead of retrying"
                await asyncio.sleep(0.05)
            assert not running.done()
            await tg.start()
            ember = await asyncio.wait_for(running, timeout=15)
            code = await make_invitation(ember, Role.THERAPIST, "T-01")
            dana = tg.user(THERAPIST_ID, "Dana")
            dana.send_command("/start", code)
            welcome = await dana.wait_for_message(timeout=8)
            assert "therapist" in (welcome.text or "")
            done.set()
            await asyncio.wait_for(task, timeout=15)
        finally:
            task.cancel()
            await tg.stop()

        lines = [r.getMessage() for r in caplog.records if r.name == "bot.startup"]
        assert len(lines) >= 2
        for line in lines:
            assert "\n" not in line
            assert line.startswith(f"cannot reach Telegram at http://127.0.0.1:{port}/bot<token>")
            assert "getMe" in line and "retrying in" in line and "EMBER_TELEGRAM_API_URL" in line
            assert tg.token not in line

    async def test_errors_and_dropped_connections_are_retried_in_webhook_mode(
        self, tg: FakeTelegram, e2e_db: str, key: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.WARNING, logger="bot.startup")
        tg.fail_next("getMe", status=502, description="Bad Gateway", count=2)
        tg.drop_connection_next("setWebhook")
        port = free_port()
        url = f"http://127.0.0.1:{port}/hook"
        settings = settings_for(
            tg, e2e_db, key, webhook_url=url, webhook_secret=SECRET, listen=f"127.0.0.1:{port}"
        )
        async with ember_app(settings, poll=False, retry_delay=0.05) as ember:
            async with serve_webhook(ember):
                assert tg.webhook_url == url
                code = await make_invitation(ember, Role.THERAPIST, "T-01")
                dana = tg.user(THERAPIST_ID, "Dana")
                dana.send_command("/start", code)
                welcome = await dana.wait_for_message(timeout=8)
                assert "therapist" in (welcome.text or "")
            await ember.application.bot.delete_webhook()
        lines = [r.getMessage() for r in caplog.records if r.name == "bot.startup"]
        assert len(lines) == 3
        assert sum("getMe" in line for line in lines) == 2
        assert sum("setWebhook" in line for line in lines) == 1
        assert len(tg.calls_to("getMe")) == 3

    @pytest.mark.parametrize(("status", "description"), [(401, "Unauthorized"), (404, "Not Found")])
    async def test_a_refused_token_stops_start_up_at_once_with_one_line(
        self, tg: FakeTelegram, e2e_db: str, key: str, status: int, description: str
    ) -> None:
        tg.fail_next("getMe", status=status, description=description)
        settings = settings_for(tg, e2e_db, key)
        with pytest.raises(TokenRefused) as err:
            async with ember_app(settings, retry_delay=0.05):
                pass
        message = str(err.value)
        assert message.startswith("EMBER_TELEGRAM_TOKEN was refused by Telegram")
        assert "\n" not in message and tg.token not in message
        assert f"{tg.url}/bot<token>" in message
        assert len(tg.calls_to("getMe")) == 1  # no endless retry
        assert not tg.calls_to("getUpdates")
