"""`ember stats`, `ember audit` and `ember export`: the clinic's figures, who read or
changed what, and the pseudonymised research export."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.cli.common import app, fail, services_call, settings_or_exit


@app.command()
def stats() -> None:
    """The clinic's figures: enrolment by status, response rates per protocol step (answered
    of the prompts whose window has closed), missed prompts, open flags by tier, and the
    median and worst time to acknowledge, over the last 30 days."""
    settings = settings_or_exit()

    async def use(services: Any) -> str:
        return str(await services.stats.text(None))

    typer.echo(services_call(settings, use))


@app.command()
def audit(
    since: Annotated[str | None, typer.Option(help="From this date (UTC), e.g. 2026-12-01")] = None,
    who: Annotated[
        str | None, typer.Option(help="Who did it: a staff code, cli, participant or system")
    ] = None,
    whom: Annotated[str | None, typer.Option(help="Whose data: a participant's code")] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(help="read, export, erasure, change, or all (repeatable)"),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many lines")] = 1000,
) -> None:
    """Who read or changed what: staff reads of journals, exports, erasures and changes of
    settings, sessions and protocols, oldest first. People appear by code (staff with their
    name), never by Telegram id; what was read or written is never shown."""
    from bot.domain.audit import KINDS

    for chosen in kind or []:
        if chosen != "all" and chosen not in KINDS:
            fail(f"--kind must be one of {', '.join(KINDS)} or all")
    settings = settings_or_exit()
    start = _date(since, "--since")

    async def use(services: Any) -> Any:
        return await services.audit.lines(
            None, since=start, who=who, whom=whom, kinds=kind or None, limit=limit
        )

    lines = services_call(settings, use)
    if not lines:
        typer.echo("no audit events match")
    for line in lines:
        whose = f" {line.whom}" if line.whom else ""
        detail = f" ({line.detail})" if line.detail else ""
        typer.echo(
            f"{line.at:%Y-%m-%d %H:%M:%S} UTC  {line.kind:<7} {line.who}: {line.action}"
            f"{whose}{detail}"
        )


@app.command("export")
def export_research(
    out: Annotated[str, typer.Option("--out", help="Directory to write the files into")],
    fmt: Annotated[str, typer.Option("--format", help="csv or jsonl")] = "csv",
    since: Annotated[
        str | None, typer.Option(help="Only what happened from this date (UTC), e.g. 2026-12-01")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Only what happened before this date (UTC)")
    ] = None,
    include_text: Annotated[
        bool,
        typer.Option("--include-text", help="Include journal text in entries (audited)"),
    ] = False,
    batch: Annotated[int, typer.Option(min=1, help="Rows read per transaction")] = 500,
) -> None:
    """The pseudonymised research export: participants, sessions, prompts and their
    outcomes, journal entries (text only with --include-text), questionnaire scores per item
    and total, flags and time to acknowledge, and data_dictionary.csv describing every
    column. People appear by their codes only; the export is written to the audit log."""
    from bot.cli.research import write_export

    if fmt not in ("csv", "jsonl"):
        fail("--format must be csv or jsonl")
    start, end = _date(since, "--since"), _date(until, "--until")
    if start is not None and end is not None and start >= end:
        fail("--since must be before --until")
    settings = settings_or_exit()
    written = write_export(
        settings,
        out=Path(out),
        fmt=fmt,
        since=start,
        until=end,
        include_text=include_text,
        batch=batch,
    )
    for name, rows in written.items():
        typer.echo(f"{Path(out) / name}: {rows} rows")


def _date(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(f"{option} {value!r} is not a date like 2026-12-01 (or 2026-12-01T09:00)")
        raise
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
