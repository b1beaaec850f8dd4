"""The rule loader: clear file:line: reason errors, and a cached default screener."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.domain.screening import ScreeningRuleError, Tier
from prompts.screening_loader import RULES_DIR, default_screener, load_rules

MINIMAL = """\
language: en
frames:
  negation:
    position: before
    window: 3
    cap: none
    cues: [not]
rules:
  - id: en.test.sad
    tier: low
    categories: [distress]
    patterns: [sad]
"""


def write(tmp_path: Path, text: str, name: str = "en.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_for(tmp_path: Path, text: str) -> str:
    write(tmp_path, text)
    with pytest.raises(ScreeningRuleError) as info:
        load_rules(tmp_path)
    return str(info.value)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_minimal_rule_file_loads(tmp_path: Path) -> None:
    write(tmp_path, MINIMAL)
    rules = load_rules(tmp_path)
    assert [r.id for r in rules.rules] == ["en.test.sad"]
    assert rules.rules[0].tier is Tier.LOW


def test_bad_regex_names_file_line_and_reason(tmp_path: Path) -> None:
    text = MINIMAL.replace("patterns: [sad]", "patterns:\n      - sad\n      - 'foo('")
    message = error_for(tmp_path, text)
    assert re.match(rf".*en\.yaml:{line_of(text, 'foo(')}: ", message), message
    assert "pattern 'foo(' is not a valid regular expression" in message


def test_unknown_tier(tmp_path: Path) -> None:
    text = MINIMAL.replace("tier: low", "tier: urgent")
    message = error_for(tmp_path, text)
    assert f"en.yaml:{line_of(text, 'urgent')}:" in message
    assert "unknown tier 'urgent'" in message


def test_unknown_category(tmp_path: Path) -> None:
    text = MINIMAL.replace("[distress]", "[sadness]")
    message = error_for(tmp_path, text)
    assert f"en.yaml:{line_of(text, 'sadness')}:" in message
    assert "unknown category 'sadness'" in message


def test_duplicate_rule_id(tmp_path: Path) -> None:
    text = MINIMAL + (
        "  - id: en.test.sad\n    tier: low\n    categories: [distress]\n    patterns: [blue]\n"
    )
    message = error_for(tmp_path, text)
    assert f"en.yaml:{len(text.splitlines()) - 3}:" in message
    assert "duplicate rule id 'en.test.sad'" in message


def test_duplicate_rule_id_across_files(tmp_path: Path) -> None:
    write(tmp_path, MINIMAL)
    write(tmp_path, MINIMAL.replace("language: en", "language: en"), name="en2.yaml")
    with pytest.raises(ScreeningRuleError, match=r"duplicate rule id|already defined"):
        load_rules(tmp_path)


def test_unknown_key_is_a_typo(tmp_path: Path) -> None:
    text = MINIMAL.replace("tier: low", "teir: low")
    message = error_for(tmp_path, text)
    assert f"en.yaml:{line_of(text, 'teir')}: unknown key 'teir'" in message


def test_unknown_frame_reference(tmp_path: Path) -> None:
    text = MINIMAL + "    escalate: {tonight: crisis}\n"
    message = error_for(tmp_path, text)
    assert f"en.yaml:{line_of(text, 'tonight')}:" in message
    assert "unknown frame 'tonight'" in message


def test_undefined_macro(tmp_path: Path) -> None:
    text = MINIMAL.replace("patterns: [sad]", "patterns: ['{nope} sad']")
    assert "undefined macro {nope}" in error_for(tmp_path, text)


def test_upper_case_pattern_is_refused(tmp_path: Path) -> None:
    text = MINIMAL.replace("patterns: [sad]", "patterns: [Sad]")
    assert "must be written in lower case" in error_for(tmp_path, text)


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    text = MINIMAL.replace("    patterns: [sad]", "    patterns: [sad\n    oops: ]")
    message = error_for(tmp_path, text)
    assert re.match(r".*en\.yaml:\d+: ", message), message


def test_id_must_carry_the_language(tmp_path: Path) -> None:
    text = MINIMAL.replace("en.test.sad", "fr.test.sad")
    assert "must start with 'en.'" in error_for(tmp_path, text)


def test_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(ScreeningRuleError, match="no screening rule files"):
        load_rules(tmp_path)


def test_shipped_rules_load_and_default_screener_is_cached(tmp_path: Path) -> None:
    shutil.copytree(RULES_DIR, tmp_path / "rules")
    assert {lang for lang in load_rules(tmp_path / "rules").languages} == {
        "common",
        "en",
        "es",
        "fr",
        "de",
    }
    assert default_screener() is default_screener()


def test_every_problem_in_every_file_is_reported_at_once(tmp_path: Path) -> None:
    """A reviewer fixes the rule files in one pass: no problem hides behind another."""
    from bot.errors import ContentFileError, EmberError

    text = MINIMAL.replace("tier: low", "tier: urgent") + (
        "  - id: en.test.blue\n    tier: low\n    categories: [sadness]\n    patterns: [blue]\n"
    )
    write(tmp_path, text)
    german = MINIMAL.replace("language: en", "language: de").replace("en.", "de.")
    write(tmp_path, german.replace("[sad]", "['foo(']"), "de.yaml")
    with pytest.raises(ScreeningRuleError) as info:
        load_rules(tmp_path)
    error = info.value
    assert isinstance(error, ContentFileError) and isinstance(error, EmberError)
    message = str(error)
    assert f"en.yaml:{line_of(text, 'urgent')}: tier: unknown tier 'urgent'" in message
    assert f"en.yaml:{line_of(text, 'sadness')}: unknown category 'sadness'" in message
    assert "de.yaml:" in message and "not a valid regular expression" in message
    assert len(error.problems) == 3
