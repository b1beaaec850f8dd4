"""`ember doctor`: checks an installation and says, line by line, what is ok and what is not."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import app, run_async


@app.command()
def doctor(
    offline: Annotated[
        bool, typer.Option("--offline", help="Do not contact Telegram (token, webhook).")
    ] = False,
) -> None:
    """Check settings, database, keys, backlog, crisis resources and Telegram.

    Prints one line per finding (ok / warning / problem) and exits 1 if there is a problem.
    Nothing stored is shown: counts and setting names only.
    """
    from bot import logs
    from bot.config import load_settings_leniently
    from bot.doctor import diagnose

    logs.protect()
    settings, bad = load_settings_leniently()
    report = run_async(lambda: diagnose(settings, bad, offline=offline))
    for finding in report.findings:
        typer.echo(str(finding))
    typer.echo(f"doctor: {report.summary()}")
    raise typer.Exit(report.exit_code)
