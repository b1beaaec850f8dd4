"""Reading cohort and session files: every problem with its line, nothing guessed."""

from __future__ import annotations

from datetime import datetime

from bot.domain.cohort import PlannedSession, parse_sessions, read_cohort, read_sessions


def test_a_good_cohort_line_becomes_a_row_with_its_sessions() -> None:
    rows, problems = read_cohort(
        "Code,Therapist,Time zone,Language,Protocol,Sessions\n"
        "p-0142,t-01,Europe/Berlin,DE,mdma-integration,"
        "dosing=2026-12-10T09:00; integration=2026-12-11 10:00\n"
        "\n"
        "P-0143,T-01,,,,\n",
        "c.csv", default_timezone="America/New_York")
    assert problems == []
    first, second = rows
    assert (first.line, first.code, first.therapist, first.language) == (2, "P-0142", "T-01", "de")
    assert first.sessions == (PlannedSession("dosing", datetime(2026, 12, 10, 9, 0)),
                              PlannedSession("integration", datetime(2026, 12, 11, 10, 0)))
    assert (second.line, second.timezone, second.language, second.protocol, second.sessions) == (
        4, "America/New_York", "en", None, ())


def test_a_header_without_a_required_column_or_with_an_unknown_one_is_refused() -> None:
    _, problems = read_cohort("code,therapy\nP-1,T-1\n", "c.csv", default_timezone="UTC")
    assert [str(p) for p in problems] == [
        "c.csv:1: unknown column 'therapy' (columns: code, therapist, timezone, language, "
        "region, protocol, sessions)",
        "c.csv:1: the column 'therapist' is missing",
    ]


def test_every_problem_of_every_line_is_reported() -> None:
    rows, problems = read_cohort(
        "code,therapist,timezone,language,sessions\n"
        "P-1,T-1,Nowhere/City,en,dosing=2026-12-10T09:00;dosing=2026-12-10T09:00\n"
        "X,T-1,UTC,klingon,coffee\n"
        "P-1,T-1,UTC,en,,extra\n",
        "c.csv", default_timezone="UTC")
    assert rows == []
    assert [(p.line, p.reason.split(" ")[0]) for p in problems] == [
        (2, "'Nowhere/City'"), (2, "session"), (3, "code"), (3, "language"), (3, "session"),
        (4, "6"),
    ]


def test_sessions_are_kind_equals_local_time_pairs() -> None:
    found, bad = parse_sessions("preparation=2026-12-01T18:00;dosing=2026-12-02 09:00+01:00")
    assert found == (PlannedSession("preparation", datetime(2026, 12, 1, 18, 0)),)
    assert bad == ["'2026-12-02 09:00+01:00' is not a local date and time like 2026-12-10T09:00"]


def test_a_session_file_reports_bad_and_repeated_lines() -> None:
    rows, problems = read_sessions(
        "code,kind,when\nP-1,dosing,2026-12-10 09:00\nP-1,dosing,2026-12-10T09:00\n"
        "P-2,nap,2026-12-10 09:00\n", "s.csv")
    assert [r.line for r in rows] == [2]
    assert [str(p) for p in problems] == [
        "s.csv:3: the same session as on line 2",
        "s.csv:4: 'nap' is not a session kind (dosing, integration, preparation)",
    ]


def test_a_region_chooses_the_crisis_lines_and_must_look_like_one() -> None:
    rows, problems = read_cohort("code,therapist,region\nP-1,T-1,gb\nP-2,T-1,Britain\n",
                                 "c.csv", default_timezone="UTC")
    assert [(r.code, r.region) for r in rows] == [("P-1", "GB")]
    assert [str(p) for p in problems] == [
        "c.csv:3: region 'Britain' is not a region code like US or DE"]
