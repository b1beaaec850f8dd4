"""Start-up calls to a Telegram that may not answer yet.

A network that is down, a proxy that is not up yet, a Bot API server restarting: each is
one line in the log (what failed, the URL without the token, what to check) and another
try after a back-off that doubles up to a cap (60 s). A refused token (getMe answered 401
or 404) is not something time mends: it stops start-up at once with one line. A stop
signal during the wait ends the waiting (:class:`~bot.errors.StartupInterrupted`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.config import Settings
from bot.errors import ConfigError, StartupInterrupted, TokenRefused
from bot.logs import Redact

log = logging.getLogger(__name__)
T = TypeVar("T")

FIRST_DELAY = 1.0
MAX_DELAY = 60.0


def describe(exc: BaseException, settings: Settings) -> str:
    """An exception as one short line with no token in it."""
    secrets = [settings.telegram_token.get_secret_value()] if settings.telegram_token else []
    text = " ".join(str(getattr(exc, "message", None) or exc).split())
    return Redact(secrets).scrub(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)


async def _wait(stop: asyncio.Event | None, seconds: float) -> None:
    """Sleep ``seconds``, or raise StartupInterrupted as soon as ``stop`` is set."""
    if stop is None:
        await asyncio.sleep(seconds)
        return
    if stop.is_set():
        raise StartupInterrupted("stopped while waiting for Telegram")
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stop.wait()
    if stop.is_set():
        raise StartupInterrupted("stopped while waiting for Telegram")


async def patiently(
    call: Callable[[], Awaitable[T]],
    method: str,
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
    first_delay: float = FIRST_DELAY,
    max_delay: float = MAX_DELAY,
) -> T:
    """``call()`` until Telegram answers it; one warning line per failed try.

    Raises TokenRefused for a refused token and ConfigError for a request Telegram
    refuses (400: retrying the same request cannot help).
    """
    delay = first_delay
    while True:
        try:
            return await call()
        except InvalidToken:
            # PTB's own message quotes the token: never show it
            raise TokenRefused(
                f"EMBER_TELEGRAM_TOKEN was refused by Telegram ({method} at "
                f"{settings.api_url_shown} answered 401/404): check the token @BotFather "
                "gave you, and EMBER_TELEGRAM_API_URL if it is not Telegram's own server"
            ) from None
        except BadRequest as exc:
            raise ConfigError(
                f"Telegram refused {method} ({describe(exc, settings)}); "
                "check EMBER_WEBHOOK_URL and EMBER_WEBHOOK_SECRET"
            ) from None
        except RetryAfter as exc:
            retry = exc.retry_after
            wait = float(retry.total_seconds() if isinstance(retry, timedelta) else retry)
            reason = "Telegram asked to retry later"
        except NetworkError as exc:  # timeouts, refused connections, 5xx answers
            wait, delay = delay, min(delay * 2, max_delay)
            reason = describe(exc, settings)
        except TelegramError as exc:
            raise ConfigError(
                f"Telegram answered {method} with an error ({describe(exc, settings)}); "
                "check EMBER_TELEGRAM_API_URL"
            ) from None
        log.warning(
            "cannot reach Telegram at %s (%s: %s); retrying in %.0f s. Check the network "
            "(firewall, proxy, DNS) and EMBER_TELEGRAM_API_URL",
            settings.api_url_shown,
            method,
            reason,
            wait,
        )
        await _wait(stop, wait)
