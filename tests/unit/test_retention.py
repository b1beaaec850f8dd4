"""The clinic's retention policy, the tombstone an erasure leaves, and their words."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.config import load_settings
from bot.domain.erasure import ErasureCounts, RetentionPolicy, tombstone
from bot.domain.people import Person, PersonStatus, Role
from bot.errors import ConfigError, InvalidValue
from bot.services.enrollment import needs_consent
from prompts.catalogue import default_catalogue

WHEN = datetime(2026, 12, 5, 10, 30, tzinfo=UTC)


class TestRetentionPolicy:
    @pytest.mark.parametrize(
        ("text", "name", "keeps"),
        [
            ("confirm", "confirm", False),  # the default: erase when a coordinator confirms
            (" CONFIRM ", "confirm", False),
            ("keep:10y", "keep:10y", True),
            ("keep:30d", "keep:30d", True),
        ],
    )
    def test_the_setting_is_read_and_spelled_back(self, text: str, name: str, keeps: bool) -> None:
        policy = RetentionPolicy.parse(text)
        assert policy.name == name and policy.keeps_records is keeps

    @pytest.mark.parametrize(
        "text",
        ["", "erase", "keep", "keep:0y", "keep:10m", "keep:-1y", "keep:1000y", "keep:ten years"],
    )
    def test_anything_else_is_refused_saying_what_is_allowed(self, text: str) -> None:
        with pytest.raises(InvalidValue, match=r"confirm.*keep:<n>y"):
            RetentionPolicy.parse(text)

    def test_records_are_kept_for_calendar_years_after_participation_ends(self) -> None:
        assert RetentionPolicy.parse("keep:10y").keep_until(WHEN) == WHEN.replace(year=2036)
        assert RetentionPolicy.parse("keep:30d").keep_until(WHEN) == datetime(
            2027, 1, 4, 10, 30, tzinfo=UTC
        )
        assert RetentionPolicy.parse("confirm").keep_until(WHEN) is None

    def test_a_leap_day_becomes_the_28th(self) -> None:
        leap = datetime(2028, 2, 29, tzinfo=UTC)
        assert RetentionPolicy(years=1).keep_until(leap) == datetime(2029, 2, 28, tzinfo=UTC)


class TestSetting:
    @pytest.fixture(autouse=True)
    def clean_env(self, monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
        for name in list(os.environ):
            if name.startswith("EMBER_"):
                monkeypatch.delenv(name)
        monkeypatch.chdir(str(tmp_path))  # no stray .env

    def test_the_default_is_erase_on_confirmation(self) -> None:
        settings = load_settings()
        assert settings.retention_policy == "confirm"
        assert not settings.retention.keeps_records

    def test_a_keeping_policy_is_read_from_the_environment(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("EMBER_RETENTION_POLICY", "keep:10Y")
        assert load_settings().retention == RetentionPolicy(years=10)

    def test_a_bad_value_names_the_variable_in_one_line(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("EMBER_RETENTION_POLICY", "forever")
        with pytest.raises(ConfigError) as err:
            load_settings()
        message = str(err.value)
        assert message.startswith("EMBER_RETENTION_POLICY must be `confirm`")
        assert "\n" not in message


def participant(**values: object) -> Person:
    base = Person(
        id=7,
        role=Role.PARTICIPANT,
        code="P-0142",
        timezone="Europe/Berlin",
        created_at=WHEN,
        status=PersonStatus.WITHDRAWN,
        language="de",
        telegram_user_id=5001,
        chat_id=5001,
        locale="DE",
        therapist_id=3,
        protocol_id="mdma-integration",
        consent_version="2026-11",
        consented_at=WHEN,
        enrolled_at=WHEN,
        withdrawn_at=WHEN,
    )
    return replace(base, **values)  # type: ignore[arg-type]


def test_the_tombstone_keeps_the_code_and_forgets_the_person() -> None:
    left = tombstone(participant())
    assert (left.id, left.code, left.role, left.status) == (
        7,
        "P-0142",
        Role.PARTICIPANT,
        PersonStatus.ERASED,
    )
    assert left.created_at == WHEN
    assert left.telegram_user_id is None and left.chat_id is None
    assert left.therapist_id is None and left.protocol_id is None and left.locale is None
    assert left.consented_at is None and left.enrolled_at is None and left.withdrawn_at is None
    assert (left.timezone, left.language) == ("UTC", "en")
    assert left.withdrawn and not left.reachable


class TestConsentAfterWithdrawal:
    """A participant who agreed once and then withdrew is never asked to agree again before
    what they write is kept and screened (they could not: consent buttons do nothing after
    /stop); leaving needs no new consent either."""

    def test_a_withdrawn_participant_is_not_sent_back_to_consent(self) -> None:
        assert not needs_consent(participant(consent_version="2025-01"), "2026-11")

    def test_an_active_participant_on_an_old_version_is_asked_again(self) -> None:
        old = participant(status=PersonStatus.ACTIVE, consent_version="2025-01")
        assert needs_consent(old, "2026-11")
        assert not needs_consent(old, "2026-11", earlier_will_do=True)  # /stop, /delete

    def test_someone_who_never_agreed_is_always_asked(self) -> None:
        never = participant(status=PersonStatus.CONSENT_PENDING, consent_version=None)
        assert needs_consent(never, "2026-11")
        assert needs_consent(never, "2026-11", earlier_will_do=True)


def test_the_counts_are_an_audit_detail_without_content() -> None:
    counts = ErasureCounts(entries=2, messages=5, flags=1)
    assert counts.summary().startswith("entries=2 messages=5 versions=0")
    assert counts.total == 8 and len(counts.summary()) < 300


ERASURE_KEYS = [
    "journal.after_stop",
    "journal.after_delete",
    "journal.after_delete_kept",
    "stop.done",
    "notice.erasure_requested",
    "notice.erasure_requested_coordinator",
    "notice.erasure_kept",
    "notice.erasure_kept_coordinator",
    "notice.erased",
    "delete.confirm",
    "delete.confirm_kept",
    "delete.requested",
    "delete.requested_kept",
    "delete.already",
    "delete.already_kept",
    "delete.erased",
    "problem.erasure_not_requested",
    "problem.erasure_held",
]


@pytest.mark.parametrize("lang", ["en", "de", "es", "fr"])
def test_every_erasure_text_is_written_in_each_language(lang: str) -> None:
    catalogue = default_catalogue()
    assert set(ERASURE_KEYS) <= catalogue.keys(lang)
    if lang != "en":
        assert all(catalogue.text(k, lang) != catalogue.text(k, "en") for k in ERASURE_KEYS)


def test_staff_are_told_of_an_erasure_request_never_of_a_stop() -> None:
    catalogue = default_catalogue()
    for lang in catalogue.languages:
        for key in (
            "erasure_requested",
            "erasure_requested_coordinator",
            "erasure_kept",
            "erasure_kept_coordinator",
        ):
            words = catalogue.text(f"notice.{key}", lang, code="P-0142", until="2036-12-05")
            assert "P-0142" in words and "(/stop)" not in words, (lang, key)
