"""`ember screen`, `ember therapist set` and `ember oncall`."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from bot.cli.common import app, fail, services_call, settings_or_exit
from bot.clock import SystemClock

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
        person = services_call(settings, use)
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

    person = services_call(settings, use)
    typer.echo(f"{person.code} is on call")
