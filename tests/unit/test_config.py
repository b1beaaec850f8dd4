"""Settings: defaults as in .env.example, and one clear line naming a wrong variable."""

from __future__ import annotations

import pytest

from bot.config import load_settings, load_settings_leniently
from bot.errors import ConfigError
from storage.crypto import generate_key


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("EMBER_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(str(tmp_path))  # no stray .env


def test_defaults_match_the_spec() -> None:
    s = load_settings()
    assert s.telegram_api_url == "https://api.telegram.org/bot"
    assert s.database_url == "sqlite+aiosqlite:///ember.db"
    assert s.timezone == "UTC"
    assert s.telegram_token is None


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("EMBER_TELEGRAM_TOKEN", "not-a-token"),
        ("EMBER_DATABASE_URL", "mysql://root@localhost/ember"),
        ("EMBER_DATABASE_URL", "::::"),
        ("EMBER_ENCRYPTION_KEY", "too-short"),
        ("EMBER_TIMEZONE", "Mars/Olympus"),
        ("EMBER_TELEGRAM_API_URL", "api.telegram.org"),
        ("EMBER_LISTEN", "localhost"),
        ("EMBER_WEBHOOK_URL", "http://insecure.example"),
    ],
)
def test_a_bad_value_names_its_variable_in_one_line(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as err:
        load_settings()
    message = str(err.value)
    assert message.startswith(variable)
    assert "\n" not in message


def test_env_file_is_read(tmp_path: object) -> None:
    import pathlib

    key = generate_key()
    pathlib.Path(".env").write_text(f"EMBER_ENCRYPTION_KEY={key},{generate_key()}\n")
    assert len(load_settings().encryption_keys) == 2


def test_missing_token_says_how_to_get_one() -> None:
    with pytest.raises(ConfigError, match="BotFather"):
        load_settings().require_token()


def test_secrets_do_not_show_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMBER_TELEGRAM_TOKEN", "123456:ABCDEFsecret")
    assert "ABCDEFsecret" not in repr(load_settings())


@pytest.mark.parametrize(
    "url",
    [
        "http://insecure.example/hook",
        "http://localhost.evil.example/hook",  # looks local, is not
        "http://127.0.0.1.nip.io/hook",
        "ftp://example.org/hook",
        "https:///no-host",
    ],
)
def test_a_webhook_url_must_be_https_unless_it_stays_on_this_machine(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("EMBER_WEBHOOK_URL", url)
    with pytest.raises(ConfigError, match=r"^EMBER_WEBHOOK_URL "):
        load_settings()


@pytest.mark.parametrize(
    "url",
    [
        "https://ember.example.org/telegram",
        "https://ember.example.org:8443/telegram",
        "http://127.0.0.1:8080/hook",
        "http://localhost:8080/hook",
        "http://[::1]:8080/hook",
    ],
)
def test_an_https_or_local_webhook_url_is_accepted(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("EMBER_WEBHOOK_URL", url)
    assert load_settings().webhook_url == url


@pytest.mark.parametrize(
    "secret",
    [
        "has space",
        "émoji-less-but-accented",  # letters, but not the ASCII ones the Bot API takes
        "ünïcödé",
        "semi;colon",
        "x" * 257,
    ],
)
def test_a_webhook_secret_takes_only_what_the_bot_api_accepts(
    monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv("EMBER_WEBHOOK_SECRET", secret)
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert str(err.value).startswith("EMBER_WEBHOOK_SECRET ")
    assert secret not in str(err.value)  # a secret is never echoed


@pytest.mark.parametrize("secret", ["a", "A-z_09", "x" * 256])
def test_a_webhook_secret_of_1_to_256_safe_characters_is_accepted(
    monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv("EMBER_WEBHOOK_SECRET", secret)
    value = load_settings().webhook_secret
    assert value is not None and value.get_secret_value() == secret


def test_webhook_mode_needs_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMBER_WEBHOOK_URL", "https://ember.example.org/telegram")
    with pytest.raises(ConfigError) as err:
        load_settings().require_webhook()
    assert str(err.value).startswith("EMBER_WEBHOOK_SECRET is not set")
    assert "\n" not in str(err.value)
    monkeypatch.setenv("EMBER_WEBHOOK_SECRET", "s3cret-token")
    assert load_settings().require_webhook() == (
        "https://ember.example.org/telegram",
        "s3cret-token",
    )


def test_webhook_mode_needs_a_url() -> None:
    with pytest.raises(ConfigError, match=r"^EMBER_WEBHOOK_URL is not set"):
        load_settings().require_webhook()


def test_log_format_is_text_or_json(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().log_format == "text"
    monkeypatch.setenv("EMBER_LOG_FORMAT", "JSON")
    assert load_settings().log_format == "json"
    monkeypatch.setenv("EMBER_LOG_FORMAT", "xml")
    with pytest.raises(ConfigError, match=r"^EMBER_LOG_FORMAT must be text or json$"):
        load_settings()


def test_the_health_port_is_off_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().health_listen is None
    monkeypatch.setenv("EMBER_HEALTH_LISTEN", "0.0.0.0:9090")
    assert load_settings().health_listen == "0.0.0.0:9090"
    monkeypatch.setenv("EMBER_HEALTH_LISTEN", "9090")
    with pytest.raises(ConfigError, match=r"^EMBER_HEALTH_LISTEN must be host:port"):
        load_settings()


def test_the_api_url_is_shown_without_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMBER_TELEGRAM_TOKEN", "123456:ABCDEFsecret")
    shown = load_settings().api_url_shown
    assert shown == "https://api.telegram.org/bot<token>"


def test_every_bad_setting_is_reported_at_once_for_the_doctor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EMBER_TIMEZONE", "Mars/Olympus")
    monkeypatch.setenv("EMBER_LOG_FORMAT", "xml")
    monkeypatch.setenv("EMBER_WEBHOOK_SECRET", "no spaces allowed")
    settings, bad = load_settings_leniently()
    assert set(bad) == {"timezone", "log_format", "webhook_secret"}
    assert all(line.startswith(f"EMBER_{field.upper()} ") for field, line in bad.items())
    assert all("\n" not in line for line in bad.values())
    # the rest is usable, the bad ones at their defaults
    assert settings.timezone == "UTC" and settings.log_format == "text"
    assert settings.webhook_secret is None


def test_every_setting_is_explained_in_env_example_and_the_contract() -> None:
    import pathlib

    from bot.config import Settings

    root = pathlib.Path(__file__).resolve().parents[2]
    example = (root / ".env.example").read_text(encoding="utf-8")
    contract = (root / "docs" / "contract.md").read_text(encoding="utf-8")
    for field in Settings.model_fields:
        variable = f"EMBER_{field.upper()}"
        assert f"\n{variable}=" in example, variable
        assert f"`{variable}`" in contract, variable


def test_the_briefs_time_is_a_time_of_day() -> None:
    from datetime import time

    from bot.config import Settings

    assert Settings(brief_at="07:30", brief_days_before=2).brief_timing.at == time(7, 30)
    for wrong in ("7pm", "25:00", "18:0"):
        with pytest.raises(ValueError, match="time of day"):
            Settings(brief_at=wrong)
