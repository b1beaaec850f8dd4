"""Cohort and session files (CSV) for bulk enrolment and session import: read and checked
line by line, every problem reported as ``file:line: reason``. Pure: what needs the
database (does the therapist exist?) is checked by the service in its transaction.

A cohort file (``ember invite participant --csv cohort.csv``) has a header line and one
participant per line::

    code,therapist,timezone,language,protocol,sessions
    P-0142,T-01,Europe/Berlin,de,mdma-integration,dosing=2026-12-10T09:00;integration=2026-12-11T10:00

``code`` and ``therapist`` are required; ``timezone`` (also ``time zone`` or ``tz``)
defaults to the clinic's, ``language`` to en; ``region`` (the crisis lines shown: US, GB,
DE, …; by default those of the zone), ``protocol`` and ``sessions`` may be empty.
``sessions`` is ``kind=local date and time`` pairs separated by ``;``, times in the
participant's zone. A session file (``ember session import``) has ``code,kind,when``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.protocol import SessionKind
from bot.errors import Problem

CODE = re.compile(r"^[A-Z][A-Z0-9]{0,5}-[A-Z0-9]{1,12}$")
LANGUAGES = ("en", "de", "es", "fr")
REGION = re.compile(r"^[A-Z]{2}$")
KINDS = ", ".join(k.value for k in SessionKind)

COHORT_COLUMNS = (
    "code",
    "therapist",
    "timezone",
    "language",
    "region",
    "protocol",
    "sessions",
)
SESSION_COLUMNS = ("code", "kind", "when")
_ALIASES = {"time zone": "timezone", "time_zone": "timezone", "tz": "timezone", "lang": "language"}


@dataclass(frozen=True)
class PlannedSession:
    """A session to record: its kind and its local (naive) start in the participant's zone."""

    kind: str
    local_start: datetime


@dataclass(frozen=True)
class CohortRow:
    """One participant of a cohort file, checked as far as the file alone allows."""

    line: int
    code: str
    therapist: str
    timezone: str
    language: str
    protocol: str | None
    sessions: tuple[PlannedSession, ...]
    region: str | None = None  # crisis-resource region (US, GB, DE, ...); None: by zone


@dataclass(frozen=True)
class SessionRow:
    """One line of a session file."""

    line: int
    code: str
    session: PlannedSession


def by_line(problems: list[Problem]) -> list[Problem]:
    """Problems in the order of the file (those of no one line first)."""
    return sorted(problems, key=lambda p: p.line or 0)


def parse_local_time(text: str) -> datetime | None:
    """``2026-12-10T09:00`` or ``2026-12-10 09:00`` as a naive local time; None if not one."""
    try:
        value = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        return None
    return value if value.tzinfo is None else None


def parse_session(text: str) -> PlannedSession | str:
    """``kind=2026-12-10T09:00``, or the reason it is not one."""
    kind, sep, when = text.partition("=")
    kind = kind.strip().lower()
    if not sep:
        return f"session {text.strip()!r} is not kind=date and time (dosing=2026-12-10T09:00)"
    return planned(kind, when)


def planned(kind: str, when: str) -> PlannedSession | str:
    if kind not in {k.value for k in SessionKind}:
        return f"{kind!r} is not a session kind ({KINDS})"
    start = parse_local_time(when)
    if start is None:
        return f"{when.strip()!r} is not a local date and time like 2026-12-10T09:00"
    return PlannedSession(kind, start)


def parse_sessions(text: str) -> tuple[tuple[PlannedSession, ...], list[str]]:
    """The ``sessions`` column: pairs separated by ``;`` (empty: none)."""
    found: list[PlannedSession] = []
    reasons: list[str] = []
    for part in (p for p in text.split(";") if p.strip()):
        result = parse_session(part)
        if isinstance(result, str):
            reasons.append(result)
        elif result in found:
            reasons.append(f"session {part.strip()!r} is given twice")
        else:
            found.append(result)
    return tuple(found), reasons


def _valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _rows(
    text: str, file: str, required: tuple[str, ...], known: tuple[str, ...]
) -> tuple[list[tuple[int, dict[str, str]]], list[Problem]]:
    """(line number, cells by column) for each non-empty line, and header problems."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        return [], [Problem(file, 1, f"the file is empty; the header is {','.join(known)}")]
    names = [_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in header]
    problems = [
        Problem(file, 1, f"unknown column {raw.strip()!r} (columns: {', '.join(known)})")
        for raw, name in zip(header, names, strict=True)
        if name not in known
    ]
    problems += [
        Problem(file, 1, f"the column {name!r} is missing")
        for name in required
        if name not in names
    ]
    if problems:
        return [], problems
    rows: list[tuple[int, dict[str, str]]] = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(names):
            problems.append(Problem(file, line, f"{len(cells)} cells; the header has {len(names)}"))
            continue
        rows.append(
            (line, {n: (cells[i].strip() if i < len(cells) else "") for i, n in enumerate(names)})
        )
    return rows, problems


def read_cohort(
    text: str, file: str, *, default_timezone: str
) -> tuple[list[CohortRow], list[Problem]]:
    """Every participant of a cohort file, and every problem the file alone shows."""
    raw, problems = _rows(text, file, ("code", "therapist"), COHORT_COLUMNS)
    rows: list[CohortRow] = []
    seen: dict[str, int] = {}
    for line, cells in raw:
        reasons: list[str] = []
        code = cells["code"].upper()
        if not CODE.match(code):
            reasons.append(f"code {cells['code']!r} is not a code like P-0142")
        elif code in seen:
            reasons.append(f"{code} is already on line {seen[code]}")
        else:
            seen[code] = line
        therapist = cells["therapist"].upper()
        if not CODE.match(therapist):
            reasons.append(f"therapist {cells['therapist']!r} is not a code like T-01")
        zone = cells.get("timezone") or default_timezone
        if not _valid_zone(zone):
            reasons.append(f"{zone!r} is not an IANA time zone like Europe/Berlin")
        language = (cells.get("language") or "en").lower()
        if language not in LANGUAGES:
            reasons.append(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
        region = (cells.get("region") or "").upper() or None
        if region is not None and not REGION.match(region):
            reasons.append(f"region {cells['region']!r} is not a region code like US or DE")
        sessions, bad = parse_sessions(cells.get("sessions", ""))
        reasons += bad
        problems += [Problem(file, line, reason) for reason in reasons]
        if not reasons:
            rows.append(
                CohortRow(
                    line=line,
                    code=code,
                    therapist=therapist,
                    timezone=zone,
                    language=language,
                    protocol=cells.get("protocol") or None,
                    sessions=sessions,
                    region=region,
                )
            )
    if not raw and not problems:
        problems.append(Problem(file, None, "no participants in the file"))
    return rows, by_line(problems)


def read_sessions(text: str, file: str) -> tuple[list[SessionRow], list[Problem]]:
    """Every session of a session file (``code,kind,when``), and every problem in it."""
    raw, problems = _rows(text, file, SESSION_COLUMNS, SESSION_COLUMNS)
    rows: list[SessionRow] = []
    seen: dict[tuple[str, PlannedSession], int] = {}
    for line, cells in raw:
        code = cells["code"].upper()
        result = planned(cells["kind"].lower(), cells["when"])
        if not CODE.match(code):
            reason = f"code {cells['code']!r} is not a code like P-0142"
            problems.append(Problem(file, line, reason))
        elif isinstance(result, str):
            problems.append(Problem(file, line, result))
        elif (code, result) in seen:
            problems.append(
                Problem(file, line, f"the same session as on line {seen[(code, result)]}")
            )
        else:
            seen[(code, result)] = line
            rows.append(SessionRow(line, code, result))
    if not raw and not problems:
        problems.append(Problem(file, None, "no sessions in the file"))
    return rows, by_line(problems)
