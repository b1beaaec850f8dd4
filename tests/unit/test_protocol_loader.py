"""Protocol files: the shipped ones load clean, and every kind of mistake is reported with
its file, line and reason — all of them at once."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.domain.protocol import Occurrence, SessionKind, StepKind
from bot.domain.schedule import SessionInfo, is_quiet, plan_prompts
from prompts.protocols import (
    PROMPTS_DIR,
    ProtocolFileError,
    list_shipped_protocols,
    load_protocol,
    protocol_from_mapping,
    protocol_from_yaml,
    validate_protocol_file,
    validate_protocol_text,
)

DEFAULT = PROMPTS_DIR / "mdma-integration.yaml"

# A valid protocol; cases below replace one line of it (line numbers are the file's).
VALID = """\
id: test-protocol
name: Test protocol
version: 1
quiet_hours: "22:00-08:00"
response_window: 24h
reminders: 1
steps:
  - id: day1
    anchor: dosing
    after: 1d
    at: "19:00"
    kind: scale
    text:
      en: How are you feeling?
      de: Wie geht es Ihnen?
  - id: day2
    anchor: dosing
    after: 2d
    kind: choice
    text: How did you sleep?
    choices:
      - id: well
        label: Well
      - id: poorly
        label: {en: Poorly, de: Schlecht}
"""


def write(tmp_path: Path, text: str, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def replace_line(number: int, new: str) -> str:
    lines = VALID.splitlines()
    lines[number - 1] = new
    return "\n".join(lines) + "\n"


class TestShippedProtocols:
    def test_the_default_protocol_is_shipped_and_listed(self) -> None:
        shipped = list_shipped_protocols()
        assert DEFAULT in shipped
        assert all(path.parent == PROMPTS_DIR and path.suffix == ".yaml" for path in shipped)

    @pytest.mark.parametrize("path", list_shipped_protocols(), ids=lambda p: p.name)
    def test_every_shipped_protocol_validates_clean(self, path: Path) -> None:
        assert validate_protocol_file(path) == []

    def test_other_yaml_content_in_prompts_is_not_taken_for_a_protocol(self) -> None:
        for path in PROMPTS_DIR.glob("*.yaml"):
            if path not in list_shipped_protocols():
                assert "steps:" not in path.read_text(encoding="utf-8")

    def test_the_default_protocol_follows_the_integration_schedule(self) -> None:
        protocol = load_protocol(DEFAULT)
        assert protocol.id == "mdma-integration"
        assert str(protocol.quiet_hours) == "21:30-08:30"
        assert protocol.response_window == timedelta(hours=24)
        assert protocol.reminders == 1
        dosing_days = {
            step.id: (step.after.days if step.after else None, step.kind)
            for step in protocol.steps
            if step.anchor.session is SessionKind.DOSING
        }
        scale_days = {day for day, kind in dosing_days.values() if kind is StepKind.SCALE}
        assert {1, 2, 3, 7} <= scale_days
        questionnaires = [s for s in protocol.steps if s.kind is StepKind.QUESTIONNAIRE]
        assert {s.after.days for s in questionnaires if s.after} == {14, 30}
        assert all(s.questionnaire in ("who5", "phq9") for s in questionnaires)
        assert any(s.kind is StepKind.CHOICE for s in protocol.steps)
        assert any(s.kind is StepKind.TEXT for s in protocol.steps)
        day1 = protocol.step("day1-evening")
        assert day1.after == timedelta(days=1) and day1.at == time(19)
        before = protocol.step("before-integration")
        assert before.anchor.session is SessionKind.INTEGRATION
        assert before.anchor.occurrence is Occurrence.EACH
        assert before.before is not None and before.at == time(19)
        assert "days two to four" in protocol.step("day3-evening").text["en"]

    def test_the_default_protocol_speaks_four_languages_briefly(self) -> None:
        protocol = load_protocol(DEFAULT)
        for step in protocol.steps:
            assert set(step.text) == {"en", "de", "es", "fr"}, step.id
            assert all(len(text) < 400 for text in step.text.values()), step.id
            for choice in step.choices:
                assert set(choice.label) == {"en", "de", "es", "fr"}

    def test_the_default_protocol_never_plans_into_its_quiet_hours(self) -> None:
        protocol = load_protocol(DEFAULT)
        sessions = [
            SessionInfo(1, "dosing", datetime(2026, 11, 2, 8, tzinfo=UTC)),
            SessionInfo(2, "integration", datetime(2026, 11, 3, 20, tzinfo=UTC)),
        ]
        for zone in ("Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata"):
            for prompt in plan_prompts(protocol, sessions, zone):
                for moment in (prompt.due_at, *prompt.reminder_times):
                    assert not is_quiet(moment, protocol.quiet_hours, zone)


class TestValidFiles:
    def test_the_reference_file_loads(self, tmp_path: Path) -> None:
        protocol = load_protocol(write(tmp_path, VALID, "ok.yaml"))
        assert [step.id for step in protocol.steps] == ["day1", "day2"]
        assert protocol.step("day2").text == {"en": "How did you sleep?"}
        assert [c.label_for("de") for c in protocol.step("day2").choices] == ["Well", "Schlecht"]
        assert protocol.version == "1"

    def test_unquoted_times_are_read_as_written(self, tmp_path: Path) -> None:
        # YAML 1.1 would read 19:00 as the number 1140; the loader reads the text.
        protocol = load_protocol(write(tmp_path, replace_line(11, "    at: 19:00")))
        assert protocol.step("day1").at == time(19)

    def test_an_anchor_can_name_an_occurrence(self, tmp_path: Path) -> None:
        text = replace_line(9, "    anchor: {session: integration, occurrence: last}")
        step = load_protocol(write(tmp_path, text)).step("day1")
        assert step.anchor.session is SessionKind.INTEGRATION
        assert step.anchor.occurrence is Occurrence.LAST

    def test_quiet_hours_can_be_switched_off(self, tmp_path: Path) -> None:
        protocol = load_protocol(write(tmp_path, replace_line(4, "quiet_hours: off")))
        assert protocol.quiet_hours is None

    def test_seconds_scale_protocols_for_end_to_end_tests(self) -> None:
        protocol = protocol_from_mapping(
            {
                "id": "quick",
                "name": "Quick",
                "version": 1,
                "response_window": "10s",
                "reminders": 1,
                "steps": [
                    {"id": "a", "anchor": "dosing", "after": "2s", "kind": "text", "text": "Hi"},
                    {
                        "id": "b",
                        "anchor": "dosing",
                        "after": timedelta(seconds=4),
                        "kind": "scale",
                        "text": {"en": "0-10?"},
                        "window": timedelta(seconds=5),
                    },
                ],
            }
        )
        assert protocol.step("a").after == timedelta(seconds=2)
        assert protocol.step("b").after == timedelta(seconds=4)
        assert protocol.window_for(protocol.step("b")) == timedelta(seconds=5)

    def test_yaml_text_round_trips_through_the_text_api(self) -> None:
        assert validate_protocol_text(VALID, "stored") == []
        assert protocol_from_yaml(VALID) == protocol_from_yaml(VALID)


# (line to replace, its new content, the line the error is reported on, part of the message)
CASES = [
    (10, "    aftr: 1d", 10, "unknown key 'aftr' (did you mean 'after'?)"),
    (10, "    after: 2 days", 10,
     "step 'day1': 'after' must be a duration like 90m, 1d or 12h (got '2 days')"),
    (10, "    after: 12h1d", 10, "units in a duration go from days to seconds"),
    (11, '    at: "7pm"', 11, "'at' must be a local time of day HH:MM"),
    (11, '    at: "24:00"', 11, "'at' must be a local time of day HH:MM"),
    (11, "    before: 12h", 11, "give either 'after' or 'before', not both"),
    (10, "    kind_of: x", 8, "'after' or 'before' is missing"),
    (16, "  - id: day1", 16, "step id 'day1' is used twice (first on line 8)"),
    (8, "  - id: Day One", 8, "'id' must be a short slug"),
    (9, "    anchor: dossing", 9, "'anchor' must be one of dosing, integration, preparation"),
    (9, "    anchor: {session: dosing, occurrence: middle}", 9,
     "'anchor.occurrence' must be one of each, first, last"),
    (12, "    kind: journal", 12, "'kind' must be one of text, scale, choice, questionnaire"),
    (19, "    kind: text", 21, "'choices' only belongs to choice steps (this step is text)"),
    (12, "    kind: questionnaire", 12, "a questionnaire step needs 'questionnaire'"),
    (14, '      en: ""', 14, "'text': the 'en' text is empty"),
    (14, "      fr: Comment ça va ?", 14, "'text' needs an English text ('en')"),
    (4, 'quiet_hours: "22-08"', 4, "quiet hours are written like 22:00-08:00"),
    (5, "response_window: 0m", 5, "'response_window' must be longer than zero"),
    (6, "reminders: 6", 6, "'reminders' must be a whole number from 0 to 5"),
    (6, "reminders: two", 6, "'reminders' must be a whole number from 0 to 5"),
    (2, "nam: Test protocol", 1, "'name' is missing"),
    (3, "id: again", 3, "'id' is given twice (first on line 1)"),
    (14, '      en: "unclosed', 14, "YAML syntax error: found unexpected end of stream"),
]  # fmt: skip


class TestErrorsNameFileLineAndReason:
    @pytest.mark.parametrize(("number", "new", "line", "message"), CASES)
    def test_each_mistake_is_reported_on_its_line(
        self, tmp_path: Path, number: int, new: str, line: int, message: str
    ) -> None:
        path = write(tmp_path, replace_line(number, new))
        errors = validate_protocol_file(path)
        prefix = f"{path}:{line}: "
        assert any(
            error.line == line and str(error).startswith(prefix) and message in str(error)
            for error in errors
        ), [str(error) for error in errors]

    def test_a_choice_step_needs_choices(self, tmp_path: Path) -> None:
        text = "\n".join(VALID.splitlines()[:20]) + "\n    scale: {min_label: low}\n"
        errors = validate_protocol_file(write(tmp_path, text))
        assert [(e.line, e.message) for e in errors] == [
            (19, "step 'day2': a choice step needs 'choices'"),
            (21, "step 'day2': 'scale' only belongs to scale steps (this step is choice)"),
        ]

    def test_a_protocol_needs_steps(self, tmp_path: Path) -> None:
        text = "\n".join(VALID.splitlines()[:6]) + "\nsteps: []\n"
        (error,) = validate_protocol_file(write(tmp_path, text))
        assert error.line == 7 and "at least one step" in error.message

    def test_questionnaire_ids_are_checked(self, tmp_path: Path) -> None:
        questionnaire = "    kind: questionnaire\n    questionnaire: bdi\n"
        text = VALID.replace("    kind: scale\n", questionnaire)
        (error,) = validate_protocol_file(write(tmp_path, text))
        assert error.line == 13
        assert "'questionnaire' must be one of phq9, gad7, pcl5, who5 (got 'bdi')" in str(error)

    def test_a_step_window_must_be_longer_than_zero(self, tmp_path: Path) -> None:
        (error,) = validate_protocol_file(write(tmp_path, VALID + "    window: 0s\n"))
        assert error.line == 26 and "'window' must be longer than zero" in error.message

    def test_the_default_language_needs_a_text_in_every_step(self, tmp_path: Path) -> None:
        path = write(tmp_path, "default_language: de\n" + VALID)
        (error,) = validate_protocol_file(path)
        assert error.line == 21 and "no 'de' version" in error.message

    def test_every_problem_is_reported_at_once_in_line_order(self, tmp_path: Path) -> None:
        text = VALID.replace("after: 1d", "aftr: 1d").replace("after: 2d", "after: 2 days")
        text = text.replace("reminders: 1", "reminders: 9")
        errors = validate_protocol_file(write(tmp_path, text))
        assert [error.line for error in errors] == [6, 8, 10, 18]
        assert errors[0].message.startswith("'reminders'")

    def test_load_refuses_an_invalid_file_with_all_its_errors(self, tmp_path: Path) -> None:
        path = write(tmp_path, replace_line(10, "    after: soon"))
        with pytest.raises(ProtocolFileError) as caught:
            load_protocol(path)
        assert len(caught.value.errors) == 1
        assert str(caught.value) == (
            f"{path}:10: step 'day1': 'after' must be a duration like 90m, 1d or 12h (got 'soon')"
        )

    def test_a_missing_file_is_reported_without_a_line(self, tmp_path: Path) -> None:
        (error,) = validate_protocol_file(tmp_path / "nope.yaml")
        assert error.line is None and "cannot read the file" in str(error)

    def test_an_empty_file_is_reported(self, tmp_path: Path) -> None:
        (error,) = validate_protocol_file(write(tmp_path, ""))
        assert "empty" in error.message

    def test_a_list_is_not_a_protocol(self, tmp_path: Path) -> None:
        (error,) = validate_protocol_file(write(tmp_path, "- id: x\n"))
        assert error.line == 1 and "must be a mapping" in error.message

    def test_a_tab_indent_is_a_syntax_error_on_its_line(self, tmp_path: Path) -> None:
        (error,) = validate_protocol_file(write(tmp_path, "id: x\nname: y\n\tversion: 1\n"))
        assert error.line == 3 and "YAML syntax error" in error.message

    def test_mapping_errors_carry_no_line(self) -> None:
        with pytest.raises(ProtocolFileError) as caught:
            protocol_from_mapping({"id": "x", "name": "X", "version": 1, "steps": [{"id": "a"}]})
        assert all(error.line is None for error in caught.value.errors)
        assert "<mapping>: step 'a': 'anchor' is missing" in str(caught.value)
