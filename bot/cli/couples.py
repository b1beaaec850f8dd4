"""`ember couple link` and `ember couple unlink`: partners treated together."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from bot.cli.common import app, fail, services_call, settings_or_exit
from bot.errors import EmberError

couple_app = typer.Typer(
    help="Couples treated together (each partner keeps their own journal).",
    no_args_is_help=True,
)
app.add_typer(couple_app, name="couple")


@couple_app.command("link")
def couple_link(
    first: Annotated[str, typer.Argument(help="One partner's code: P-0142")],
    second: Annotated[str, typer.Argument(help="The other partner's code: P-0143")],
) -> None:
    """Make two participants a couple; steps for couples are planned for both."""
    settings = settings_or_exit()

    async def use(services: Any) -> int:
        return int(await services.couples.link(None, first, second))

    try:
        couple_id = services_call(settings, use)
    except EmberError as exc:
        fail(str(exc))
        raise
    typer.echo(f"couple #{couple_id}: {first.upper()} and {second.upper()}")


@couple_app.command("unlink")
def couple_unlink(code: Annotated[str, typer.Argument(help="Either partner's code")]) -> None:
    """End a couple; shared sessions stay in each schedule but no longer move together."""
    settings = settings_or_exit()

    async def use(services: Any) -> str:
        return str(await services.couples.unlink(None, code))

    try:
        partner = services_call(settings, use)
    except EmberError as exc:
        fail(str(exc))
        raise
    typer.echo(f"{code.upper()} and {partner} are no longer a couple")


@couple_app.command("list")
def couple_list() -> None:
    """Every couple: its number and the two partners, with their status."""
    settings = settings_or_exit()

    async def use(services: Any) -> list[tuple[int, str, str, str, str]]:
        return list(await services.couples.listing(None))

    couples = services_call(settings, use)
    if not couples:
        typer.echo("no couples")
    for couple_id, first, first_status, second, second_status in couples:
        typer.echo(f"couple #{couple_id}: {first} ({first_status})  {second} ({second_status})")
