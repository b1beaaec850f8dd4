"""Bulk work from CSV files: `ember invite participant --csv` and `ember session import`.

Each file is checked whole before anything is created; every problem is printed as
``file:line: reason`` and the command exits 1 having created nothing. The file formats
are described in `bot/domain/cohort.py` and docs/clinic-admin.md.
"""

from __future__ import annotations

import csv
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli.common import fail, run_async, services_call, settings_or_exit
from bot.cli.schedules import session_app

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.errors import Problem


class Bar:
    """A progress bar on stderr (typer's), made when the work knows its size."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._bar: Any = None
        self._done = 0

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = typer.progressbar(length=total, label=self.label, file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(done - self._done)
        self._done = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


def _read(file: str) -> str:
    try:
        return Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {file}: {exc}")
        raise


def _refuse(file: str, problems: list[Problem], what: str) -> None:
    for problem in problems:
        typer.echo(str(problem), err=True)
    fail(f"{file}: {len(problems)} problem(s); {what}")


def enrol_cohort(settings: Settings, file: str, out: str | None, ttl: timedelta) -> None:
    """Check a cohort file, enrol it in one transaction, write the deep links."""
    from bot.cli.core import bot_username
    from bot.domain.cohort import read_cohort
    from bot.errors import CohortFileError
    from bot.services.enrollment import deep_link

    rows, problems = read_cohort(_read(file), file, default_timezone=settings.timezone)
    bar = Bar("enrolling")
    started = time.perf_counter()

    async def use(services: Any) -> Any:
        try:
            return await services.cohorts.enrol(
                rows, file, ttl=ttl, problems=problems, progress=bar
            )
        except CohortFileError as exc:
            return exc

    try:
        result = services_call(settings, use)
    finally:
        bar.close()
    if isinstance(result, CohortFileError):
        _refuse(file, result.problems, "nobody was enrolled")
    took = time.perf_counter() - started
    username = run_async(lambda: bot_username(settings))
    target = open(out, "w", newline="", encoding="utf-8") if out else sys.stdout  # noqa: SIM115
    try:
        writer = csv.writer(target)
        writer.writerow(["code", "therapist", "link", "expires_at"])
        for enrolled in result.participants:
            writer.writerow(
                [
                    enrolled.row.code,
                    enrolled.row.therapist,
                    deep_link(username, enrolled.invitation.raw_code),
                    enrolled.invitation.expires_at.isoformat(),
                ]
            )
    finally:
        if out:
            target.close()
    where = f"; deep links written to {out}" if out else ""
    typer.echo(
        f"enrolled {len(result.participants)} participants and recorded {result.sessions} "
        f"sessions in {took:.1f} s{where}",
        err=True,
    )


@session_app.command("import")
def session_import(
    file: Annotated[str, typer.Argument(help="CSV file: code,kind,when (local time)")],
) -> None:
    """Record many sessions from a CSV file (code, kind, when in the participant's zone).

    The file is checked whole first: every problem is printed as file:line: reason and no
    session is recorded; otherwise all are recorded in one transaction and prompts follow.
    """
    from bot.domain.cohort import read_sessions
    from bot.errors import CohortFileError

    rows, problems = read_sessions(_read(file), file)
    settings = settings_or_exit()
    bar = Bar("recording")

    async def use(services: Any) -> Any:
        try:
            return await services.cohorts.import_sessions(
                rows, file, problems=problems, progress=bar
            )
        except CohortFileError as exc:
            return exc

    try:
        result = services_call(settings, use)
    finally:
        bar.close()
    if isinstance(result, CohortFileError):
        _refuse(file, result.problems, "no session was recorded")
    typer.echo(f"recorded {result.sessions} sessions for {result.participants} participants")
    if result.without_protocol:
        typer.echo(
            "ember: warning: no protocol is assigned to "
            f"{', '.join(result.without_protocol)}, so no prompts will be sent around their "
            "sessions; assign one with `ember protocol assign CODE... PROTOCOL`",
            err=True,
        )
