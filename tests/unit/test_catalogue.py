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


def test_emoji_are_counted_as_telegram_counts_them() -> None:
    """Telegram counts 4,096 UTF-16 units; an emoji like 🌧 is two of them."""
    from bot.domain.outgoing import utf16_length

    text = "rainy day 🌧🌧 " * 600  # 8,400 characters, 9,600 UTF-16 units
    parts = split_text(text)
    assert all(utf16_length(p) <= 4096 for p in parts)
    assert "".join(parts).replace(" ", "") == text.replace(" ", "")
    assert utf16_length("🌧") == 2 and utf16_length("é") == 1


def test_a_cut_never_falls_inside_a_tag_or_entity() -> None:
    text = ("word " * 816) + "<b>bold &amp; bright</b> " + ("word " * 900)
    for part in split_text(text):
        assert part.count("<") == part.count(">")
        assert part.count("&") == part.count(";")


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
