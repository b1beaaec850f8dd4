"""The ``ember`` command line: everything a coordinator does, scriptable (typer)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer

from bot.clock import SystemClock
from bot.config import Settings, load_settings
from bot.errors import EmberError
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
        fail(f"cannot reach the database or Telegram: {exc}")
        raise


@contextlib.asynccontextmanager
async def open_storage(settings: Settings) -> AsyncIterator[Storage]:
    """Storage for one CLI command, refusing a database that is behind."""
    from bot.errors import DatabaseBehind
    from storage.migrate import is_up_to_date

    engine = create_engine(settings.database_url)
    try:
        if not await is_up_to_date(engine):
            raise DatabaseBehind(
                "the database schema is behind this version of Ember: run `ember db upgrade`"
            )
        yield Storage(session_factory(engine), Cipher(settings.require_keys()))
    finally:
        await engine.dispose()


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request URL, and the URL holds the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


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
    from storage.migrate import upgrade

    settings = settings_or_exit()
    try:
        upgrade(settings.database_url, revision)
    except OSError as exc:
        fail(f"EMBER_DATABASE_URL: cannot reach the database ({exc})")
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


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
