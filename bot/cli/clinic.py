"""`ember stats`, `ember audit` and `ember export`: the clinic's figures, who read or
changed what, and the pseudonymised research export."""

from __future__ import annotations

from typing import Any

from bot.cli.common import app, services_call, settings_or_exit


@app.command()
def stats() -> None:
    """The clinic's figures: enrolment by status, response rates per protocol step (answered
    of the prompts whose window has closed), missed prompts, open flags by tier, and the
    median and worst time to acknowledge, over the last 30 days."""
    import typer

    settings = settings_or_exit()

    async def use(services: Any) -> str:
        return str(await services.stats.text(None))

    typer.echo(services_call(settings, use))
