"""The Telegram simulator under its former name: see :mod:`bot.simulator`.

Kept so that older imports (``from tests.fakes.telegram_server import FakeTelegram``) keep
working; ``python -m bot.simulator`` runs it alone.
"""

from bot.simulator import (
    RATE_LIMITED_METHODS,
    ApiError,
    CallbackRecord,
    EditRecord,
    EntityParseError,
    FakeTelegram,
    FakeUser,
    Fault,
    RateLimiter,
    RecordedCall,
    SentMessage,
    UploadedFile,
    WebhookAttempt,
    parse_text,
    utf16_len,
)
from bot.simulator.__main__ import main

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
    "main",
    "parse_text",
    "utf16_len",
]

if __name__ == "__main__":
    main()
