"""Every error Ember raises is an EmberError whose explanation is in the catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import bot.delivery.retry
import bot.errors
from bot.errors import ContentFileError, EmberError, InvalidValue, NotFound, Problem
from prompts.catalogue import default_catalogue

ROOT = Path(__file__).resolve().parents[2]


def subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *subclasses(sub)]
    return found


def test_every_error_class_names_a_message_in_the_catalogue() -> None:
    catalogue = default_catalogue()
    assert bot.delivery.retry.DeliveryError in subclasses(EmberError)
    for cls in [EmberError, *subclasses(EmberError)]:
        keys = catalogue.keys()
        assert cls.key in keys, cls.__name__


def test_every_key_an_error_is_raised_with_is_in_the_catalogue() -> None:
    keys = default_catalogue().keys()
    for package in ("bot", "handlers", "storage", "prompts"):
        for path in (ROOT / package).rglob("*.py"):
            for key in re.findall(r'key="(problem\.[a-z_.]+)"', path.read_text(encoding="utf-8")):
                assert key in keys, f"{path.relative_to(ROOT)}: {key}"


def test_a_person_reads_the_catalogue_not_the_exception() -> None:
    error = NotFound("no therapist with code T-9 (internal detail)", key="problem.no_therapist",
                     code="T-9")
    text = default_catalogue().text(error.key, "en", **error.values)
    assert text == "no therapist with code T-9"
    assert "internal" in str(error)  # for logs only


def test_invalid_values_are_still_value_errors_for_parsers() -> None:
    assert issubclass(InvalidValue, ValueError) and issubclass(ContentFileError, ValueError)


def test_a_content_file_error_lists_every_problem_with_file_and_line() -> None:
    error = ContentFileError([Problem("a.yaml", 3, "first"), Problem("a.yaml", None, "second")])
    assert str(error) == "a.yaml:3: first\na.yaml: second"
    assert [p.line for p in error.problems] == [3, None]


def test_the_tree_in_the_docstring_names_every_error() -> None:
    doc = bot.errors.__doc__ or ""
    for cls in subclasses(EmberError):
        if cls.__module__.startswith(("bot.errors", "bot.delivery")):
            assert cls.__name__ in doc, cls.__name__


def test_a_catalogue_file_reports_every_problem_with_its_line(tmp_path: Path) -> None:
    from prompts.catalogue import CatalogueError, load_catalogue

    (tmp_path / "en.yaml").write_text(
        'greeting: "Hello"\nyes: "a key YAML reads as true"\nfarewell: [not, text]\n',
        encoding="utf-8",
    )
    try:
        load_catalogue(tmp_path)
    except CatalogueError as error:
        assert [p.line for p in error.problems] == [2, 3]
    else:
        raise AssertionError("a broken catalogue loaded")


def test_crisis_resources_report_every_problem(tmp_path: Path) -> None:
    from prompts.catalogue import CatalogueError, crisis_resources

    path = tmp_path / "crisis.yaml"
    path.write_text(
        'regions:\n  US:\n    - {name: "Line", contact: "988"}\n'
        "default: XX\nzones:\n  Europe/: EU\n",
        encoding="utf-8",
    )
    try:
        crisis_resources(path)
    except CatalogueError as error:
        assert len(error.problems) == 2, str(error)
    else:
        raise AssertionError("broken crisis resources loaded")
