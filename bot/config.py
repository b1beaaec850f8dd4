"""Settings: every environment variable Ember reads, validated once at start-up.

Read from the environment and from a ``.env`` file (see ``.env.example``). A missing or
malformed value becomes :class:`~bot.errors.ConfigError` with one line naming the variable.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain.brief import BriefTiming, parse_brief_at
from bot.domain.erasure import RetentionPolicy
from bot.errors import ConfigError, InvalidValue
from storage.db import check_url

DEFAULT_API_URL = "https://api.telegram.org/bot"
# what the Bot API accepts as a webhook's secret_token
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _host_port(value: str) -> str:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InvalidValue("must be host:port, like 0.0.0.0:8080")
    return value


def is_local_host(host: str | None) -> bool:
    """True for this machine's own names (localhost, 127.0.0.0/8, ::1), nothing else."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
    health_listen: str | None = None
    log_format: Literal["text", "json"] = "text"
    retention_policy: str = "confirm"
    cache_dir: str | None = None  # None: $XDG_CACHE_HOME/ember or ~/.cache/ember
    brief_at: str = "18:00"  # the pre-integration brief, local time of the therapist
    brief_days_before: int = Field(default=1, ge=0, le=7)
    redis_url: str | None = None  # the shared send budget in Redis; None: in the database

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme not in ("redis", "rediss", "unix") or not (parts.hostname or parts.path):
            raise InvalidValue(
                "must be a Redis URL like redis://127.0.0.1:6379/0 (rediss:// for TLS), "
                "or empty to keep the send budget in the database"
            )
        try:
            parts.port  # noqa: B018 - raises on a port that is not a number
        except ValueError:
            raise InvalidValue("has a port that is not a number") from None
        return value

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
                    f"key {n} is not a valid key (make one with `ember keys generate`)"
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

    @field_validator("brief_at")
    @classmethod
    def _brief_at(cls, value: str) -> str:
        try:
            parse_brief_at(value)
        except ValueError:
            raise InvalidValue(f"{value!r} is not a time of day like 18:00") from None
        return value.strip()

    @property
    def brief_timing(self) -> BriefTiming:
        return BriefTiming(parse_brief_at(self.brief_at), self.brief_days_before)

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        return _host_port(value)

    @field_validator("health_listen")
    @classmethod
    def _health_listen(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return _host_port(value.strip())

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return "text"
        if isinstance(value, str) and value.strip().lower() in ("text", "json"):
            return value.strip().lower()
        raise InvalidValue("must be text or json")

    @field_validator("webhook_url")
    @classmethod
    def _webhook(cls, value: str | None) -> str | None:
        if not value or not value.strip():
            return None
        value = value.strip()
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018  (raises on a malformed port)
        except ValueError:
            raise InvalidValue("is not a URL; use https://your.host/telegram") from None
        if not parts.hostname:
            raise InvalidValue("must be a full URL with a host, like https://your.host/telegram")
        if parts.scheme == "https":
            return value
        if parts.scheme == "http" and is_local_host(parts.hostname):
            return value  # a Bot API server on this machine (tests, a local relay)
        raise InvalidValue(
            "must be an https:// URL Telegram can reach (plain http:// only to this machine)"
        )

    @field_validator("webhook_secret")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not SECRET_PATTERN.fullmatch(value.get_secret_value()):
            raise InvalidValue(
                "may hold only A-Z, a-z, 0-9, _ and - (1 to 256 characters), "
                "e.g. the output of `openssl rand -hex 32`"
            )
        return value

    @field_validator("retention_policy")
    @classmethod
    def _retention(cls, value: str) -> str:
        return RetentionPolicy.parse(value).name

    @field_validator("cache_dir")
    @classmethod
    def _cache_dir(cls, value: str | None) -> str | None:
        return value.strip() if value and value.strip() else None

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

    @property
    def api_url_shown(self) -> str:
        """The Bot API URL as it may be printed: the token left out."""
        return f"{self.telegram_api_url}<token>"

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
                "EMBER_ENCRYPTION_KEY is not set: run `ember keys generate` and put "
                "EMBER_ENCRYPTION_KEY=<key> in .env (journal text is encrypted at rest)"
            )
        return self.encryption_keys

    def require_webhook(self) -> tuple[str, str]:
        """The webhook URL and its secret; webhook mode does not start without both."""
        if self.webhook_url is None:
            raise ConfigError(
                "EMBER_WEBHOOK_URL is not set: webhook mode needs the public https:// URL"
            )
        if self.webhook_secret is None:
            raise ConfigError(
                "EMBER_WEBHOOK_SECRET is not set: webhook mode needs a secret (A-Z, a-z, 0-9, "
                "_ and -, up to 256 characters; e.g. `openssl rand -hex 32`), or anyone who "
                "finds the URL can post updates as any user"
            )
        return self.webhook_url, self.webhook_secret.get_secret_value()


def _problems(exc: ValidationError) -> dict[str, str]:
    """One line per bad setting, naming its variable, by field name."""
    found: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "?"
        reason = str(error["msg"]).removeprefix("Value error, ")
        found.setdefault(field, f"EMBER_{field.upper()} {reason}")
    return found


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment and ``.env``; raise ConfigError naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(next(iter(_problems(exc).values()))) from None


def load_settings_leniently() -> tuple[Settings, dict[str, str]]:
    """Settings with every bad value replaced by its default, and one line per bad value
    (by field name, e.g. ``"database_url"``).

    For ``ember doctor``, which reports every problem at once and goes on checking what
    the good settings allow.
    """
    try:
        return Settings(), {}
    except ValidationError as exc:
        problems = _problems(exc)
    defaults = {
        field: Settings.model_fields[field].default
        for field in problems
        if field in Settings.model_fields
    }
    return Settings(**defaults), problems
