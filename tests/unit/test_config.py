"""Settings: defaults as in .env.example, and one clear line naming a wrong variable."""

from __future__ import annotations

import pytest

from bot.config import load_settings
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
