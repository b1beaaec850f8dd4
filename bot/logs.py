"""Logging policy: Ember's logs never carry journal text, names, Telegram ids or the token.

Ember's own log lines carry only ids of its own rows and error class names. Two libraries
would leak: httpx logs every request URL (the URL holds the bot token), and PTB's debug
logs print whole updates. Both are held at a level where they say nothing of the sort.
"""

from __future__ import annotations

import logging

QUIET = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "telegram": logging.INFO,
    "apscheduler": logging.WARNING,
    "alembic": logging.WARNING,
    "aiohttp.access": logging.WARNING,
}


def protect() -> None:
    """Hold the leaky libraries' loggers at safe levels (idempotent)."""
    for name, level in QUIET.items():
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level < level:
            logger.setLevel(level)


def configure(verbose: bool) -> None:
    """Logging for the `ember` command."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    protect()
