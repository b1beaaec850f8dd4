"""The one road to Telegram, against the fake Bot API over HTTP: edits take the buttons off,
an edit that changes nothing is done, and refusals become the retry policy's kinds."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from bot.delivery.retry import DeliveryError, DeliveryErrorKind
from bot.delivery.telegram_sender import TelegramSender
from bot.domain.outgoing import Button, Outgoing, photo
from bot.simulator import FakeTelegram

CHAT = 7001
ALERT = Outgoing("⚠️ CRISIS alert", buttons=((Button("Acknowledge", "ack:flag:3"),),))
DONE = Outgoing("⚠️ CRISIS alert\n\n✅ Acknowledged by T-02")


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        server.user(CHAT, "Dana").send_text("hello")  # the chat is open to the bot
        yield server


@pytest.fixture
async def sender(tg: FakeTelegram) -> AsyncIterator[TelegramSender]:
    bot = Bot(tg.token, base_url=f"{tg.url}/bot")
    async with bot:
        yield TelegramSender(bot)


class TestEdit:
    async def test_an_edit_changes_the_text_and_takes_the_buttons_off(
        self, tg: FakeTelegram, sender: TelegramSender
    ) -> None:
        message_id = await sender.send(CHAT, ALERT)
        assert tg.user(CHAT).buttons(message_id) == [("Acknowledge", "ack:flag:3")]
        await sender.edit(CHAT, message_id, DONE)
        [sent] = tg.sent_to(CHAT)
        assert sent.text == DONE.text and sent.buttons == []
        assert [e.method for e in sent.edits] == ["editMessageText"]

    async def test_an_edit_that_changes_nothing_is_done(
        self, tg: FakeTelegram, sender: TelegramSender
    ) -> None:
        message_id = await sender.send(CHAT, ALERT)
        await sender.edit(CHAT, message_id, DONE)
        await sender.edit(CHAT, message_id, DONE)  # "message is not modified": no error
        assert [c.status for c in tg.calls_to("editMessageText")] == [200, 400]
        assert len(tg.sent_to(CHAT)[0].edits) == 1

    @pytest.mark.parametrize(
        ("status", "kind"),
        [
            (429, DeliveryErrorKind.RATE_LIMITED),
            (500, DeliveryErrorKind.SERVER_ERROR),
            (502, DeliveryErrorKind.SERVER_ERROR),
        ],
    )
    async def test_a_refused_edit_says_what_the_retry_policy_needs(
        self, tg: FakeTelegram, sender: TelegramSender, status: int, kind: DeliveryErrorKind
    ) -> None:
        message_id = await sender.send(CHAT, ALERT)
        tg.fail_next("editMessageText", status=status)
        with pytest.raises(DeliveryError) as refused:
            await sender.edit(CHAT, message_id, DONE)
        assert refused.value.kind is kind
        assert tg.sent_to(CHAT)[0].buttons  # nothing changed

    async def test_an_edit_of_a_message_that_is_gone_is_a_bad_request(
        self, sender: TelegramSender
    ) -> None:
        with pytest.raises(DeliveryError) as refused:
            await sender.edit(CHAT, 999, DONE)
        assert refused.value.kind is DeliveryErrorKind.BAD_REQUEST


class TestSend:
    @pytest.mark.parametrize("processed", [True, False])
    async def test_a_connection_dropped_after_the_request_left_is_ambiguous(
        self, tg: FakeTelegram, sender: TelegramSender, processed: bool
    ) -> None:
        """Ember cannot tell whether Telegram acted on it: retried, and recorded ambiguous."""
        tg.drop_connection_next("sendMessage", after_processing=processed)
        with pytest.raises(DeliveryError) as dropped:
            await sender.send(CHAT, ALERT)
        assert dropped.value.kind is DeliveryErrorKind.TIMEOUT
        assert len(tg.sent_to(CHAT)) == (1 if processed else 0)

    async def test_a_refused_connection_never_sent_anything(self) -> None:
        gone = FakeTelegram()
        await gone.start()
        bot = Bot(gone.token, base_url=f"{gone.url}/bot")
        async with bot:
            await gone.stop()  # nothing listens any more
            with pytest.raises(DeliveryError) as refused:
                await TelegramSender(bot).send(CHAT, ALERT)
        assert refused.value.kind is DeliveryErrorKind.SERVER_ERROR


class TestPhoto:
    async def test_a_chart_goes_as_a_photo_upload_with_its_caption(
        self, tg: FakeTelegram, sender: TelegramSender
    ) -> None:
        png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
        message = Outgoing("Digest for Dr. T-01", meta={"photo": photo(png, "digest.png")})
        message_id = await sender.send(CHAT, message)
        [sent] = tg.sent_to(CHAT)
        assert sent.message_id == message_id and sent.kind == "photo"
        assert sent.caption == "Digest for Dr. T-01"
        assert sent.file is not None and sent.file.content == png

    async def test_a_refused_photo_is_retried_like_any_message(
        self, tg: FakeTelegram, sender: TelegramSender
    ) -> None:
        message = Outgoing("chart", meta={"photo": photo(b"\x89PNG\r\n\x1a\n", "c.png")})
        tg.fail_next("sendPhoto", status=502)
        with pytest.raises(DeliveryError) as refused:
            await sender.send(CHAT, message)
        assert refused.value.kind is DeliveryErrorKind.SERVER_ERROR
        await sender.send(CHAT, message)
        assert [m.kind for m in tg.sent_to(CHAT)] == ["photo"]
