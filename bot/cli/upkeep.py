"""`ember keys generate | rotate | check`, `ember status` and `ember requeue`: looking after
what is stored. These work on storage itself, as `ember db` does, not through a use case.

Exit codes: 0 when all is well; 3 when something cannot be opened with the configured
keys (values left as they are, or messages and updates parked), or, for `ember status`,
when stored updates were parked after failing again and again, so a script can tell.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.common import app, open_storage, run_async, settings_or_exit

if TYPE_CHECKING:
    from storage.key_rotation import KeyReport, TableWalk
    from storage.queues import QueueStatus

UNREADABLE_EXIT = 3

keys_app = typer.Typer(
    rich_markup_mode=None,  # plain help: rich would double the start-up time
    help="Encryption keys: make one, re-seal everything under the newest, see what each holds.",
    no_args_is_help=True,
)
app.add_typer(keys_app, name="keys")


@keys_app.command("generate")
def keys_generate() -> None:
    """Print a new encryption key for EMBER_ENCRYPTION_KEY.

    To rotate: put the new key first and keep the old ones after it, comma-separated;
    restart Ember, run `ember keys rotate`, then `ember keys check`.
    """
    from storage.crypto import generate_key

    typer.echo(generate_key())


@app.command("keygen", hidden=True)
def keygen() -> None:
    """The same as `ember keys generate`."""
    keys_generate()


def _key_name(report: KeyReport, index: int) -> str:
    return f"key {index + 1} ({report.fingerprints[index]})"


class _Progress:
    """Prints rows done / total per table, at most about once a second per table."""

    def __init__(self) -> None:
        self._last: dict[str, float] = {}

    def __call__(self, walk: TableWalk) -> None:
        now = time.monotonic()
        if walk.done < walk.total and now - self._last.get(walk.table, 0.0) < 1.0:
            return
        self._last[walk.table] = now
        typer.echo(f"  {walk.table}: {walk.done}/{walk.total} rows")


def _unreadable_lines(report: KeyReport) -> None:
    typer.echo(
        f"{report.unreadable} stored values cannot be opened with any configured key; "
        "they were left as they are:"
    )
    for walk in report.tables:
        for item in walk.shown:
            typer.echo(f"  {item.table} row {item.row_id} ({item.column})")
        if walk.unreadable > len(walk.shown):
            typer.echo(f"  {walk.table}: {walk.unreadable - len(walk.shown)} more")


@keys_app.command("rotate")
def keys_rotate(
    batch: Annotated[int, typer.Option(min=1, help="Rows per transaction.")] = 500,
) -> None:
    """Re-seal every stored value under the newest (first) key.

    Safe while Ember runs (short transactions) and safe to interrupt: run it again and it
    goes on where it stopped, skipping what is already under the newest key.
    """
    from storage import key_rotation

    settings = settings_or_exit()

    async def go() -> KeyReport:
        async with open_storage(settings) as storage:
            return await key_rotation.rotate(
                storage.sessions, storage.cipher, batch=batch, progress=_Progress()
            )

    typer.echo("Re-sealing stored values under the newest key…")
    report = run_async(go)
    typer.echo("Values by table (a row may hold more than one):")
    typer.echo(f"{'table':<26}{'rows':>8}{'re-sealed':>11}{'already':>9}{'unreadable':>12}")
    for walk in report.tables:
        typer.echo(
            f"{walk.table:<26}{walk.total:>8}{walk.rotated:>11}"
            f"{walk.by_key[0] - walk.rotated:>9}{walk.unreadable:>12}"
        )
    typer.echo(
        f"Done: {report.rotated} values re-sealed under {_key_name(report, 0)}; "
        f"{report.by_key[0] - report.rotated} already were."
    )
    if report.changed:
        typer.echo(
            f"{report.changed} values were rewritten by Ember meanwhile; "
            "run `ember keys check` to see under which key."
        )
    if report.unreadable:
        _unreadable_lines(report)
        raise typer.Exit(UNREADABLE_EXIT)


@keys_app.command("check")
def keys_check(
    batch: Annotated[int, typer.Option(min=1, help="Rows read at a time.")] = 2000,
) -> None:
    """How many stored values each configured key still holds, and how many none opens.

    A key other than the first that holds nothing is no longer needed: remove it.
    """
    from storage import key_rotation

    settings = settings_or_exit()

    async def go() -> KeyReport:
        async with open_storage(settings) as storage:
            return await key_rotation.check(storage.sessions, storage.cipher, batch=batch)

    report = run_async(go)
    typer.echo("Keys in EMBER_ENCRYPTION_KEY, newest first:")
    for index, count in enumerate(report.by_key):
        if index == 0:
            note = "seals new text"
        elif count:
            note = "still needed: run `ember keys rotate`"
        else:
            note = "no longer needed: it can be removed"
        typer.echo(f"  {_key_name(report, index)}: {count} values; {note}")
        for walk in report.tables:
            if walk.by_key[index]:
                typer.echo(f"      {walk.table}: {walk.by_key[index]}")
    typer.echo(f"Values no configured key opens: {report.unreadable}")
    if report.unreadable:
        _unreadable_lines(report)
        raise typer.Exit(UNREADABLE_EXIT)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{status} {n}" for status, n in sorted(counts.items())) or "empty"


@app.command()
def status() -> None:
    """The outbox and the stored updates by state, those being tried again, and any parked.

    Parked: set aside because no configured key opens it (or it is damaged), or, for an
    update, because handling it failed the same way again and again; it held up nothing
    else. Lists ids and kinds, never content.
    """
    from storage.inbox import UNREADABLE
    from storage.queues import queue_status

    settings = settings_or_exit()

    async def go() -> QueueStatus:
        async with open_storage(settings) as storage:
            return await queue_status(storage)

    found = run_async(go)
    typer.echo(f"Outbox: {_counts(found.outbox)}")
    typer.echo(f"Stored updates: {_counts(found.inbox)}")
    if found.retrying:
        typer.echo(
            f"Tried again after a failure: {found.retrying} stored updates (the log says "
            "why: `update <id> failed`); they are handled once the cause passes"
        )
    if not found.parked_count:
        return
    unreadable = [item for item in found.parked if item.reason == UNREADABLE]
    failing = [item for item in found.parked if item.reason != UNREADABLE]
    if not failing:
        typer.echo(f"Parked, because they cannot be opened ({found.parked_count}):")
    else:
        typer.echo(f"Parked, set aside so they hold up nothing else ({found.parked_count}):")
    for item in found.parked:
        what = f"outbox message {item.id} ({item.kind})"
        if item.queue == "inbox":
            what = f"stored update {item.id}"
        typer.echo(f"  {what}, since {item.since:%Y-%m-%d %H:%M} UTC: {item.reason}")
    if unreadable or not failing:
        typer.echo(
            "To send or process them: add the key they were sealed with back to "
            "EMBER_ENCRYPTION_KEY (after the newest), restart Ember, run `ember requeue`, "
            "then `ember keys rotate`."
        )
    if failing:
        typer.echo(
            "Updates that failed again and again: the log has the traceback (`update <id> "
            "could not be processed` or `handling update <id> failed`); once the cause is "
            "mended, `ember requeue` hands them back to be handled."
        )
    raise typer.Exit(UNREADABLE_EXIT)


@app.command()
def requeue() -> None:
    """Put parked messages and updates back in their queues (after restoring their key, or
    mending what made an update fail)."""
    from bot.clock import SystemClock
    from storage.queues import requeue_parked

    settings = settings_or_exit()

    async def go() -> tuple[int, int]:
        async with open_storage(settings) as storage:
            return await requeue_parked(storage, now=SystemClock().now())

    messages, updates = run_async(go)
    typer.echo(
        f"{messages} messages and {updates} stored updates are back in their queues; "
        "the running bot takes them up (any still unreadable, or still failing the same "
        "way, is parked again)."
    )
