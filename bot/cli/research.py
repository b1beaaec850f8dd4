"""Writing the research export's files (`ember export`): CSV or JSON Lines, a progress bar
per file, and ``data_dictionary.csv``. Like `ember keys` it works on storage directly (a
read of everything, in batches: `storage/research.py`), not through a use case."""

from __future__ import annotations

import csv
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import typer

from bot.cli.common import open_storage, run_async

if TYPE_CHECKING:
    from bot.config import Settings


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


class _Bars:
    """One typer progress bar per file, on stderr."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._file = ""
        self._done = 0

    def __call__(self, name: str, done: int, total: int) -> None:
        if name != self._file:
            self.close()
            self._file, self._done = name, 0
            self._bar = typer.progressbar(length=max(total, 1), label=name, file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(done - self._done)
        self._done = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def write_export(
    settings: Settings,
    *,
    out: Path,
    fmt: str,
    since: datetime | None,
    until: datetime | None,
    include_text: bool,
    batch: int,
) -> dict[str, int]:
    """Write every file of the export into ``out``; returns rows written per file."""
    from bot.clock import SystemClock
    from bot.domain.research import DICTIONARY_COLUMNS, FILES, dictionary_rows, file_name
    from storage.research import ResearchExport, Window, record_export

    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    bars = _Bars()

    async def go() -> None:
        now = SystemClock().now()
        async with open_storage(settings) as storage:
            detail = (
                f"format={fmt}; text={'included' if include_text else 'left out'}; "
                f"since={since.isoformat() if since else '-'}; "
                f"until={until.isoformat() if until else '-'}"
            )
            await record_export(storage, now=now, detail=detail)
            reader = ResearchExport(
                storage, window=Window(since, until), include_text=include_text, batch=batch
            )
            handles: dict[str, tuple[IO[str], Any]] = {}
            try:
                for name, columns in FILES.items():
                    path = out / file_name(name, fmt)
                    handle: IO[str] = path.open("w", newline="", encoding="utf-8")
                    writer: Any = None
                    if fmt == "csv":
                        writer = csv.writer(handle)
                        writer.writerow([c.name for c in columns])
                    handles[name] = (handle, writer)
                    written[path.name] = 0
                async for name, rows in reader.tables(now=now, progress=bars):
                    target, writer = handles[name]
                    names = [c.name for c in FILES[name]]
                    for row in rows:
                        if writer is not None:
                            writer.writerow([_cell(row[n]) for n in names])
                        else:
                            target.write(json.dumps({n: row[n] for n in names}) + "\n")
                    written[file_name(name, fmt)] += len(rows)
            finally:
                bars.close()
                for opened, _ in handles.values():
                    opened.close()

    run_async(go)
    with (out / "data_dictionary.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(DICTIONARY_COLUMNS)
        writer.writerows(dictionary_rows(fmt))
    written["data_dictionary.csv"] = len(dictionary_rows(fmt))
    return written
