"""The Telegram simulator: an in-process Bot API server for one bot.

The end-to-end tests, the benchmarks and ``ember demo`` run Ember's real
python-telegram-bot ``Application`` against it over HTTP: strict flood control, injectable
faults, 429s, edits, buttons and command menus, as Telegram answers them. See
docs/simulator.md. The entry point is :class:`FakeTelegram`::

    async with FakeTelegram() as tg:
        alex = tg.user(1001)
        app = ApplicationBuilder().token(tg.token).base_url(tg.base_url)...
"""

from ._formatting import EntityParseError, parse_text, utf16_len
from ._methods import RATE_LIMITED_METHODS
from ._models import (
    ApiError,
    CallbackRecord,
    EditRecord,
    Fault,
    RecordedCall,
    SentMessage,
    UploadedFile,
    WebhookAttempt,
)
from ._ratelimit import RateLimiter
from ._server import FakeTelegram
from ._users import FakeUser

__all__ = [
    "RATE_LIMITED_METHODS",
    "ApiError",
    "CallbackRecord",
    "EditRecord",
    "EntityParseError",
    "FakeTelegram",
    "FakeUser",
    "Fault",
    "RateLimiter",
    "RecordedCall",
    "SentMessage",
    "UploadedFile",
    "WebhookAttempt",
    "parse_text",
    "utf16_len",
]
