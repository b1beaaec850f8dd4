"""`ember run` as operators meet it, as a real process against the fake Bot API: SIGTERM
shuts down cleanly (claims given back, nothing ambiguous, exit 0), also while start-up
waits for Telegram; a refused token is one line; /healthz over HTTP in both modes; JSON
logs at debug level carry no journal text, names, Telegram ids or token."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.app import ember_app
from bot.clock import SystemClock
from bot.domain.outgoing import Outgoing
from bot.domain.people import Role
from bot.services.api import Services
from bot.services.context import ServiceContext
from bot.simulator import FakeTelegram
from bot.webhook import serve_webhook
from prompts.catalogue import default_catalogue
from storage.crypto import Cipher
from storage.db import create_engine, session_factory
from storage.models import InboundUpdate, OutboxMessage
from storage.uow import Storage
from tests.support.e2e import settings_for
from tests.support.population import populate

ROOT = Path(__file__).resolve().parents[2]
PROMPT = "fan-out check-in"
CRISIS = "I've saved up my pills and I'm going to take them all tonight when everyone's asleep."
# ids and names no log line may show (distinctive, so a match means a leak)
THERAPIST_TG, PARTICIPANT_TG, STRANGER_TG = 7_300_451, 8_300_452, 9_300_453


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def storage_at(e2e_db: str, key: str) -> AsyncIterator[Storage]:
    engine = create_engine(e2e_db)
    yield Storage(session_factory(engine), Cipher([key.encode()]))
    await engine.dispose()


async def start_ember(
    tg: FakeTelegram,
    db_url: str,
    key: str,
    cwd: Path,
    *args: str,
    token: str | None = None,
    **env: str,
) -> tuple[asyncio.subprocess.Process, Path]:
    """`ember run` in a process of its own against ``tg`` (with ``token``, default the
    fake's own); its stderr goes to a file (returned)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
    clean.update(
        PYTHONPATH=str(ROOT),
        EMBER_TELEGRAM_TOKEN=token or tg.token,
        EMBER_TELEGRAM_API_URL=f"{tg.url}/bot",
        EMBER_DATABASE_URL=db_url,
        EMBER_ENCRYPTION_KEY=key,
        **env,
    )
    log = cwd / f"ember-{len(list(cwd.glob('ember-*.log')))}.log"
    with log.open("w") as err:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            *args,
            cwd=cwd,
            env=clean,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=err,
        )
    return process, log


async def answered(
    http: aiohttp.ClientSession, url: str, within: float = 20.0
) -> aiohttp.ClientResponse:
    """GET ``url`` as soon as something listens there."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        try:
            return await http.get(url)
        except aiohttp.ClientConnectorError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.1)


async def terminate(process: asyncio.subprocess.Process, within: float = 20.0) -> int:
    """SIGTERM, then the exit code; fails if the process takes longer than ``within``."""
    process.send_signal(signal.SIGTERM)
    try:
        return await asyncio.wait_for(process.wait(), timeout=within)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"no exit within {within} s of SIGTERM") from None


async def invite(storage: Storage, role: Role, code: str, therapist: str | None = None) -> str:
    services = Services(
        ServiceContext(storage=storage, clock=SystemClock(), catalogue=default_catalogue())
    )
    created = await services.enrollment.invite(
        None,
        role=role,
        code=code,
        timezone="Europe/Berlin",
        therapist_code=therapist,
        name="Dr. Quill" if role is Role.THERAPIST else None,
        ttl=timedelta(days=1),
    )
    return created.raw_code


class TestSigterm:
    async def test_sigterm_mid_fan_out_gives_claims_back_and_exits_0(
        self, tg: FakeTelegram, e2e_db: str, key: str, storage_at: Storage, tmp_path: Path
    ) -> None:
        population = await populate(
            storage_at, participants=200, now=SystemClock().now(), due_in=timedelta(seconds=2)
        )
        for chat in population.participant_ids:
            tg.user(chat)
        process, log = await start_ember(tg, e2e_db, key, tmp_path)
        try:
            await tg.wait_until(
                lambda: sum(PROMPT in (m.text or "") for m in tg.sent) >= 40, timeout=60
            )
            async with storage_at.sessions() as session:
                claimed = await session.scalar(
                    select(func.count()).where(OutboxMessage.status == "claimed")
                )
        except BaseException:
            process.kill()
            raise
        assert claimed, "nothing was claimed at the signal; the test would prove nothing"
        loop = asyncio.get_running_loop()
        began = loop.time()
        code = await terminate(process)
        assert code == 0, log.read_text()[-2000:]
        assert loop.time() - began < 15
        assert "Traceback" not in log.read_text()

        async with storage_at.sessions() as session:
            rows = (await session.scalars(select(OutboxMessage))).all()
            processing = await session.scalar(
                select(func.count()).where(InboundUpdate.status == "processing")
            )
        assert {r.status for r in rows} <= {"sent", "pending"}  # no claim left behind
        assert not any(r.claimed_by for r in rows)
        assert not any(r.ambiguous for r in rows)  # every send in flight was finished
        sent = sum(PROMPT in (m.text or "") for m in tg.sent)
        assert sum(r.status == "sent" for r in rows if r.kind == "prompt") == sent
        assert sent < 200, "the fan-out finished before the signal"
        assert processing == 0
        calls = len(tg.calls_to("getUpdates"))
        await asyncio.sleep(1.0)
        assert len(tg.calls_to("getUpdates")) == calls  # intake stopped with the process

        # the next start sends the rest, each once
        again, log = await start_ember(tg, e2e_db, key, tmp_path)
        try:
            await tg.wait_until(
                lambda: sum(PROMPT in (m.text or "") for m in tg.sent) >= 200, timeout=60
            )
        finally:
            assert await terminate(again) == 0, log.read_text()[-2000:]
        chats = [m.chat_id for m in tg.sent if PROMPT in (m.text or "")]
        assert sorted(chats) == sorted(population.participant_ids)

    async def test_sigterm_while_start_up_waits_for_telegram_exits_0(
        self, e2e_db: str, key: str, tmp_path: Path
    ) -> None:
        away = FakeTelegram(port=free_port())  # never started: nothing answers there
        process, log = await start_ember(away, e2e_db, key, tmp_path)
        deadline = asyncio.get_running_loop().time() + 30
        while "cannot reach Telegram" not in log.read_text():
            assert asyncio.get_running_loop().time() < deadline, log.read_text()
            assert process.returncode is None, log.read_text()
            await asyncio.sleep(0.1)
        assert await terminate(process, within=10) == 0
        text = log.read_text()
        assert "Traceback" not in text and away.token not in text
        line = next(ln for ln in text.splitlines() if "cannot reach Telegram" in ln)
        assert f"{away.url}/bot<token>" in line and "getMe" in line

    async def test_a_refused_token_is_one_line_and_exit_78(
        self, tg: FakeTelegram, e2e_db: str, key: str, tmp_path: Path
    ) -> None:
        process, log = await start_ember(tg, e2e_db, key, tmp_path, token="123456:WRONG")
        # 78, EX_CONFIG: a supervisor is told not to restart what only a person can fix
        assert await asyncio.wait_for(process.wait(), timeout=30) == 78
        lines = [ln for ln in log.read_text().splitlines() if ln.startswith("ember:")]
        assert lines == [lines[0]] and "EMBER_TELEGRAM_TOKEN was refused by Telegram" in lines[0]
        assert "WRONG" not in log.read_text() and "Traceback" not in log.read_text()
        assert len(tg.calls_to("getMe")) == 1


class TestHealth:
    async def test_polling_mode_serves_health_on_the_health_port(
        self, tg: FakeTelegram, e2e_db: str, key: str, tmp_path: Path
    ) -> None:
        port = free_port()
        process, log = await start_ember(
            tg, e2e_db, key, tmp_path, EMBER_HEALTH_LISTEN=f"127.0.0.1:{port}"
        )
        try:
            await tg.wait_until(lambda: bool(tg.calls_to("getUpdates")), timeout=30)
            async with aiohttp.ClientSession() as http:
                # served once start-up is through (the risky backlog first, then the rest)
                health = await answered(http, f"http://127.0.0.1:{port}/healthz")
                body = await health.json()
                live = await http.get(f"http://127.0.0.1:{port}/livez")
        finally:
            assert await terminate(process) == 0, log.read_text()[-2000:]
        assert health.status == 200 and live.status == 200
        assert body["status"] == "ok" and body["database"] == {"reachable": True}
        assert isinstance(body["leader"], str) and body["leader"].count(":") >= 2  # host:pid:tag
        assert set(body["outbox"]) == {
            "lag_seconds",
            "urgent_lag_seconds",
            "due",
            "sending",
            "failed",
        }
        assert set(body["inbox"]) == {
            "oldest_unprocessed_seconds",
            "unprocessed",
            "retrying",
            "failed",
        }

    async def test_webhook_mode_serves_health_beside_the_webhook(
        self, tg: FakeTelegram, e2e_db: str, key: str
    ) -> None:
        port = free_port()
        settings = settings_for(
            tg,
            e2e_db,
            key,
            webhook_url=f"http://127.0.0.1:{port}/hook",
            webhook_secret="health-check-secret",
            listen=f"127.0.0.1:{port}",
        )
        healthz = f"http://127.0.0.1:{port}/healthz"
        async with (
            ember_app(settings, poll=False) as ember,
            serve_webhook(ember),
            aiohttp.ClientSession() as http,
        ):
            first = await http.get(healthz)
            # delivery stops; an alert has been waiting two minutes
            await ember.dispatcher.stop()
            two_minutes_ago = ember.clock.now() - timedelta(minutes=2)
            async with ember.storage.uow() as uow:
                await uow.outbox.enqueue(
                    key="alert:probe",
                    chat_id=424242,
                    message=Outgoing("x"),
                    kind="alert",
                    now=two_minutes_ago,
                    not_before=two_minutes_ago,
                    priority=10,
                )
                await uow.commit()
            stuck = await http.get(healthz)
            stuck_body = await stuck.json()
            # delivery resumes: the send fails for good (no such chat), so nothing lags
            await ember.dispatcher.start()
            await tg.wait_until(lambda: bool(tg.calls_to("sendMessage")), timeout=5)
            await asyncio.sleep(0.3)
            after = await http.get(healthz)
            after_body = await after.json()
            await ember.application.bot.delete_webhook()
        assert first.status == 200
        assert stuck.status == 503
        assert stuck_body["status"] == "unhealthy"
        assert stuck_body["outbox"]["urgent_lag_seconds"] >= 120
        assert stuck_body["problems"][0].startswith("safety messages or alerts waiting")
        assert after.status == 200
        assert after_body["outbox"]["failed"] == 1 and after_body["outbox"]["due"] == 0


class TestJsonLogs:
    async def test_debug_json_logs_of_a_crisis_hold_no_content_names_or_ids(
        self, tg: FakeTelegram, e2e_db: str, key: str, storage_at: Storage, tmp_path: Path
    ) -> None:
        therapist_code = await invite(storage_at, Role.THERAPIST, "T-01")
        participant_code = await invite(storage_at, Role.PARTICIPANT, "P-0142", "T-01")
        process, log = await start_ember(
            tg, e2e_db, key, tmp_path, "--verbose", EMBER_LOG_FORMAT="json"
        )
        try:
            therapist = tg.user(THERAPIST_TG, "Philippa", username="philippa_q")
            therapist.send_command("/start", therapist_code)
            await therapist.wait_for_message(timeout=30)
            alex = tg.user(PARTICIPANT_TG, "Alexandrina", last_name="Vosk")
            alex.send_command("/start", participant_code)
            consent = await alex.wait_for_message(timeout=10)
            alex.press(consent, text="I agree")
            await alex.wait_for_message(lambda m: "all set" in (m.text or ""), timeout=10)
            alex.send_text(CRISIS)
            await therapist.wait_for_message(lambda m: "CRISIS" in (m.text or ""), timeout=10)
            stranger = tg.user(STRANGER_TG, "Bartholomew")
            stranger.send_text("hello, my name is Bartholomew and my number is 0151 999")
            await stranger.wait_for_message(timeout=10)
        finally:
            assert await terminate(process) == 0, log.read_text()[-2000:]

        text = log.read_text()
        entries = [json.loads(line) for line in text.splitlines()]  # every line is JSON
        assert len(entries) > 5
        assert {"time", "level", "logger", "message"} <= set(entries[0])
        assert any(e["level"] == "DEBUG" for e in entries)  # --verbose: debug level is on
        lowered = text.lower()
        for fragment in (
            "saved up my pills",
            "everyone's asleep",
            "tonight",
            "0151 999",
            "philippa",
            "alexandrina",
            "vosk",
            "bartholomew",
            tg.token.lower(),
        ):
            assert fragment not in lowered, fragment
        for telegram_id in (THERAPIST_TG, PARTICIPANT_TG, STRANGER_TG):
            assert not re.search(rf"\b{telegram_id}\b", text), telegram_id
        started_at = datetime.fromisoformat(entries[0]["time"])
        assert started_at.tzinfo is not None and started_at <= datetime.now(UTC)
