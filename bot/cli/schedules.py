"""`ember protocol …`, `ember session …`, `ember schedule` and `ember prompt`."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer

from bot.cli.common import app, fail, services_call, settings_or_exit
from bot.errors import EmberError

# -- protocols, sessions, schedules ---------------------------------------------------

protocol_app = typer.Typer(
    rich_markup_mode=None,  # plain help: rich would double the start-up time
    help="Prompt protocols (YAML files in prompts/).",
    no_args_is_help=True,
)
session_app = typer.Typer(
    rich_markup_mode=None,  # plain help: rich would double the start-up time
    help="Treatment sessions that prompts are timed from.",
    no_args_is_help=True,
)
app.add_typer(protocol_app, name="protocol")
app.add_typer(session_app, name="session")


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


class Progress:
    """Participants done / in all, on stderr: a line at most every second, and the last."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.done = self.total = 0
        self._shown = 0.0

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        now = time.monotonic()
        if total and (done == total or now - self._shown >= 1.0):
            self._shown = now
            typer.echo(f"{self.what}: {done}/{total} participants", err=True)


def interrupted(progress: Progress, again: str) -> None:
    fail(
        f"interrupted after {progress.done} of {progress.total} participants; {again}",
        130,
    )


@protocol_app.command("load")
def protocol_load(file: Annotated[str, typer.Argument(help="Protocol YAML file")]) -> None:
    """Validate and load (or replace) a protocol, then replan everyone on it, batch by batch
    (the bot keeps answering meanwhile). Interrupted, the same command finishes the job."""
    from pathlib import Path

    from bot.services import planning
    from prompts.protocols import ProtocolFileError, validate_protocol_file

    errors = validate_protocol_file(file)
    if errors:
        for error in errors:
            typer.echo(str(error), err=True)
        fail(f"{file} was not loaded: {len(errors)} problem(s); the running schedule is unchanged")
    source = Path(file).read_text(encoding="utf-8")
    settings = settings_or_exit()

    progress = Progress("replanned")

    async def use(services: Any) -> planning.ProtocolLoaded:
        loaded: planning.ProtocolLoaded = await services.planning.load_protocol(
            source, file, progress=progress
        )
        return loaded

    try:
        loaded = services_call(settings, use)
    except ProtocolFileError as exc:
        fail(str(exc))
        raise
    except KeyboardInterrupt:
        interrupted(
            progress,
            f"the protocol is loaded; run `ember protocol load {file}` again to replan the "
            "rest (nobody is planned twice)",
        )
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
    rows = services_call(settings, lambda s: s.planning.summary())
    if not rows:
        typer.echo("no protocols loaded")
    for row in rows:
        typer.echo(f"{row['id']} v{row['version']}: {row['name']} ({row['count']} participants)")


@protocol_app.command("assign")
def protocol_assign(
    codes: Annotated[list[str], typer.Argument(help="Participant code(s)")],
    protocol: Annotated[str, typer.Argument(help="Protocol id, e.g. mdma-integration")],
) -> None:
    """Put one or more participants on a protocol (their pending prompts follow it); many
    are put on it batch by batch. Interrupted, the same command finishes the job."""
    settings = settings_or_exit()
    if len(codes) == 1:
        code = codes[0]

        async def one(services: Any) -> int:
            pending: int = await services.planning.assign_protocol(code, protocol)
            return pending

        pending = services_call(settings, one)
        typer.echo(f"{code.upper()} follows {protocol}; {pending} prompts pending")
        return
    progress = Progress("assigned")

    async def many(services: Any) -> int:
        done: int = await services.planning.assign_many(codes, protocol, progress=progress)
        return done

    try:
        done = services_call(settings, many)
    except KeyboardInterrupt:
        interrupted(progress, "run the same command again to assign the rest")
        raise
    typer.echo(f"{done} participants follow {protocol}")


@session_app.command("add")
def session_add(
    code: Annotated[str, typer.Argument(help="Participant code")],
    kind: Annotated[str, typer.Argument(help="dosing, integration or preparation")],
    when: Annotated[str, typer.Argument(help="Local date and time: '2026-12-01 09:00'")],
    couple: Annotated[
        bool, typer.Option("--couple", help="One session for the participant and their partner")
    ] = False,
) -> None:
    """Record a session (time in the participant's zone); its prompts are planned.

    The same participant, kind and time as an existing session is refused (move that one
    with `ember session move` instead); a participant without a protocol gets a warning.

    With --couple, one shared session for both partners: moving or cancelling it changes both.
    """
    settings = settings_or_exit()

    async def use(services: Any) -> Any:
        if couple:
            return await services.sessions.add_for_couple(None, code, kind, when)
        return (await services.sessions.add(None, code, kind, when),)

    try:
        views = services_call(settings, use)
    except EmberError as exc:
        fail(str(exc))
        raise
    for view in views:
        shared = f" (shared with {view.partner})" if view.partner else ""
        typer.echo(f"session #{view.id} {view.kind} for {view.code} at {view.local_time}{shared}")
        if view.without_protocol:
            typer.echo(
                f"ember: warning: {view.code} has no protocol assigned, so no prompts will be "
                f"sent around this session; assign one with `ember protocol assign {view.code} "
                "<protocol>`",
                err=True,
            )


@session_app.command("dose")
def session_dose(
    code: Annotated[str, typer.Argument(help="Participant code")],
    session_id: Annotated[int, typer.Argument(help="Dosing session number")],
    initial: Annotated[str, typer.Option(help="Initial dose and local time: 80mg@09:00")],
    supplemental: Annotated[
        list[str] | None,
        typer.Option(help="A supplemental dose: 40mg@10:30 (repeat for more)"),
    ] = None,
) -> None:
    """Record the doses given at a dosing session (times local to the participant)."""
    settings = settings_or_exit()

    async def use(services: Any) -> Any:
        return await services.sessions.record_doses(
            None, code, session_id, initial, supplemental or []
        )

    try:
        view = services_call(settings, use)
    except EmberError as exc:
        fail(str(exc))
        raise
    typer.echo(f"session #{view.id} {view.code}: {view.doses}")


@session_app.command("list")
def session_list(code: Annotated[str, typer.Argument(help="Participant code")]) -> None:
    """A participant's sessions: time, status, the partner of a shared one, doses given."""
    settings = settings_or_exit()

    async def use(services: Any) -> Any:
        return await services.sessions.listing(None, code)

    try:
        views = services_call(settings, use)
    except EmberError as exc:
        fail(str(exc))
        raise
    if not views:
        typer.echo(f"{code.upper()} has no sessions")
    for view in views:
        shared = f"  shared with {view.partner}" if view.partner else ""
        doses = f"  doses: {view.doses}" if view.doses else ""
        typer.echo(f"#{view.id}  {view.local_time}  {view.kind}  {view.status}{shared}{doses}")


@session_app.command("move")
def session_move(
    code: Annotated[str, typer.Argument(help="Participant code")],
    session_id: Annotated[int, typer.Argument(help="Session number")],
    when: Annotated[str, typer.Argument(help="New local date and time")],
) -> None:
    """Move a session; its pending prompts move with it."""
    settings = settings_or_exit()

    async def use(services: Any) -> Any:
        return await services.sessions.change(None, code, session_id, when=when)

    try:
        view = services_call(settings, use)
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
        return await services.sessions.change(None, code, session_id, cancel=True)

    view = services_call(settings, use)
    typer.echo(f"session #{view.id} cancelled")


@app.command()
def schedule(code: Annotated[str, typer.Argument(help="Participant code")]) -> None:
    """A participant's sessions and prompts, past and upcoming, in their local time."""
    settings = settings_or_exit()

    async def use(services: Any) -> str:
        return str(await services.sessions.schedule(None, code))

    typer.echo(services_call(settings, use))


@app.command()
def prompt(
    code: Annotated[str, typer.Argument(help="Participant code")],
    text: Annotated[str, typer.Argument(help="The question to send now")],
) -> None:
    """Send a one-off prompt now (the running bot delivers it)."""
    settings = settings_or_exit()

    async def use(services: Any) -> None:
        await services.prompting.one_off(None, code, text, send_now=False)

    services_call(settings, use)
    typer.echo(f"prompt queued for {code.upper()}")
