"""Logging policy: Ember's logs never carry journal text, names, Telegram ids or the token.

Ember's own log lines carry only ids of its own rows and error class names. Libraries
would leak: httpx logs every request URL (the URL holds the bot token), PTB's debug logs
print whole updates, and SQLAlchemy and aiosqlite log statements with their parameters at
debug level. All are held at a level where they say nothing of the sort, whatever the root
level. On top of that, every line passes :class:`Redact`, which blanks the configured
secrets and anything shaped like a bot token (PTB's own InvalidToken message quotes it).

Two formats, the same records: ``text`` (one line each, for a terminal or journald) and
``json`` (one JSON object a line, for a log collector), chosen by ``EMBER_LOG_FORMAT``.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TextIO

QUIET = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "telegram": logging.INFO,
    "apscheduler": logging.WARNING,
    "alembic": logging.WARNING,
    "aiohttp.access": logging.WARNING,
    # statements with their parameters (Telegram ids, codes) at debug and info level
    "sqlalchemy": logging.WARNING,
    "aiosqlite": logging.WARNING,
    "asyncpg": logging.WARNING,
}

# a bot token as @BotFather makes them: the bot's id, a colon, 30-odd URL-safe characters
TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
HIDDEN = "<hidden>"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def protect() -> None:
    """Hold the leaky libraries' loggers at safe levels (idempotent)."""
    for name, level in QUIET.items():
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level < level:
            logger.setLevel(level)


class Redact(logging.Filter):
    """Blanks the given secrets and anything shaped like a bot token in a record's message
    and traceback; attached to the handlers, so it sees every library's records too."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, HIDDEN)
        return TOKEN_SHAPE.sub(HIDDEN, text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, and the
    exception's class and traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["traceback"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def handler(
    fmt: str = "text", *, secrets: Iterable[str] = (), stream: TextIO | None = None
) -> logging.Handler:
    """A stream handler in ``fmt`` (text or json) that redacts ``secrets`` and tokens."""
    out = logging.StreamHandler(stream or sys.stderr)
    out.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    out.addFilter(Redact(secrets))
    return out


def configure(verbose: bool, fmt: str = "text", *, secrets: Iterable[str] = ()) -> None:
    """Logging for the `ember` command: one handler on the root logger, replacing others."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler(fmt, secrets=secrets))
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    protect()
