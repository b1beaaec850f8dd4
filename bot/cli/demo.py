"""`ember demo`: Ember in a browser, against the built-in Telegram simulator."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import app, fail


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port of the page on 127.0.0.1 (0: a free one).")] = 0,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Only print the address; open no browser.")
    ] = False,
    tz: Annotated[str, typer.Option(help="The clinic's IANA time zone.")] = "Europe/Berlin",
    lang: Annotated[
        str, typer.Option(help="The participant's language (en, de, es, fr).")
    ] = "en",
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Ember's log too.")] = False,
) -> None:
    """Try Ember in a browser: a participant, their therapist and a coordinator side by
    side, on a clock you can jump ahead. No token, no network; nothing is kept afterwards."""
    import asyncio
    import logging
    import signal
    import webbrowser
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from bot import logs

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        fail(f"--tz {tz!r} is not an IANA time zone (e.g. Europe/Berlin)")
    from prompts.catalogue import default_catalogue

    languages = default_catalogue().languages
    if lang not in languages:
        fail(f"--lang {lang!r}: the message catalogue has {', '.join(languages)}")
    logs.configure(verbose)
    if not verbose:  # the page is the show; the console keeps to warnings
        for handler in logging.getLogger().handlers:
            handler.setLevel(logging.WARNING)
        # A job run skipped because the last one still runs is expected after a jump, and
        # a run cancelled as the demo stops is no failure; Ember logs its jobs' real
        # failures itself (bot.jobs), so APScheduler's own lines only add noise here.
        logging.getLogger("apscheduler").setLevel(logging.CRITICAL)

    from bot.demo import run_demo

    def ready(url: str) -> None:
        typer.echo(f"Ember demo running at {url}  (Ctrl+C stops it; nothing is kept)")
        if not no_browser:
            try:
                opened = webbrowser.open(url)
            except webbrowser.Error:
                opened = False
            if not opened:
                typer.echo("No browser found here: open the address above in one.")

    async def go() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        typer.echo("Starting Ember with a simulated Telegram…")
        await run_demo(port=port, zone=tz, language=lang, on_ready=ready, stop=stop)
        typer.echo("Demo stopped.")

    try:
        asyncio.run(go())
    except OSError as exc:
        hint = "; leave out --port for a free one" if port else ""
        fail(f"the demo could not start: {exc}{hint}")
