"""Numbers people type or buttons carry are read strictly: never a crash, never a surprise."""

from __future__ import annotations

import pytest

from bot.domain.numbers import MAX_ID, parse_number, parse_scale_answer


@pytest.mark.parametrize(("text", "value"), [("0", 0), ("7", 7), (" 42 ", 42), ("007", 7)])
def test_plain_digits_are_numbers(text: str, value: int) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(
    "text",
    ["²", "٣", "４２", "1e3", "-1", "+1", "1.0", "", " ", "12a", "9" * 10, None, "1 2"],
)
def test_anything_else_is_not(text: str | None) -> None:
    assert parse_number(text) is None


def test_a_maximum_is_kept() -> None:
    assert parse_number("10", maximum=10) == 10
    assert parse_number("11", maximum=10) is None
    assert parse_number(str(MAX_ID)) == MAX_ID


@pytest.mark.parametrize(
    ("text", "value"), [("7", 7), (" 7 ", 7), ("7/10", 7), ("7 / 10", 7), ("0", 0), ("10/10", 10)]
)
def test_a_scale_answer_is_just_its_number(text: str, value: int) -> None:
    assert parse_scale_answer(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "I'd say 7 but yesterday 2",
        "11",
        "7/5",
        "7/",
        "/10",
        "7.5",
        "7,5",
        "-1",
        "７",
        "seven",
        "7 10",
        "7/10/10",
        "",
        None,
    ],
)
def test_anything_else_is_not_a_scale_answer(text: str | None) -> None:
    assert parse_scale_answer(text) is None
