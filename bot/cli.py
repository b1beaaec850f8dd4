"""The ``ember`` command line: everything a coordinator does, scriptable (typer)."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer

from bot.clock import SystemClock
from bot.config import Settings, load_settings
from bot.errors import EmberError
from bot.errors import NotFound as NotFoundError
from storage.crypto import Cipher, generate_key
from storage.db import create_engine, session_factory
from storage.uow import Storage

T = TypeVar("T")

app = typer.Typer(
    name="ember",
    help="Ember: integration prompts, journals and safety alerts between therapy sessions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema (migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")


def fail(message: str, code: int = 1) -> None:
    typer.echo(f"ember: {message}", err=True)
    raise typer.Exit(code)


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except EmberError as exc:
        fail(str(exc))
        raise  # unreachable


def run_async(make: Callable[[], Awaitable[T]]) -> T:
    try:
        return asyncio.run(make())  # type: ignore[arg-type]
    except EmberError as exc:
        fail(str(exc))
        raise  # unreachable
    except OSError as exc:
        fail(f"cannot reach Telegram ({exc}); check EMBER_TELEGRAM_API_URL and the network")
        raise


@contextlib.asynccontextmanager
async def open_storage(settings: Settings) -> AsyncIterator[Storage]:
    """Storage for one CLI command, refusing a database that is behind."""
    from storage.migrate import require_up_to_date

    engine = create_engine(settings.database_url)
    try:
        await require_up_to_date(engine)
        yield Storage(session_factory(engine), Cipher(settings.require_keys()))
    finally:
        await engine.dispose()


def setup_logging(verbose: bool) -> None:
    from bot import logs

    logs.configure(verbose)


@app.command()
def run(
    webhook: Annotated[
        bool, typer.Option("--webhook", help="Receive updates by webhook (EMBER_WEBHOOK_URL).")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
) -> None:
    """Run the bot (long polling by default)."""
    settings = settings_or_exit()
    try:
        settings.require_token()
        settings.require_keys()
        if webhook and settings.webhook_url is None:
            fail("EMBER_WEBHOOK_URL is not set: webhook mode needs the public https:// URL")
        if not webhook and settings.webhook_url is not None:
            settings = settings.model_copy(update={"webhook_url": None})
    except EmberError as exc:
        fail(str(exc))
    setup_logging(verbose)
    from telegram.error import InvalidToken

    from bot.app import run_until_stopped

    try:
        run_async(lambda: run_until_stopped(settings))
    except InvalidToken:
        fail("EMBER_TELEGRAM_TOKEN was refused by Telegram: check the token from @BotFather")


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Create or migrate the database schema to the latest version."""
    from sqlalchemy.exc import DBAPIError

    from storage.migrate import unreachable, upgrade

    settings = settings_or_exit()
    try:
        upgrade(settings.database_url, revision)
    except (OSError, DBAPIError) as exc:
        fail(unreachable(exc))
    typer.echo(f"database is at revision {revision}")


@db_app.command("current")
def db_current() -> None:
    """Show the database's schema revision and whether it is up to date."""
    from storage.migrate import current_revision, head_revision

    settings = settings_or_exit()

    async def show() -> str | None:
        engine = create_engine(settings.database_url)
        try:
            return await current_revision(engine)
        finally:
            await engine.dispose()

    current = run_async(show)
    head = head_revision()
    state = "up to date" if current == head else "behind: run `ember db upgrade`"
    typer.echo(f"revision {current or '(empty)'}; latest {head}; {state}")


@app.command()
def keygen() -> None:
    """Print a new encryption key for EMBER_ENCRYPTION_KEY.

    To rotate: put the new key first and keep the old ones after it, comma-separated.
    """
    typer.echo(generate_key())


async def bot_username(settings: Settings) -> str:
    """The bot's @username via getMe, or a placeholder when no token is configured."""
    if settings.telegram_token is None:
        return "<your_bot_username>"
    from telegram import Bot

    from bot.app import file_url

    bot = Bot(
        settings.telegram_token.get_secret_value(),
        base_url=settings.telegram_api_url,
        base_file_url=file_url(settings.telegram_api_url),
    )
    try:
        async with bot:
            return bot.username
    except Exception:
        return "<your_bot_username>"


@app.command()
def invite(
    role: Annotated[str, typer.Argument(help="participant, therapist or coordinator")],
    code: Annotated[str, typer.Argument(help="Their code: P-0142, T-01, C-01")],
    therapist: Annotated[
        str | None, typer.Option(help="Assigned therapist's code (participants)")
    ] = None,
    tz: Annotated[str | None, typer.Option(help="IANA time zone, e.g. Europe/Berlin")] = None,
    lang: Annotated[str, typer.Option(help="Language: en, de, es, fr")] = "en",
    name: Annotated[str | None, typer.Option(help="Display name (staff only)")] = None,
    region: Annotated[
        str | None, typer.Option(help="Crisis-resource region: US, GB, DE, ES, FR, EU")
    ] = None,
    days: Annotated[int, typer.Option(help="Days until the link expires")] = 7,
) -> None:
    """Create a single-use invitation and print its deep link."""
    from datetime import timedelta

    from bot.services.enrollment import deep_link
    from bot.services.enrollment import invite as do_invite
    from storage.models import Role

    settings = settings_or_exit()
    try:
        role_value = Role(role.lower())
    except ValueError:
        fail("ROLE must be participant, therapist or coordinator")
        raise

    async def go() -> tuple[Any, str]:
        async with open_storage(settings) as storage, storage.uow() as uow:
            created = await do_invite(
                uow,
                now=SystemClock().now(),
                role=role_value,
                code=code,
                timezone=tz or settings.timezone,
                language=lang,
                name=name,
                therapist_code=therapist,
                locale=region,
                ttl=timedelta(days=days),
            )
            await uow.commit()
        return created, await bot_username(settings)

    try:
        created, username = run_async(go)
    except ValueError as exc:
        fail(str(exc))
        raise
    typer.echo(
        f"Invitation for {created.person_code} ({created.role.value}), "
        f"expires {created.expires_at:%Y-%m-%d %H:%M} UTC:"
    )
    typer.echo(deep_link(username, created.raw_code))


# -- protocols, sessions, schedules ---------------------------------------------------

protocol_app = typer.Typer(help="Prompt protocols (YAML files in prompts/).", no_args_is_help=True)
session_app = typer.Typer(
    help="Treatment sessions that prompts are timed from.", no_args_is_help=True
)
app.add_typer(protocol_app, name="protocol")
app.add_typer(session_app, name="session")


def _services_call(settings: Settings, use: Callable[[Any], Awaitable[T]]) -> T:
    """Run ``use(services)`` against the database, without Telegram."""
    from bot.services.api import Services
    from bot.services.context import ServiceContext
    from prompts.catalogue import default_catalogue

    async def go() -> T:
        async with open_storage(settings) as storage:
            ctx = ServiceContext(
                storage=storage,
                clock=SystemClock(),
                catalogue=default_catalogue(),
                default_timezone=settings.timezone,
            )
            return await use(Services(ctx))

    return run_async(go)


@protocol_app.command("validate")
def protocol_validate(
    files: Annotated[list[str], typer.Argument(help="Protocol YAML files")],
) -> None:
    """Check protocol files; every problem is printed as file:line: reason."""
    from prompts.protocols import validate_protocol_file

    bad = 0
    for name in files:
        errors = validate_protocol_file(name)
        for error in errors:
            typer.echo(str(error), err=True)
        if errors:
            bad += 1
        else:
            typer.echo(f"{name}: ok")
    if bad:
        raise typer.Exit(1)


@protocol_app.command("load")
def protocol_load(file: Annotated[str, typer.Argument(help="Protocol YAML file")]) -> None:
    """Validate and load (or replace) a protocol; everyone on it is replanned at once."""
    from pathlib import Path

    from bot.services import scheduling
    from prompts.protocols import ProtocolFileError, validate_protocol_file

    errors = validate_protocol_file(file)
    if errors:
        for error in errors:
            typer.echo(str(error), err=True)
        fail(f"{file} was not loaded: {len(errors)} problem(s); the running schedule is unchanged")
    source = Path(file).read_text(encoding="utf-8")
    settings = settings_or_exit()

    async def use(services: Any) -> scheduling.ProtocolLoaded:
        async with services.ctx.uow() as uow:
            loaded = await scheduling.load_protocol(
                uow, now=SystemClock().now(), source=source, source_name=file
            )
            await uow.commit()
            return loaded

    try:
        loaded = _services_call(settings, use)
    except ProtocolFileError as exc:
        fail(str(exc))
        raise
    verb = "replaced" if loaded.replaced else "loaded"
    typer.echo(
        f"{verb} {loaded.protocol.id} v{loaded.protocol.version} "
        f"({len(loaded.protocol.steps)} steps); "
        f"{loaded.participants_replanned} participants replanned"
    )


@protocol_app.command("list")
def protocol_list() -> None:
    """Loaded protocols and how many participants follow each."""
    settings = settings_or_exit()
    rows = _services_call(settings, lambda s: s.protocol_summary())
    if not rows:
        typer.echo("no protocols loaded")
    for row in rows:
        typer.echo(f"{row['id']} v{row['version']}: {row['name']} ({row['count']} participants)")


@protocol_app.command("assign")
def protocol_assign(
    code: Annotated[str, typer.Argument(help="Participant code")],
    protocol: Annotated[str, typer.Argument(help="Protocol id, e.g. mdma-integration")],
) -> None:
    """Put a participant on a protocol (their pending prompts follow it)."""
    from bot.services import scheduling
    from storage import people

    settings = settings_or_exit()

    async def use(services: Any) -> int:
        async with services.ctx.uow() as uow:
            participant = await people.by_code(uow, code)
            if participant is None or participant.role != "participant":
                raise NotFoundError(f"no participant {code}")
            n = await scheduling.assign_protocol(
                uow, now=SystemClock().now(), participant=participant, protocol_id=protocol
            )
            await uow.commit()
            return n

    pending = _services_call(settings, use)
    typer.echo(f"{code.upper()} follows {protocol}; {pending} prompts pending")


def _participant(services: Any, code: str) -> Awaitable[Any]:
    async def find() -> Any:
        from storage import people

        async with services.ctx.uow() as uow:
            found = await people.by_code(uow, code)
        if found is None or found.role != "participant":
            raise NotFoundError(f"no participant {code}")
        return found

    return find()


@session_app.command("add")
def session_add(
    code: Annotated[str, typer.Argument(help="Participant code")],
    kind: Annotated[str, typer.Argument(help="dosing, integration or preparation")],
    when: Annotated[str, typer.Argument(help="Local date and time: '2026-12-01 09:00'")],
) -> None:
    """Record a session (time in the participant's zone); its prompts are planned."""
    settings = settings_or_exit()

    async def use(services: Any) -> Any:
        participant = await _participant(services, code)
        return await services.add_session(None, participant, kind, when)

    try:
        view = _services_call(settings, use)
    except ValueError as exc:
        fail(str(exc))
        raise
    typer.echo(f"session #{view.id} {view.kind} at {view.local_time}")


@session_app.command("move")
def session_move(
    code: Annotated[str, typer.Argument(help="Participant code")],
    session_id: Annotated[int, typer.Argument(help="Session number")],
    when: Annotated[str, typer.Argument(help="New local date and time")],
) -> None:
    """Move a session; its pending prompts move with it."""
    settings = settings_or_exit()

    async def use(services: Any) -> Any:
        participant = await _participant(services, code)
        return await services.change_session(None, participant, session_id, when=when)

    try:
        view = _services_call(settings, use)
    except ValueError as exc:
        fail(str(exc))
        raise
    typer.echo(f"session #{view.id} moved to {view.local_time}")


@session_app.command("cancel")
def session_cancel(
    code: Annotated[str, typer.Argument(help="Participant code")],
    session_id: Annotated[int, typer.Argument(help="Session number")],
) -> None:
    """Cancel a session; its pending prompts are cancelled, sent ones stay recorded."""
    settings = settings_or_exit()

    async def use(services: Any) -> Any:
        participant = await _participant(services, code)
        return await services.change_session(None, participant, session_id, cancel=True)

    view = _services_call(settings, use)
    typer.echo(f"session #{view.id} cancelled")


@app.command()
def schedule(code: Annotated[str, typer.Argument(help="Participant code")]) -> None:
    """A participant's sessions and prompts, past and upcoming, in their local time."""
    settings = settings_or_exit()

    async def use(services: Any) -> str:
        participant = await _participant(services, code)
        return str(await services.schedule_view(participant))

    typer.echo(_services_call(settings, use))


@app.command()
def prompt(
    code: Annotated[str, typer.Argument(help="Participant code")],
    text: Annotated[str, typer.Argument(help="The question to send now")],
) -> None:
    """Send a one-off prompt now (the running bot delivers it)."""
    settings = settings_or_exit()

    async def use(services: Any) -> None:
        participant = await _participant(services, code)
        async with services.ctx.uow() as uow:
            from bot.services import scheduling

            await scheduling.one_off_prompt(
                uow, now=SystemClock().now(), participant=participant, text=text, author=None
            )
            await uow.commit()

    _services_call(settings, use)
    typer.echo(f"prompt queued for {code.upper()}")


# -- safety ---------------------------------------------------------------------------

therapist_app = typer.Typer(help="Therapists' settings.", no_args_is_help=True)
app.add_typer(therapist_app, name="therapist")


@app.command()
def screen(
    text: Annotated[str | None, typer.Argument(help="Text to check")] = None,
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help='Read {"id","text"} lines from stdin')
    ] = False,
    lang: Annotated[str | None, typer.Option(help="Language hint: en, de, es, fr")] = None,
) -> None:
    """The risk screener's verdict as JSON: tier, categories and evidence (rule, span, text)."""
    import json

    from prompts.screening_loader import default_screener

    screener = default_screener()
    if not jsonl:
        if text is None:
            fail("give a TEXT to check, or --jsonl with lines on standard input")
        typer.echo(json.dumps(screener.screen(text or "", lang).as_json(), ensure_ascii=False))
        return
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
            case_id, case_text = case["id"], case["text"]
            if not isinstance(case_text, str):
                raise TypeError("text must be a string")
        except (ValueError, KeyError, TypeError) as exc:
            typer.echo(
                f'ember: stdin line {number}: not a {{"id", "text"}} object ({exc})', err=True
            )
            raise typer.Exit(1) from None
        verdict = screener.screen(case_text, case.get("lang") or lang)
        typer.echo(json.dumps(verdict.as_json(str(case_id)), ensure_ascii=False))


@therapist_app.command("set")
def therapist_set(
    code: Annotated[str, typer.Argument(help="Therapist code, e.g. T-01")],
    backup: Annotated[str | None, typer.Option(help="Backup therapist's code")] = None,
    digest_at: Annotated[str | None, typer.Option(help="Local time of the daily digest")] = None,
    quiet: Annotated[
        str | None, typer.Option(help="Quiet hours for moderate alerts, e.g. 22:00-07:00")
    ] = None,
    tz: Annotated[str | None, typer.Option(help="IANA time zone")] = None,
) -> None:
    """Set a therapist's backup, digest time, quiet hours and time zone."""
    from bot.services import staffing

    settings = settings_or_exit()

    async def use(services: Any) -> Any:
        async with services.ctx.uow() as uow:
            person = await staffing.set_therapist(
                uow,
                now=SystemClock().now(),
                code=code,
                backup=backup,
                digest_at=digest_at,
                quiet=quiet,
                tz=tz,
            )
            await uow.commit()
            return person

    try:
        person = _services_call(settings, use)
    except ValueError as exc:
        fail(str(exc))
        raise
    typer.echo(
        f"{person.code}: zone {person.timezone}, digest at {person.digest_at or '-'}, "
        f"quiet {person.quiet_hours or '-'}, backup {backup.upper() if backup else '-'}"
    )


@app.command()
def oncall(code: Annotated[str, typer.Argument(help="Therapist code, e.g. T-02")]) -> None:
    """Set who receives escalations now (with the backup and the coordinators)."""
    from bot.services import staffing

    settings = settings_or_exit()

    async def use(services: Any) -> Any:
        async with services.ctx.uow() as uow:
            person = await staffing.set_oncall(uow, now=SystemClock().now(), code=code)
            await uow.commit()
            return person

    person = _services_call(settings, use)
    typer.echo(f"{person.code} is on call")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
