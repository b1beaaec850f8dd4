"""What intake's triage reads of a stored update: a person's words, if any."""

from __future__ import annotations

from typing import Any

import pytest

from bot.updates import waiting_message


def message(**fields: Any) -> dict[str, Any]:
    return {"message_id": 7, "chat": {"id": 5001}, "from": {"id": 5001, "is_bot": False},
            "date": 0, **fields}


@pytest.mark.parametrize(
    ("raw", "text", "edited"),
    [
        ({"message": message(text="hello")}, "hello", False),
        ({"edited_message": message(text="changed")}, "changed", True),
        ({"message": message(photo=[{}], caption="my garden")}, "my garden", False),
        ({"message": message(voice={})}, None, False),  # nothing to read
        ({"message": message(text="/crisis")}, None, False),  # commands keep their place
        ({"message": message(text="   ")}, None, False),
        ({"callback_query": {"id": "1", "data": "ans:1:3"}}, None, False),
        ({"message": {**message(text="hi"), "from": {"id": 1, "is_bot": True}}}, None, False),
    ],
)
def test_only_words_people_wrote_are_read(raw: dict[str, Any], text: str | None,
                                          edited: bool) -> None:
    found = waiting_message(3, raw)
    if text is None:
        assert found is None
        return
    assert found is not None
    assert (found.update_id, found.telegram_user_id, found.chat_id, found.message_id) == (
        3, 5001, 5001, 7)
    assert (found.text, found.edited) == (text, edited)
