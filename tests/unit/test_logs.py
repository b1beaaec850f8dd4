"""Log lines, text or JSON: one record a line, no token, no secret, libraries held quiet."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot import logs

TOKEN = "123456789:AAEhBP0av28ZrCfVsSz3XJjEuGRBWpz5Gq8"  # shaped like @BotFather's, not real


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    logger = logging.getLogger("ember.test.logs")
    out = logs.handler("json", secrets=["s3cret-token"], stream=stream)
    logger.addHandler(out)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(out)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_time_level_logger_and_message(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    logger.info("sent outbox message %d", 42)
    (entry,) = lines(stream)
    assert entry["level"] == "INFO" and entry["logger"] == "ember.test.logs"
    assert entry["message"] == "sent outbox message 42"
    assert str(entry["time"]).endswith("+00:00")


def test_an_exception_is_one_json_line_with_its_class_and_traceback(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    try:
        raise RuntimeError(f"request to /bot{TOKEN}/getMe failed")
    except RuntimeError:
        logger.exception("update %d could not be processed", 7)
    assert len(stream.getvalue().splitlines()) == 1
    (entry,) = lines(stream)
    assert entry["error"] == "RuntimeError"
    assert "Traceback" in str(entry["traceback"])
    assert TOKEN not in stream.getvalue()
    assert logs.HIDDEN in str(entry["traceback"])


def test_tokens_and_secrets_are_blanked_in_messages_and_arguments(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    logger.warning("The token `%s` was rejected by the server.", TOKEN)
    logger.warning("header was s3cret-token")
    text = stream.getvalue()
    assert TOKEN not in text and "s3cret-token" not in text
    assert [e["message"] for e in lines(stream)] == [
        f"The token `{logs.HIDDEN}` was rejected by the server.",
        f"header was {logs.HIDDEN}",
    ]


def test_text_format_redacts_the_same() -> None:
    stream = io.StringIO()
    out = logs.handler("text", stream=stream)
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "token %s", (TOKEN,), None)
    out.handle(record)
    assert TOKEN not in stream.getvalue() and logs.HIDDEN in stream.getvalue()


def test_libraries_that_log_statements_or_urls_are_held_quiet() -> None:
    logs.protect()
    for name in ("sqlalchemy.engine.Engine", "aiosqlite", "asyncpg", "httpx"):
        assert not logging.getLogger(name).isEnabledFor(logging.INFO), name
    assert not logging.getLogger("telegram.ext").isEnabledFor(logging.DEBUG)


def test_configure_puts_one_handler_on_the_root() -> None:
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    try:
        logs.configure(False, "json", secrets=["abcdefgh"])
        logs.configure(True, "json", secrets=["abcdefgh"])
        assert len(root.handlers) == 1
        assert isinstance(root.handlers[0].formatter, logs.JsonFormatter)
        assert root.level == logging.DEBUG
    finally:
        for h in list(root.handlers):
            root.removeHandler(h)
        for h in saved:
            root.addHandler(h)
        root.setLevel(level)
