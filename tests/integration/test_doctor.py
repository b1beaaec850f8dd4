"""`ember doctor` on real SQLite and PostgreSQL databases (and the fake Bot API): one line
per finding, a problem where Ember would fail, and never stored text, names or ids."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.config import Settings
from bot.doctor import (
    Level,
    Report,
    check_configuration,
    check_screener,
    check_webhook,
    diagnose,
)
from bot.domain.outgoing import Outgoing
from bot.domain.people import Person, PersonStatus, Role
from bot.services import journal as journal_service
from bot.services.inbound import InboundMessage, Sender
from bot.simulator import FakeTelegram
from storage.crypto import generate_key
from storage.migrate import head_revision, upgrade
from storage.uow import Storage

ROOT = Path(__file__).resolve().parents[2]
SECRET = "what I never told anyone about the night at the lake"
TOKEN = "123456:TEST"


def settings(db_url: str, *keys: str, **extra: object) -> Settings:
    values: dict[str, object] = {"telegram_token": TOKEN, **extra}
    return Settings(
        database_url=db_url,
        encryption_key=",".join(keys),  # type: ignore[arg-type]
        **values,  # type: ignore[arg-type]
    )


def lines(report: Report, level: Level | None = None, topic: str | None = None) -> list[str]:
    return [
        f.text
        for f in report.findings
        if (level is None or f.level is level) and (topic is None or f.topic == topic)
    ]


async def add_participant(
    storage: Storage, clock: FakeClock, code: str, telegram_id: int, **fields: object
) -> Person:
    async with storage.uow() as uow:
        person = await uow.people.add(
            Person(
                id=0,
                role=Role.PARTICIPANT,
                code=code,
                timezone=str(fields.pop("tz", "UTC")),
                created_at=clock.now(),
                status=PersonStatus.ACTIVE,
                telegram_user_id=telegram_id,
                chat_id=telegram_id,
                **fields,  # type: ignore[arg-type]
            )
        )
        await uow.commit()
    return person


async def journal_something(storage: Storage, clock: FakeClock) -> None:
    person = await add_participant(storage, clock, "P-0142", 5_013_377, locale="DE")
    async with storage.uow() as uow:
        message = InboundMessage(Sender(1, 5_013_377, 5_013_377), 10, "text", SECRET)
        await journal_service.record_message(
            uow, now=clock.now(), participant=person, message=message
        )
        await uow.commit()


class TestDatabaseAndKeys:
    async def test_a_sound_installation_has_no_problem_and_shows_nothing_stored(
        self, storage: Storage, clock: FakeClock, db_url: str, key: str
    ) -> None:
        await journal_something(storage, clock)
        report = await diagnose(settings(db_url, key), offline=True, clock=clock)
        assert report.exit_code == 0, [str(f) for f in report.findings]
        assert lines(report, Level.PROBLEM) == []
        (database,) = lines(report, Level.OK, "database")
        assert f"schema at the latest revision ({head_revision()})" in database
        assert any("sampled stored values open" in line for line in lines(report, Level.OK))
        output = "\n".join(str(f) for f in report.findings)
        for private in (SECRET, "5013377", "night at the lake", key):
            assert private not in output
        assert all("\n" not in str(f) for f in report.findings)

    async def test_values_no_configured_key_opens_are_a_problem_naming_the_tables(
        self, storage: Storage, clock: FakeClock, db_url: str
    ) -> None:
        await journal_something(storage, clock)
        report = await diagnose(settings(db_url, generate_key()), offline=True, clock=clock)
        assert report.exit_code == 1
        (problem,) = lines(report, Level.PROBLEM, "keys")
        assert "cannot be opened with EMBER_ENCRYPTION_KEY" in problem
        assert "journal_messages" in problem
        assert SECRET not in problem

    async def test_values_sealed_with_an_older_key_are_a_warning(
        self, storage: Storage, clock: FakeClock, db_url: str, key: str
    ) -> None:
        await journal_something(storage, clock)
        report = await diagnose(settings(db_url, generate_key(), key), offline=True, clock=clock)
        assert report.exit_code == 0
        (warning,) = lines(report, Level.WARNING, "keys")
        assert "sealed with an older key" in warning and "ember keys rotate" in warning

    async def test_an_unreachable_database_is_one_line(self, clock: FakeClock, key: str) -> None:
        url = "postgresql+asyncpg://ember@127.0.0.1:1/nowhere"
        report = await diagnose(settings(url, key), offline=True, clock=clock)
        (problem,) = lines(report, Level.PROBLEM, "database")
        assert "cannot open the database" in problem and "127.0.0.1:1/nowhere" in problem

    async def test_a_database_behind_is_a_problem_saying_what_to_run(
        self, tmp_path: Path, clock: FakeClock, key: str
    ) -> None:
        url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        await asyncio.to_thread(upgrade, url, "0003")
        report = await diagnose(settings(url, key), offline=True, clock=clock)
        (problem,) = lines(report, Level.PROBLEM, "database")
        assert "at revision 0003" in problem and "ember db upgrade" in problem

    async def test_a_missing_sqlite_file_is_reported_not_created(
        self, tmp_path: Path, clock: FakeClock, key: str
    ) -> None:
        path = tmp_path / "absent.db"
        report = await diagnose(
            settings(f"sqlite+aiosqlite:///{path}", key), offline=True, clock=clock
        )
        (problem,) = lines(report, Level.PROBLEM, "database")
        assert "does not exist" in problem
        assert not path.exists()


class TestBacklogAndCrisisLines:
    async def test_an_alert_not_sent_for_minutes_is_a_problem_failures_a_warning(
        self, storage: Storage, clock: FakeClock, db_url: str, key: str
    ) -> None:
        async with storage.uow() as uow:
            await uow.outbox.enqueue(
                key="alert:1:0:1",
                chat_id=5,
                message=Outgoing("a"),
                kind="alert",
                now=clock.now(),
                priority=10,
            )
            await uow.outbox.enqueue(
                key="prompt:1", chat_id=6, message=Outgoing("p"), kind="prompt", now=clock.now()
            )
            (claimed,) = await uow.outbox.claim(worker="w", now=clock.now(), limit=1)
            await uow.commit()
        async with storage.uow() as uow:
            await uow.outbox.mark_failed(claimed.id, error="blocked")
            await uow.commit()
        clock.advance(timedelta(minutes=5))
        report = await diagnose(settings(db_url, key), offline=True, clock=clock)
        assert report.exit_code == 0  # the alert failed; only a prompt is waiting
        assert any("given up on" in w for w in lines(report, Level.WARNING, "backlog"))
        async with storage.uow() as uow:
            await uow.outbox.enqueue(
                key="alert:2:0:1",
                chat_id=5,
                message=Outgoing("a"),
                kind="alert",
                now=clock.now(),
                priority=10,
            )
            await uow.commit()
        clock.advance(timedelta(minutes=2))
        report = await diagnose(settings(db_url, key), offline=True, clock=clock)
        (problem,) = lines(report, Level.PROBLEM, "backlog")
        assert problem.startswith("safety messages or alerts waiting 120 s")
        assert report.exit_code == 1

    async def test_crisis_lines_are_checked_for_every_participants_region_and_language(
        self, storage: Storage, clock: FakeClock, db_url: str, key: str
    ) -> None:
        await add_participant(storage, clock, "P-1", 1001, tz="Europe/Berlin")
        await add_participant(storage, clock, "P-2", 1002, locale="IT", tz="Europe/Rome")
        await add_participant(storage, clock, "P-3", 1003, tz="Asia/Tokyo")
        await add_participant(storage, clock, "P-4", 1004, tz="America/Chicago", language="pt")
        report = await diagnose(settings(db_url, key), offline=True, clock=clock)
        (problem,) = lines(report, Level.PROBLEM, "crisis")
        assert "1 participant(s) have region IT" in problem
        warnings = lines(report, Level.WARNING, "crisis")
        assert any("1 participant(s) are shown only the general (INTL)" in w for w in warnings)
        assert any("language 'pt'" in w for w in warnings)
        assert report.exit_code == 1

    async def test_every_region_with_lines_is_ok(
        self, storage: Storage, clock: FakeClock, db_url: str, key: str
    ) -> None:
        await add_participant(storage, clock, "P-1", 1001, tz="Europe/Berlin")
        await add_participant(storage, clock, "P-2", 1002, locale="us", tz="Asia/Tokyo")
        report = await diagnose(settings(db_url, key), offline=True, clock=clock)
        assert lines(report, Level.OK, "crisis") == [
            "crisis lines found for every participant (by region: DE 1, US 1)"
        ]
        assert lines(report, Level.WARNING, "crisis") == []


class TestSettings:
    def test_each_bad_setting_is_its_own_problem_line(self) -> None:
        report = Report()
        check_configuration(
            report,
            Settings(),
            {
                "timezone": "EMBER_TIMEZONE 'Mars' is not an IANA time zone",
                "log_format": "EMBER_LOG_FORMAT must be text or json",
            },
        )
        problems = lines(report, Level.PROBLEM, "config")
        assert problems[:2] == [
            "EMBER_TIMEZONE 'Mars' is not an IANA time zone",
            "EMBER_LOG_FORMAT must be text or json",
        ]
        assert any(p.startswith("EMBER_TELEGRAM_TOKEN is not set") for p in problems)
        assert any(p.startswith("EMBER_ENCRYPTION_KEY is not set") for p in problems)

    @pytest.mark.parametrize(
        ("url", "secret", "expected"),
        [
            ("https://ember.example.org/tg", None, "EMBER_WEBHOOK_SECRET is not set"),
            ("https://ember.example.org/tg", "short", "shorter than 16"),
            ("https://ember.example.org:9443/tg", "x" * 32, "uses port 9443"),
            ("http://127.0.0.1:8080/tg", "x" * 32, "Telegram posts only to https://"),
        ],
    )
    def test_webhook_settings_telegram_would_refuse_are_named(
        self, url: str, secret: str | None, expected: str
    ) -> None:
        report = Report()
        check_webhook(report, Settings(webhook_url=url, webhook_secret=secret), {})  # type: ignore[arg-type]
        assert any(expected in line for line in lines(report))
        assert lines(report, Level.OK) == []

    def test_sane_webhook_settings_are_ok(self) -> None:
        report = Report()
        check_webhook(
            report,
            Settings(
                webhook_url="https://ember.example.org/tg",  # type: ignore[arg-type]
                webhook_secret="x" * 32,
            ),  # type: ignore[arg-type]
            {},
        )
        assert [f.level for f in report.findings] == [Level.OK]


class TestScreener:
    def test_the_shipped_screener_loads_with_its_learned_layer(self) -> None:
        report = Report()
        check_screener(report)
        assert lines(report) == ["rules and learned layer load"]

    def test_a_missing_learned_layer_is_a_problem(self, tmp_path: Path) -> None:
        report = Report()
        check_screener(report, model_dir=tmp_path)  # an install without the model files
        (problem,) = lines(report, Level.PROBLEM, "screener")
        assert "learned layer" in problem and "incomplete" in problem


class TestTelegram:
    async def test_token_accepted_and_no_webhook_while_polling(
        self, sqlite_url: str, key: str
    ) -> None:
        async with FakeTelegram() as tg:
            report = await diagnose(settings(sqlite_url, key, telegram_api_url=f"{tg.url}/bot"))
        assert report.exit_code == 0, [str(f) for f in report.findings]
        ok = lines(report, Level.OK, "telegram")
        assert ok[0] == f"reachable at {tg.url}/bot<token>; token accepted (@ember_test_bot)"

    async def test_a_refused_token_is_a_problem_without_the_token(
        self, sqlite_url: str, key: str
    ) -> None:
        async with FakeTelegram() as tg:
            wrong = settings(
                sqlite_url, key, telegram_api_url=f"{tg.url}/bot", telegram_token="123456:NOPE"
            )
            report = await diagnose(wrong)
        (problem,) = lines(report, Level.PROBLEM, "telegram")
        assert "Telegram refuses EMBER_TELEGRAM_TOKEN" in problem and "NOPE" not in problem

    async def test_a_webhook_left_registered_while_polling_is_a_problem(
        self, sqlite_url: str, key: str
    ) -> None:
        async with FakeTelegram() as tg:
            from telegram import Bot

            async with Bot(tg.token, base_url=tg.base_url) as bot:
                await bot.set_webhook("https://old.example.org/hook")
            report = await diagnose(settings(sqlite_url, key, telegram_api_url=f"{tg.url}/bot"))
            await tg.stop()
        (problem,) = lines(report, Level.PROBLEM, "telegram")
        assert "polling receives nothing" in problem
        assert "old.example.org" not in problem

    async def test_the_registered_webhook_is_compared_with_the_setting(
        self, sqlite_url: str, key: str
    ) -> None:
        async with FakeTelegram() as tg:
            from telegram import Bot

            url = "http://127.0.0.1:9/hook"  # nothing listens: deliveries fail
            configured = settings(
                sqlite_url,
                key,
                telegram_api_url=f"{tg.url}/bot",
                webhook_url=url,
                webhook_secret="x" * 32,
            )
            none_yet = await diagnose(configured)
            async with Bot(tg.token, base_url=tg.base_url) as bot:
                await bot.set_webhook(url, secret_token="x" * 32)
            tg.user(4242).send_text("a word from the lake")
            await tg.wait_until(lambda: bool(tg.webhook_attempts), timeout=5)
            registered = await diagnose(configured)
            await tg.stop()
        assert any(
            "no webhook is registered yet" in w for w in lines(none_yet, Level.WARNING, "telegram")
        )
        assert any(
            "Telegram posts to EMBER_WEBHOOK_URL" in o
            for o in lines(registered, Level.OK, "telegram")
        )
        assert any(
            "last webhook delivery failed" in w
            for w in lines(registered, Level.WARNING, "telegram")
        )
        assert "lake" not in "\n".join(lines(registered))


def test_the_command_prints_one_line_a_finding_and_exits_by_the_worst(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
    env.update(
        PYTHONPATH=str(ROOT),
        EMBER_ENCRYPTION_KEY=generate_key(),
        EMBER_TELEGRAM_TOKEN=TOKEN,
        EMBER_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'e.db'}",
    )

    def doctor(**extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", "doctor", "--offline"],
            cwd=tmp_path,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=60,
        )

    missing = doctor()
    assert missing.returncode == 1
    assert "problem  database:" in missing.stdout and "ember db upgrade" in missing.stdout
    upgrade(env["EMBER_DATABASE_URL"])
    sound = doctor()
    assert sound.returncode == 0, sound.stdout
    assert sound.stdout.splitlines()[-1] == "doctor: 0 problems, 0 warnings"
    assert all(line.split()[0] in ("ok", "doctor:") for line in sound.stdout.splitlines())
    bad = doctor(EMBER_LOG_FORMAT="xml", EMBER_TIMEZONE="Mars/Olympus")
    assert bad.returncode == 1
    assert "problem  config: EMBER_LOG_FORMAT must be text or json" in bad.stdout
    assert "problem  config: EMBER_TIMEZONE " in bad.stdout
    assert TOKEN not in bad.stdout + bad.stderr
