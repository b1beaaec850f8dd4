"""The message catalogue: complete in English, placeholders kept in translations."""

from __future__ import annotations

import re

import pytest

from bot.domain.outgoing import split_text
from prompts.catalogue import crisis_resources, crisis_text, default_catalogue

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_every_translation_keeps_the_english_placeholders() -> None:
    cat = default_catalogue()
    for lang in cat.languages:
        for key in cat.keys(lang):
            en = set(PLACEHOLDER.findall(cat.text(key, "en")))
            assert set(PLACEHOLDER.findall(cat.text(key, lang))) == en, (lang, key)


def test_missing_translation_falls_back_to_english() -> None:
    cat = default_catalogue()
    assert cat.text("unknown_command", "xx") == cat.text("unknown_command", "en")


@pytest.mark.parametrize(
    ("region", "tz", "expect"),
    [
        (None, "America/New_York", "988"),
        (None, "Europe/London", "116 123"),
        (None, "Europe/Berlin", "0800 111 0 111"),
        (None, "Europe/Madrid", "024"),
        (None, "Europe/Paris", "3114"),
        (None, "Europe/Vienna", "112"),
        ("US", "Europe/Berlin", "988"),
        (None, "Asia/Tokyo", "findahelpline"),
    ],
)
def test_crisis_resources_follow_region_then_zone(region: str | None, tz: str, expect: str) -> None:
    assert expect in crisis_text(default_catalogue(), "en", region, tz)


def test_every_region_has_a_line() -> None:
    assert all(crisis_resources().regions.values())


def test_long_text_is_split_at_telegrams_limit() -> None:
    text = ("word " * 3000).strip()
    parts = split_text(text)
    assert all(len(p) <= 4096 for p in parts)
    assert " ".join(parts).split() == text.split()


def test_every_key_the_code_uses_is_in_the_english_catalogue() -> None:
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2]
    pattern = re.compile(
        r"(?:text\(context,\s*|catalogue\.text\(|cat\.text\()\s*"
        r"""["']([a-z_]+\.[a-z_.]+|[a-z_]+)["']"""
    )
    used: set[str] = set()
    for folder in ("handlers", "bot"):
        for path in (root / folder).rglob("*.py"):
            used |= set(pattern.findall(path.read_text()))
    known = default_catalogue().keys("en")
    missing = sorted(k for k in used if k not in known)
    assert used and missing == []
