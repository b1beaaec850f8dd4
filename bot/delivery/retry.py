"""The retry policy: a pure function from a delivery error and attempt count to a decision."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import timedelta

from bot.errors import EmberError


class DeliveryErrorKind(enum.Enum):
    RATE_LIMITED = "rate_limited"  # 429: Telegram says when to come back
    BLOCKED = "blocked"  # 403: the person blocked the bot or deleted their account
    CHAT_NOT_FOUND = "chat_not_found"  # 400: the chat does not exist for this bot
    BAD_REQUEST = "bad_request"  # 400 of another kind: our message is wrong; retrying won't help
    SERVER_ERROR = "server_error"  # 5xx or a refused/reset connection before anything was sent
    TIMEOUT = "timeout"  # no answer in time: the message may or may not have been sent


class DeliveryError(EmberError):
    """Telegram refused or failed a send; ``kind`` decides what the retry policy does."""

    def __init__(
        self, kind: DeliveryErrorKind, detail: str = "", retry_after: float | None = None
    ) -> None:
        self.kind, self.detail, self.retry_after = kind, detail, retry_after
        super().__init__(f"{kind.value}: {detail}" if detail else kind.value)


@dataclass(frozen=True)
class RetryDecision:
    delay: timedelta
    ambiguous: bool = False  # the failed attempt may have reached the chat
    counts_as_attempt: bool = True


MAX_ATTEMPTS = 12
BASE_DELAY = 2.0
MAX_DELAY = 600.0


def backoff(attempts: int) -> timedelta:
    """2 s, 4 s, 8 s … capped at 10 min."""
    return timedelta(seconds=min(MAX_DELAY, BASE_DELAY * 2 ** max(0, attempts - 1)))


def decide(error: DeliveryError, attempts: int) -> RetryDecision | None:
    """What to do after ``attempts`` failed tries; ``None`` means give up (and surface it)."""
    match error.kind:
        case DeliveryErrorKind.RATE_LIMITED:
            # Telegram's own word; it is not our failure, so it never uses up attempts.
            return RetryDecision(
                timedelta(seconds=max(1.0, error.retry_after or 1.0)), counts_as_attempt=False
            )
        case DeliveryErrorKind.BLOCKED | DeliveryErrorKind.CHAT_NOT_FOUND:
            return None
        case DeliveryErrorKind.BAD_REQUEST:
            return None
        case DeliveryErrorKind.SERVER_ERROR:
            return None if attempts >= MAX_ATTEMPTS else RetryDecision(backoff(attempts))
        case DeliveryErrorKind.TIMEOUT:
            if attempts >= MAX_ATTEMPTS:
                return None
            return RetryDecision(backoff(attempts), ambiguous=True)
    return None  # pragma: no cover - match is exhaustive
