"""`ember run`, `ember db …` and `ember invite`."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli.common import (
    EX_CONFIG,
    app,
    fail,
    run_async,
    services_call,
    settings_or_exit,
    setup_logging,
)
from bot.errors import ConfigError, EmberError

if TYPE_CHECKING:
    from bot.config import Settings

db_app = typer.Typer(
    rich_markup_mode=None,  # plain help: rich would double the start-up time
    help="Database schema (migrations).",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")


@app.command()
def run(
    webhook: Annotated[
        bool, typer.Option("--webhook", help="Receive updates by webhook (EMBER_WEBHOOK_URL).")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
) -> None:
    """Run the bot (long polling by default).

    Exits 0 after SIGTERM or SIGINT; 78 (EX_CONFIG) when a setting is missing or wrong or
    Telegram refuses the token, which no restart mends; 1 on other failures.
    """
    # Start-up makes a great many objects that live as long as the process (modules, the
    # screener, the ORM's mappings); the cyclic collector would only scan them over and
    # over. It rests until the urgent work is done (bot.app switches it back on).
    gc.disable()
    settings = settings_or_exit(EX_CONFIG)
    try:
        settings.require_token()
        settings.require_keys()
        if webhook:
            settings.require_webhook()  # the URL and its secret, or no webhook mode
        elif settings.webhook_url is not None:
            settings = settings.model_copy(update={"webhook_url": None})
    except EmberError as exc:
        fail(str(exc), EX_CONFIG)
    setup_logging(verbose, settings)
    from bot.app import run_until_stopped
    from bot.errors import TokenRefused

    async def go() -> str | None:
        try:
            await run_until_stopped(settings)
        except TokenRefused as exc:
            return str(exc)
        return None

    refused = run_async(go)
    if refused is not None:
        fail(refused, EX_CONFIG)


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Create or migrate the database schema to the latest version."""
    from storage.migrate import upgrade

    settings = settings_or_exit()
    try:
        upgrade(settings.database_url, revision)
    except ConfigError as exc:
        fail(str(exc))
    typer.echo(f"database is at revision {revision}")


@db_app.command("current")
def db_current() -> None:
    """Show the database's schema revision and whether it is up to date."""
    from storage.migrate import current_revision, head_revision

    settings = settings_or_exit()

    async def show() -> str | None:
        from storage.db import create_engine

        engine = create_engine(settings.database_url)
        try:
            return await current_revision(engine)
        finally:
            await engine.dispose()

    current = run_async(show)
    head = head_revision()
    state = "up to date" if current == head else "behind: run `ember db upgrade`"
    typer.echo(f"revision {current or '(empty)'}; latest {head}; {state}")


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
    code: Annotated[
        str | None, typer.Argument(help="Their code: P-0142, T-01, C-01 (not with --csv)")
    ] = None,
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
    csv_file: Annotated[
        str | None,
        typer.Option(
            "--csv",
            help="Enrol a cohort of participants from a CSV file (code, therapist, timezone, "
            "language, protocol, sessions); see docs/clinic-admin.md",
        ),
    ] = None,
    out: Annotated[
        str | None,
        typer.Option(help="With --csv: write the deep links to this CSV file (else stdout)"),
    ] = None,
    partner: Annotated[
        str | None, typer.Option(help="Their partner's code, to treat them as a couple")
    ] = None,
) -> None:
    """Create a single-use invitation and print its deep link; with --csv, a whole cohort.

    A cohort file is checked whole first: every problem is printed as file:line: reason and
    nobody is created. Otherwise everyone is invited (and their sessions recorded) in one
    transaction, and the deep links are written as CSV (code, therapist, link, expires_at).
    """
    from datetime import timedelta

    from bot.domain.people import Role
    from bot.services.enrollment import deep_link

    settings = settings_or_exit()
    try:
        role_value = Role(role.lower())
    except ValueError:
        fail("ROLE must be participant, therapist or coordinator")
        raise
    if csv_file is not None:
        if role_value is not Role.PARTICIPANT or code is not None:
            fail("--csv enrols participants: ember invite participant --csv cohort.csv")
        from bot.cli.bulk import enrol_cohort

        enrol_cohort(settings, csv_file, out, timedelta(days=days))
        return
    if code is None:
        fail("give the person's code (or --csv FILE for a cohort of participants)")
        raise typer.Exit(1)

    async def use(services: Any) -> Any:
        return await services.enrollment.invite(
            None,
            role=role_value,
            code=code,
            timezone=tz or settings.timezone,
            language=lang,
            name=name,
            therapist_code=therapist,
            locale=region,
            ttl=timedelta(days=days),
            partner_code=partner,
        )

    try:
        created = services_call(settings, use)
        username = run_async(lambda: bot_username(settings))
    except (EmberError, ValueError) as exc:
        fail(str(exc))
        raise
    typer.echo(
        f"Invitation for {created.person_code} ({created.role.value}), "
        f"expires {created.expires_at:%Y-%m-%d %H:%M} UTC:"
    )
    typer.echo(deep_link(username, created.raw_code))
