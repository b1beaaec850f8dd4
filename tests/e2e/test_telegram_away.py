"""Telegram failing while Ember runs: each failed getUpdates is one log line naming the
Bot API URL (never the token) and what to check, polling backs off and goes on, and a
token Telegram refuses is said so plainly; all against the simulator, with injected faults
and with the simulator's port closed."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.app import Ember
from bot.domain.people import Role
from bot.simulator import FakeTelegram
from tests.support.e2e import THERAPIST_ID, make_invitation

LOGGER = "bot.polling"


def polling_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


async def lines_when(caplog: pytest.LogCaptureFixture, count: int, within: float = 20) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while len(polling_lines(caplog)) < count:
        assert loop.time() < deadline, f"only {polling_lines(caplog)}"
        await asyncio.sleep(0.05)


async def welcome_after_start(ember: Ember, tg: FakeTelegram, code: str) -> str:
    raw = await make_invitation(ember, Role.THERAPIST, code)
    dana = tg.user(THERAPIST_ID, "Dana")
    dana.send_command("/start", raw)
    return (await dana.wait_for_message(timeout=20)).text or ""


class TestTelegramAwayWhileRunning:
    async def test_server_errors_are_one_line_each_with_the_url_then_polling_goes_on(
        self, ember: Ember, tg: FakeTelegram, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.WARNING, logger=LOGGER)
        tg.fail_next("getUpdates", status=502, description="Bad Gateway", count=2)
        tg.user(5001, "Someone").send_text("hello")  # ends the long poll in progress
        await lines_when(caplog, 2)
        assert "therapist" in await welcome_after_start(ember, tg, "T-01")
        for line in polling_lines(caplog):
            assert "\n" not in line and tg.token not in line
            assert line.startswith(f"cannot reach Telegram at {tg.url}/bot<token> (getUpdates:")
            assert "Bad Gateway" in line and "retrying in" in line
            assert "EMBER_TELEGRAM_API_URL" in line

    async def test_a_closed_port_is_retried_until_the_server_is_back(
        self, ember: Ember, tg: FakeTelegram, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.WARNING, logger=LOGGER)
        await tg.stop()  # nothing listens on the port any more
        try:
            await lines_when(caplog, 2)
        finally:
            await tg.start()  # the same port again
        assert "therapist" in await welcome_after_start(ember, tg, "T-01")
        lines = polling_lines(caplog)
        assert all(f"cannot reach Telegram at {tg.url}/bot<token>" in ln for ln in lines)
        assert all("Check the network" in ln and tg.token not in ln for ln in lines)
        assert "retrying in 1 s" in lines[0] and "retrying in 2 s" in lines[1]  # backing off

    async def test_a_token_refused_while_running_is_said_plainly_and_asked_again_slowly(
        self, ember: Ember, tg: FakeTelegram, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.WARNING, logger=LOGGER)
        tg.fail_next("getUpdates", status=401, description="Unauthorized")
        tg.user(5001, "Someone").send_text("hello")
        await lines_when(caplog, 1)
        (line,) = polling_lines(caplog)
        assert line.startswith(f"Telegram refused the bot token (getUpdates at {tg.url}/bot<token>")
        assert "EMBER_TELEGRAM_TOKEN" in line and "asking again in 60 s" in line
        assert tg.token not in line
        calls = len(tg.calls_to("getUpdates"))
        await asyncio.sleep(0.5)
        assert len(tg.calls_to("getUpdates")) == calls  # no hammering of a refused token
