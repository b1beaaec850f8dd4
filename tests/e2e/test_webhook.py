"""Webhook mode: updates are stored before Telegram hears 200; the secret is checked."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.app import Ember, ember_app
from bot.simulator import FakeTelegram
from bot.webhook import serve_webhook
from storage.models import Role
from tests.support.e2e import make_invitation, settings_for


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def hooked(tg: FakeTelegram, e2e_db: str, key: str) -> AsyncIterator[tuple[Ember, str]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    settings = settings_for(
        tg, e2e_db, key, webhook_url=url, webhook_secret="s3cret-token", listen=f"127.0.0.1:{port}"
    )
    async with ember_app(settings, poll=False) as ember, serve_webhook(ember):
        yield ember, url
        # as a deploy would: Telegram stops calling before the endpoint goes away
        await ember.application.bot.delete_webhook()


async def test_enrollment_works_over_the_webhook(
    hooked: tuple[Ember, str], tg: FakeTelegram
) -> None:
    ember, url = hooked
    assert tg.webhook_url == url
    code = await make_invitation(ember, Role.THERAPIST, "T-01")
    dana = tg.user(7001, "Dana")
    dana.send_command("/start", code)
    welcome = await dana.wait_for_message(timeout=8)
    assert "therapist" in (welcome.text or "")
    assert all(a.status == 200 for a in tg.webhook_attempts)
    assert not tg.calls_to("getUpdates")  # no polling in webhook mode


async def test_a_wrong_secret_is_refused_and_nothing_stored(hooked: tuple[Ember, str]) -> None:
    ember, url = hooked
    update = {
        "update_id": 999,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 5, "type": "private"},
            "text": "hello",
        },
    }
    async with aiohttp.ClientSession() as http:
        wrong = await http.post(
            url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}
        )
        missing = await http.post(url, json=update)
        garbage = await http.post(
            url, data=b"{not json", headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
        )
    assert (wrong.status, missing.status, garbage.status) == (403, 403, 400)
    assert ember.intake.processed == 0
