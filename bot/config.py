"""Settings: every environment variable Ember reads, validated once at start-up.

Read from the environment and from a ``.env`` file (see ``.env.example``). A missing or
malformed value becomes :class:`~bot.errors.ConfigError` with one line naming the variable.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain.erasure import RetentionPolicy
from bot.errors import ConfigError, InvalidValue
from storage.db import check_url

DEFAULT_API_URL = "https://api.telegram.org/bot"


class Settings(BaseSettings):
    """Ember's configuration (see .env.example)."""

    model_config = SettingsConfigDict(
        env_prefix="EMBER_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    telegram_token: SecretStr | None = None
    telegram_api_url: str = DEFAULT_API_URL
    database_url: str = "sqlite+aiosqlite:///ember.db"
    encryption_key: SecretStr | None = None
    timezone: str = "UTC"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    listen: str = Field(default="127.0.0.1:8080")
    retention_policy: str = "confirm"

    @field_validator("telegram_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        raw = value.get_secret_value().strip()
        head, sep, tail = raw.partition(":")
        if not sep or not head.isdigit() or not tail:
            raise InvalidValue("must look like 123456789:AAE… (the token @BotFather gave you)")
        return SecretStr(raw)

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise InvalidValue("must be an http:// or https:// URL ending in /bot")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _db_url(cls, value: str) -> str:
        check_url(value)
        return value

    @field_validator("encryption_key")
    @classmethod
    def _keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        for n, key in enumerate(value.get_secret_value().split(","), start=1):
            try:
                Fernet(key.strip().encode())
            except (ValueError, TypeError):
                raise InvalidValue(
                    f"key {n} is not a valid key (make one with `ember keygen`)"
                ) from None
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidValue(f"{value!r} is not an IANA time zone like Europe/Berlin") from None
        return value

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise InvalidValue("must be host:port, like 0.0.0.0:8080")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook(cls, value: str | None) -> str | None:
        if not value:
            return None
        local = value.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]"))
        if not value.startswith("https://") and not local:
            raise InvalidValue("must be an https:// URL Telegram can reach")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        raw = value.get_secret_value()
        if not (1 <= len(raw) <= 256) or not all(c.isalnum() or c in "_-" for c in raw):
            raise InvalidValue("may hold only letters, digits, _ and - (1 to 256 characters)")
        return value

    @field_validator("retention_policy")
    @classmethod
    def _retention(cls, value: str) -> str:
        return RetentionPolicy.parse(value).name

    # -- derived -------------------------------------------------------------------

    @property
    def encryption_keys(self) -> list[bytes]:
        if self.encryption_key is None:
            return []
        return [k.strip().encode() for k in self.encryption_key.get_secret_value().split(",")]

    @property
    def retention(self) -> RetentionPolicy:
        """What /delete leads to (docs/privacy.md)."""
        return RetentionPolicy.parse(self.retention_policy)

    @property
    def listen_host(self) -> str:
        return self.listen.rpartition(":")[0]

    @property
    def listen_port(self) -> int:
        return int(self.listen.rpartition(":")[2])

    def require_token(self) -> str:
        if self.telegram_token is None:
            raise ConfigError(
                "EMBER_TELEGRAM_TOKEN is not set: ask @BotFather on Telegram for a bot token "
                "(/newbot) and put EMBER_TELEGRAM_TOKEN=<token> in .env"
            )
        return self.telegram_token.get_secret_value()

    def require_keys(self) -> list[bytes]:
        if not self.encryption_keys:
            raise ConfigError(
                "EMBER_ENCRYPTION_KEY is not set: run `ember keygen` and put "
                "EMBER_ENCRYPTION_KEY=<key> in .env (journal text is encrypted at rest)"
            )
        return self.encryption_keys


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment and ``.env``; raise ConfigError naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        reason = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"EMBER_{field.upper()} {reason}") from None
