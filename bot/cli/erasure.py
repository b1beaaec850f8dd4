"""`ember erase`: carry out a participant's erasure request (docs/privacy.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli.common import app, fail, services_call, settings_or_exit

if TYPE_CHECKING:
    from bot.domain.erasure import ErasureCounts
    from bot.services.erasure import ErasurePreview


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def inventory_lines(counts: ErasureCounts) -> list[str]:
    """What erasing removes, in a coordinator's words, one line per kind of record."""
    c, n = counts, _plural
    return [
        f"  journal:   {n(c.entries, 'entry', 'entries')}, {n(c.messages, 'message')}"
        f" ({n(c.media, 'media reference')}), {n(c.versions, 'earlier version')}",
        f"  safety:    {n(c.flags, 'flag')} with their evidence, {n(c.alerts, 'alert')},"
        f" {n(c.escalations, 'escalation round')}",
        f"  care:      {n(c.notes, 'note')}, {n(c.sessions, 'session')},"
        f" {n(c.prompts, 'prompt')} (with questionnaire answers and scores)",
        f"  enrolment: {n(c.consents, 'consent record')}, {n(c.invitations, 'invitation')}",
        f"  messages:  {n(c.outbox, 'queued or sent message')} to them or naming them,"
        f" {n(c.inbox, 'stored update')} from them",
        f"  audit:     {_plural(c.audit_details, 'entry', 'entries')} about them lose their detail"
        " (who, what and when stay)",
        "  and their Telegram account, chat, time zone, language, therapist and schedule.",
    ]


def describe(preview: ErasurePreview) -> list[str]:
    lines = [f"{preview.code} ({preview.status.value})"]
    if preview.requested:
        assert preview.request is not None
        lines[0] += (
            f": asked for erasure on {preview.request.requested_at:%Y-%m-%d %H:%M} UTC"
            f" (retention policy then: {preview.request.policy})"
        )
    else:
        lines[0] += ": has not asked for erasure"
    if preview.held_until is not None:
        until = f"{preview.held_until:%Y-%m-%d}"
        lines.append(f"The retention policy keeps their records until {until}.")
    lines.append("Erasing removes:")
    lines += inventory_lines(preview.counts)
    lines.append(
        f"Kept: the code {preview.code} and the time of erasure, and audit entries without content."
    )
    return lines


@app.command()
def erase(
    code: Annotated[str, typer.Argument(help="The participant's code, e.g. P-0142")],
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Erase without asking for confirmation.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Erase although they have not asked, or before the retention policy's period"
            " is over (the audit log records it as forced).",
        ),
    ] = False,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Your coordinator code (e.g. C-01), for the audit log."),
    ] = None,
) -> None:
    """Erase a participant's data after they asked for it with /delete.

    Shows what will be erased and asks before doing it. Journal text, edits, media
    references, flags and their evidence, alerts, notes, sessions, prompts and scores,
    queued messages and stored updates go, with their Telegram account and chat; only a
    tombstone stays (the code, the fact and time of erasure, audit entries without
    content). The participant gets a last message saying so, sent by the running bot.

    Refused when they have no open erasure request, or while the clinic's retention
    policy (EMBER_RETENTION_POLICY) keeps their records, unless --force. Running it
    again says they are already erased.
    """
    settings = settings_or_exit()

    async def look(services: Any) -> ErasurePreview:
        found: ErasurePreview = await services.erasure.preview(code)
        return found

    preview = services_call(settings, look)
    if preview.erased:
        when = preview.request.erased_at if preview.request else None
        at = f" on {when:%Y-%m-%d %H:%M} UTC" if when else ""
        typer.echo(f"{preview.code} was already erased{at}; nothing is left to erase.")
        return
    for line in describe(preview):
        typer.echo(line)
    if not preview.requested and not force:
        fail(
            f"{preview.code} has not asked for their data to be erased (no open request); "
            "nothing was changed. Use --force to erase anyway (recorded as forced)."
        )
    if preview.held and not force:
        assert preview.held_until is not None
        fail(
            f"the retention policy keeps {preview.code}'s records until "
            f"{preview.held_until:%Y-%m-%d}; nothing was changed. Use --force to erase anyway "
            "(recorded as forced)."
        )
    if not yes:
        typer.confirm(
            f"Erase {preview.code}'s data? This cannot be undone", default=False, abort=True
        )

    async def go(services: Any) -> Any:
        return await services.erasure.erase(code, by=by, force=force)

    done = services_call(settings, go)
    if done.already:
        typer.echo(f"{done.code} was already erased; nothing is left to erase.")
        return
    typer.echo(
        f"{done.code} erased at {done.erased_at:%Y-%m-%d %H:%M} UTC"
        + (" (forced)" if done.forced else "")
        + f": {done.counts.total} records removed or emptied."
    )
    if done.farewell:
        typer.echo("Their last message, saying so, is queued; the running bot sends it.")
