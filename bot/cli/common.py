"""The ``ember`` typer app and the helpers its commands share."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from bot.errors import EmberError

if TYPE_CHECKING:  # the database and settings stack loads only for commands that use it
    from bot.config import Settings
    from storage.uow import Storage

T = TypeVar("T")

# sysexits.h's EX_CONFIG: `ember run` stopped on a setting only a person can fix (missing,
# malformed, or a token Telegram refuses); a supervisor should not restart it as it is
EX_CONFIG = 78

app = typer.Typer(
    rich_markup_mode=None,  # plain help: rich would double the start-up time
    name="ember",
    help="Ember: integration prompts, journals and safety alerts between therapy sessions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def fail(message: str, code: int = 1) -> None:
    typer.echo(f"ember: {message}", err=True)
    raise typer.Exit(code)


def settings_or_exit(code: int = 1) -> Settings:
    from bot.config import load_settings

    try:
        return load_settings()
    except EmberError as exc:
        fail(str(exc), code)
        raise  # unreachable


def run_async(make: Callable[[], Awaitable[T]]) -> T:
    import asyncio

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
    from storage.crypto import Cipher
    from storage.db import create_engine, session_factory
    from storage.migrate import require_up_to_date
    from storage.uow import Storage

    engine = create_engine(settings.database_url)
    try:
        await require_up_to_date(engine)
        yield Storage(session_factory(engine), Cipher(settings.require_keys()))
    finally:
        await engine.dispose()


def setup_logging(verbose: bool, settings: Settings) -> None:
    """Logging in EMBER_LOG_FORMAT, with the token and the webhook secret blanked."""
    from bot import logs

    secrets = [
        s.get_secret_value() for s in (settings.telegram_token, settings.webhook_secret) if s
    ]
    logs.configure(verbose, settings.log_format, secrets=secrets)


def services_call(settings: Settings, use: Callable[[Any], Awaitable[T]]) -> T:
    """Run ``use(services)`` against the database, without Telegram."""
    from bot.clock import SystemClock
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
                retention=settings.retention,
            )
            return await use(Services(ctx))

    return run_async(go)
