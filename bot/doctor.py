"""``ember doctor``: is this installation fit to run? One line per finding, each ok, warning
or problem; any problem makes the command exit 1.

What it looks at, in order: every setting (each bad one named), webhook settings, the
screener's files (rules and learned layer installed), the database (reachable, migrated to
the latest revision), the encryption keys (a sample of stored values opened), the outbox
and inbox (backlog, failures), crisis resources for the regions and languages
participants are in, and Telegram (token accepted, webhook as configured; left out with
``--offline``). Its output holds counts, table names, setting names and the bot's own
handle: never stored text, names or Telegram ids.
"""

from __future__ import annotations

import asyncio
import enum
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from bot.clock import Clock, SystemClock
from bot.config import DEFAULT_API_URL, Settings, is_local_host
from bot.domain.operations import age, assess
from bot.domain.people import Role
from bot.errors import EmberError
from bot.services.flags import SAFETY_PRIORITY
from storage.crypto import Cipher
from storage.db import create_engine, describe, missing_file, session_factory
from storage.migrate import current_revision, head_revision, unreachable
from storage.sealed import sample
from storage.uow import Storage

# the ports Telegram's own servers will post a webhook to
TELEGRAM_WEBHOOK_PORTS = (443, 80, 88, 8443)
SHORT_SECRET = 16


class Level(enum.StrEnum):
    OK = "ok"
    WARNING = "warning"  # works, but deserves a look
    PROBLEM = "problem"  # Ember will not work as promised until this is fixed


@dataclass(frozen=True)
class Finding:
    level: Level
    topic: str
    text: str

    def __str__(self) -> str:
        return f"{self.level.value:<8} {self.topic}: {self.text}"


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)

    def add(self, level: Level, topic: str, text: str) -> None:
        self.findings.append(Finding(level, topic, " ".join(text.split())))

    def count(self, level: Level) -> int:
        return sum(1 for f in self.findings if f.level is level)

    @property
    def exit_code(self) -> int:
        return 1 if self.count(Level.PROBLEM) else 0

    def summary(self) -> str:
        problems, warnings = self.count(Level.PROBLEM), self.count(Level.WARNING)
        return (
            f"{problems} problem{'s' * (problems != 1)}, {warnings} warning{'s' * (warnings != 1)}"
        )


def _uses_telegram_servers(settings: Settings) -> bool:
    return settings.telegram_api_url.rstrip("/") == DEFAULT_API_URL


# -- settings ----------------------------------------------------------------------------


def check_configuration(report: Report, settings: Settings, bad: Mapping[str, str]) -> None:
    for line in bad.values():
        report.add(Level.PROBLEM, "config", line)
    if "telegram_token" not in bad and settings.telegram_token is None:
        report.add(
            Level.PROBLEM,
            "config",
            "EMBER_TELEGRAM_TOKEN is not set: `ember run` needs the token @BotFather gave you",
        )
    if "encryption_key" not in bad and not settings.encryption_keys:
        report.add(
            Level.PROBLEM,
            "config",
            "EMBER_ENCRYPTION_KEY is not set: make one with `ember keygen` (journal text is "
            "sealed with it; keep a copy apart from the database backups)",
        )
    if not report.findings:
        report.add(Level.OK, "config", "every setting is valid")


def check_webhook(report: Report, settings: Settings, bad: Mapping[str, str]) -> None:
    if "webhook_url" in bad:
        return  # already reported
    if settings.webhook_url is None:
        report.add(Level.OK, "webhook", "EMBER_WEBHOOK_URL is not set: Ember polls Telegram")
        return
    parts = urlsplit(settings.webhook_url)
    fine = True
    if "webhook_secret" not in bad and settings.webhook_secret is None:
        fine = False
        report.add(
            Level.PROBLEM,
            "webhook",
            "EMBER_WEBHOOK_SECRET is not set: webhook mode refuses to start without it "
            "(e.g. `openssl rand -hex 32`)",
        )
    elif (
        settings.webhook_secret is not None
        and len(settings.webhook_secret.get_secret_value()) < SHORT_SECRET
    ):
        fine = False
        report.add(
            Level.WARNING,
            "webhook",
            f"EMBER_WEBHOOK_SECRET is shorter than {SHORT_SECRET} characters; a long "
            "random one (`openssl rand -hex 32`) cannot be guessed",
        )
    if _uses_telegram_servers(settings):
        if parts.scheme != "https":
            fine = False
            report.add(
                Level.PROBLEM,
                "webhook",
                "EMBER_WEBHOOK_URL is plain http://: Telegram posts only to https:// URLs",
            )
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if port not in TELEGRAM_WEBHOOK_PORTS:
            fine = False
            report.add(
                Level.PROBLEM,
                "webhook",
                f"EMBER_WEBHOOK_URL uses port {port}: Telegram posts only to ports "
                "443, 80, 88 or 8443 (let the reverse proxy listen there)",
            )
    if fine:
        where = (
            "this machine only, behind a reverse proxy"
            if is_local_host(settings.listen_host)
            else "every interface (" + settings.listen_host + "); put TLS in front"
        )
        report.add(
            Level.OK,
            "webhook",
            f"https URL and secret set; Ember listens on port {settings.listen_port}, {where}",
        )


# -- database ----------------------------------------------------------------------------


async def check_database(
    report: Report, settings: Settings, bad: Mapping[str, str], clock: Clock
) -> None:
    if "database_url" in bad:
        return
    where = describe(settings.database_url)
    if missing_file(settings.database_url):
        report.add(
            Level.PROBLEM,
            "database",
            f"{where} does not exist: run `ember db upgrade` to create it",
        )
        return
    engine = create_engine(settings.database_url)
    try:
        try:
            current = await current_revision(engine)
        except Exception as exc:  # whatever the driver raises: one line
            report.add(Level.PROBLEM, "database", f"{where}: {unreachable(exc)}")
            return
        head = head_revision()
        if current != head:
            report.add(
                Level.PROBLEM,
                "database",
                f"{where} is at revision {current or '(empty)'}, this Ember needs {head}: "
                "run `ember db upgrade`",
            )
            return
        report.add(
            Level.OK, "database", f"{where} reachable, schema at the latest revision ({head})"
        )
        if not settings.encryption_keys:
            report.add(
                Level.WARNING,
                "keys",
                "not checked: EMBER_ENCRYPTION_KEY is not set (nor the checks that need it)",
            )
            return
        storage = Storage(session_factory(engine), Cipher(settings.encryption_keys))
        await check_keys(report, storage)
        await check_backlog(report, storage, clock)
        await check_crisis_resources(report, storage)
    finally:
        await engine.dispose()


async def check_keys(report: Report, storage: Storage) -> None:
    async with storage.sessions() as session:
        values = await sample(session)
    if not values:
        report.add(Level.OK, "keys", "nothing sealed is stored yet")
        return
    closed: Counter[str] = Counter()
    older = 0
    for value in values:
        index = storage.cipher.key_index(value.token)  # which key sealed it (0: the first)
        if index is None:
            closed[value.table] += 1
        elif index > 0:
            older += 1
    if closed:
        tables = ", ".join(f"{table} {n}" for table, n in sorted(closed.items()))
        report.add(
            Level.PROBLEM,
            "keys",
            f"{sum(closed.values())} of {len(values)} sampled stored values cannot be opened "
            f"with EMBER_ENCRYPTION_KEY ({tables}): the key that sealed them is missing",
        )
        return
    report.add(
        Level.OK, "keys", f"all {len(values)} sampled stored values open with the configured keys"
    )
    if older:
        report.add(
            Level.WARNING,
            "keys",
            f"{older} of {len(values)} sampled values are sealed with an older key: "
            "`ember keys rotate` re-seals them under the first key",
        )


async def check_backlog(report: Report, storage: Storage, clock: Clock) -> None:
    now = clock.now()
    async with storage.uow() as uow:
        outbox = await uow.outbox.backlog(now=now, urgent_priority=SAFETY_PRIORITY)
        inbox = await uow.inbox.backlog()
    health = assess(now, outbox, inbox)
    for problem in health.problems:
        report.add(Level.PROBLEM, "backlog", f"{problem} (is `ember run` running?)")
    lag = age(outbox.oldest_due, now)
    waiting = age(inbox.oldest_unprocessed, now)
    if not health.problems:
        report.add(
            Level.OK,
            "backlog",
            f"outbox: {outbox.due} due"
            + (f", oldest waiting {lag:.0f} s" if lag is not None else "")
            + f"; inbox: {inbox.unprocessed} unhandled"
            + (f", oldest waiting {waiting:.0f} s" if waiting is not None else ""),
        )
    if outbox.failed:
        report.add(
            Level.WARNING,
            "backlog",
            f"{outbox.failed} outgoing message(s) were given up on (blocked bot, chat gone or "
            "retries exhausted); the outbox keeps why",
        )
    if inbox.retrying:
        report.add(
            Level.WARNING,
            "backlog",
            f"{inbox.retrying} incoming update(s) failed and wait to be tried again (a "
            "database or network problem passes by itself; the log says which)",
        )
    if inbox.failed:
        report.add(
            Level.WARNING,
            "backlog",
            f"{inbox.failed} incoming update(s) are parked (failed again and again, or no "
            "key opens them), kept sealed: `ember status` lists them, `ember requeue` "
            "hands them back once the cause is mended",
        )


async def check_crisis_resources(report: Report, storage: Storage) -> None:
    from prompts.catalogue import crisis_resources, default_catalogue

    try:
        resources = crisis_resources()
        catalogue = default_catalogue()
    except EmberError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        report.add(Level.PROBLEM, "crisis", f"the crisis resources cannot be read: {first}")
        return
    async with storage.uow() as uow:
        participants = await uow.people.with_role(Role.PARTICIPANT)
    unknown: Counter[str] = Counter()
    regions: Counter[str] = Counter()
    fallback_language: Counter[str] = Counter()
    for person in participants:
        if person.locale and person.locale.upper() not in resources.regions:
            unknown[person.locale.upper()] += 1
        regions[resources.region_for(person.locale, person.timezone)] += 1
        if not catalogue.supports(person.lang):
            fallback_language[person.lang] += 1
    for region, n in sorted(unknown.items()):
        report.add(
            Level.PROBLEM,
            "crisis",
            f"{n} participant(s) have region {region}, which has no crisis lines in "
            f"prompts/crisis_resources.yaml; they are shown the {resources.default} lines",
        )
    if regions.get(resources.default):
        report.add(
            Level.WARNING,
            "crisis",
            f"{regions[resources.default]} participant(s) are shown only the general "
            f"({resources.default}) crisis lines: no region set and their time zone implies "
            "none; give them a region (`--region`)",
        )
    for lang, n in sorted(fallback_language.items()):
        report.add(
            Level.WARNING,
            "crisis",
            f"{n} participant(s) use language {lang!r}, which the catalogue lacks: they read "
            "the crisis lines in English",
        )
    if not participants:
        report.add(Level.OK, "crisis", "no participants yet")
    elif not unknown:
        shown = ", ".join(f"{region} {n}" for region, n in sorted(regions.items()))
        report.add(
            Level.OK, "crisis", f"crisis lines found for every participant (by region: {shown})"
        )


def check_screener(report: Report, model_dir: Path | None = None) -> None:
    """The screening rules load and the learned layer is installed (a packaging slip would
    leave the screener on its rules alone, and nothing else would say so)."""
    from prompts.screening_loader import default_screener
    from prompts.screening_model import load_model

    try:
        model = load_model(model_dir)
        default_screener()
    except (EmberError, ValueError, OSError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        report.add(Level.PROBLEM, "screener", f"the screening files cannot be read: {first}")
        return
    if model is None:
        report.add(
            Level.PROBLEM,
            "screener",
            "the learned layer (prompts/screening/model) is missing: this installation is "
            "incomplete, and the screener would read texts with its rules alone",
        )
        return
    report.add(Level.OK, "screener", "rules and learned layer load")


# -- Telegram ----------------------------------------------------------------------------


async def check_telegram(report: Report, settings: Settings, *, wait: float = 10.0) -> None:
    from telegram import Bot
    from telegram.error import InvalidToken, TelegramError
    from telegram.request import HTTPXRequest

    from bot.app import file_url
    from bot.startup import describe as describe_error

    if settings.telegram_token is None:
        return  # reported with the settings
    shown = settings.api_url_shown
    bot = Bot(
        settings.telegram_token.get_secret_value(),
        base_url=settings.telegram_api_url,
        base_file_url=file_url(settings.telegram_api_url),
        request=HTTPXRequest(connect_timeout=wait, read_timeout=wait),
    )
    try:
        try:
            await bot.initialize()  # getMe
        except InvalidToken:
            report.add(
                Level.PROBLEM,
                "telegram",
                f"getMe at {shown} answered 401/404: Telegram refuses EMBER_TELEGRAM_TOKEN",
            )
            return
        except TelegramError as exc:
            report.add(
                Level.PROBLEM,
                "telegram",
                f"cannot reach Telegram at {shown} ({describe_error(exc, settings)}): check "
                "the network (firewall, proxy, DNS) and EMBER_TELEGRAM_API_URL",
            )
            return
        report.add(Level.OK, "telegram", f"reachable at {shown}; token accepted ({bot.name})")
        try:
            info = await bot.get_webhook_info()
        except TelegramError as exc:
            report.add(
                Level.WARNING,
                "telegram",
                f"getWebhookInfo failed ({describe_error(exc, settings)})",
            )
            return
        check_registered_webhook(
            report,
            settings,
            info.url,
            info.pending_update_count,
            info.last_error_date,
            info.last_error_message,
        )
    finally:
        await bot.shutdown()


def check_registered_webhook(
    report: Report,
    settings: Settings,
    registered: str | None,
    pending: int,
    last_error_at: datetime | None,
    last_error: str | None,
) -> None:
    """What Telegram has on record against what the settings say (webhook mode is
    EMBER_WEBHOOK_URL being set)."""
    if settings.webhook_url is None:
        if registered:
            report.add(
                Level.PROBLEM,
                "telegram",
                "a webhook is registered with Telegram, so polling receives nothing (409 "
                "Conflict): set EMBER_WEBHOOK_URL and run `ember run --webhook`, or delete "
                "the webhook",
            )
        else:
            report.add(Level.OK, "telegram", f"no webhook registered; {pending} update(s) waiting")
        return
    if not registered:
        report.add(
            Level.WARNING,
            "telegram",
            "no webhook is registered yet: `ember run --webhook` registers EMBER_WEBHOOK_URL",
        )
    elif registered != settings.webhook_url:
        report.add(
            Level.WARNING,
            "telegram",
            "Telegram posts to another URL than EMBER_WEBHOOK_URL: `ember run --webhook` "
            "registers the configured one",
        )
    else:
        report.add(
            Level.OK,
            "telegram",
            f"Telegram posts to EMBER_WEBHOOK_URL; {pending} update(s) waiting",
        )
    if last_error:
        when = f" at {last_error_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if last_error_at else ""
        report.add(
            Level.WARNING,
            "telegram",
            f"Telegram's last webhook delivery failed{when}: {last_error}",
        )


async def diagnose(
    settings: Settings,
    bad: Mapping[str, str] | None = None,
    *,
    offline: bool = False,
    clock: Clock | None = None,
) -> Report:
    """Every check, in order; ``bad`` holds the settings that could not be read."""
    bad = bad or {}
    clock = clock or SystemClock()
    report = Report()
    check_configuration(report, settings, bad)
    check_webhook(report, settings, bad)
    await asyncio.to_thread(check_screener, report)
    await check_database(report, settings, bad, clock)
    if offline:
        report.add(Level.OK, "telegram", "not checked (--offline)")
    else:
        await check_telegram(report, settings)
    return report
