"""The fake Bot API server, driven by python-telegram-bot over real HTTP."""

from __future__ import annotations

import asyncio
import datetime as dt
import warnings
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application, ApplicationBuilder, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from bot.simulator import FakeTelegram, RateLimiter, parse_text

USER_ID = 1001
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


class ManualClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def retry_seconds(error: RetryAfter) -> float:
    """``RetryAfter.retry_after`` in seconds (an int today, a timedelta in PTB 23)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def make_bot(tg: FakeTelegram, read_timeout: float = 3.0) -> Bot:
    return Bot(
        tg.token,
        base_url=tg.base_url,
        base_file_url=tg.base_file_url,
        request=HTTPXRequest(connection_pool_size=40, read_timeout=read_timeout),
        get_updates_request=HTTPXRequest(read_timeout=read_timeout),
    )


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(enforce_limits=False) as server:
        yield server
    assert server.internal_errors == []


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with make_bot(tg) as client:
        yield client


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d)] for t, d in pairs])


# ---------------------------------------------------------------------- basics


async def test_get_me_describes_the_bot(tg: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()

    assert (me.id, me.username, me.is_bot) == (123456, "ember_test_bot", True)
    assert tg.calls[0].method == "getMe" and tg.calls[0].status == 200


async def test_sent_message_is_recorded_and_returned_like_telegram(
    tg: FakeTelegram, bot: Bot
) -> None:
    alex = tg.user(USER_ID)

    first = await bot.send_message(
        USER_ID,
        "<b>Hello</b> &amp; welcome",
        parse_mode="HTML",
        reply_markup=keyboard(("Go", "go")),
    )
    second = await bot.send_message(USER_ID, "again")

    assert first.text == "Hello & welcome"
    assert first.entities[0].type == "bold" and first.entities[0].length == 5
    assert first.from_user is not None and first.from_user.id == tg.bot_id
    assert (first.message_id, second.message_id) == (1, 2)
    assert alex.messages[0].raw_text == "<b>Hello</b> &amp; welcome"
    assert alex.buttons(first) == [("Go", "go")]
    assert [m.text for m in tg.sent] == ["Hello & welcome", "again"]
    assert tg.calls_to("sendMessage")[0].params["chat_id"] == USER_ID


async def test_user_messages_arrive_as_real_updates(tg: FakeTelegram, bot: Bot) -> None:
    alex = tg.user(USER_ID, "Alex", "de", username="alex_k")
    prompt = await bot.send_message(USER_ID, "How was today?")
    alex.send_command("/start", "abc")
    alex.reply_to(prompt, "Calm")
    alex.edit(3, "Calm, mostly")
    alex.send_photo(caption="view")
    alex.send_voice()
    alex.send_document("notes.pdf")
    alex.send_sticker()

    updates = await bot.get_updates(timeout=0)

    start, reply, edited, photo, voice, document, sticker = updates
    assert start.message is not None and start.message.text == "/start abc"
    assert start.message.entities[0].type == "bot_command"
    assert start.effective_user is not None
    assert (start.effective_user.language_code, start.effective_user.username) == ("de", "alex_k")
    assert reply.message is not None and reply.message.reply_to_message is not None
    assert reply.message.reply_to_message.message_id == prompt.message_id
    assert edited.edited_message is not None and edited.edited_message.text == "Calm, mostly"
    assert photo.message is not None and photo.message.photo[-1].width == 800
    assert photo.message.caption == "view"
    assert voice.message is not None and voice.message.voice is not None
    assert document.message is not None and document.message.document is not None
    assert document.message.document.file_name == "notes.pdf"
    assert sticker.message is not None and sticker.message.sticker is not None


async def test_files_round_trip_through_upload_get_file_and_download(
    tg: FakeTelegram, bot: Bot
) -> None:
    alex = tg.user(USER_ID)
    await bot.send_document(USER_ID, b"code,tier\nP-1,none\n", filename="export.csv")
    alex.send_document("scan.pdf", content=b"%PDF-scan")
    (update,) = await bot.get_updates()

    assert alex.last_message.file is not None
    assert alex.last_message.file.content == b"code,tier\nP-1,none\n"
    assert alex.last_message.file.file_name == "export.csv"
    assert update.message is not None and update.message.document is not None
    telegram_file = await bot.get_file(update.message.document.file_id)
    assert await telegram_file.download_as_bytearray() == bytearray(b"%PDF-scan")


# ---------------------------------------------------------------------- the Application


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"Welcome, code {context.args}")


def build_app(tg: FakeTelegram, *, updater: bool) -> Application[Any, Any, Any, Any, Any, Any]:
    builder = (
        ApplicationBuilder()
        .token(tg.token)
        .base_url(tg.base_url)
        .base_file_url(tg.base_file_url)
        .get_updates_read_timeout(3)
    )
    if not updater:
        builder = builder.updater(None)
    app = builder.build()
    app.add_handler(CommandHandler("start", start))
    return app


async def test_application_answers_start_from_fetched_updates(tg: FakeTelegram) -> None:
    alex = tg.user(USER_ID)
    app = build_app(tg, updater=False)
    async with app:
        alex.send_command("/start", "abc")
        for update in await app.bot.get_updates(timeout=1):
            await app.process_update(update)

    reply = await alex.wait_for_message()
    assert reply.text == "Welcome, code ['abc']"
    assert [c.method for c in tg.calls] == ["getMe", "getUpdates", "sendMessage"]


async def test_application_polls_answers_and_confirms_on_stop(tg: FakeTelegram) -> None:
    alex = tg.user(USER_ID)
    app = build_app(tg, updater=True)
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=2)
        await app.start()
        update = alex.send_command("/start", "xyz")
        reply = await alex.wait_for_message(timeout=3)
        await app.updater.stop()
        await app.stop()

    assert reply.text == "Welcome, code ['xyz']"
    assert tg.pending_updates == []  # the final getUpdates confirmed it
    latency = tg.reply_latency(update["update_id"])
    assert latency is not None and 0 <= latency < 1
    methods = [c.method for c in tg.calls]
    assert methods[:2] == ["getMe", "deleteWebhook"]


# ---------------------------------------------------------------------- errors


async def test_blocked_user_gives_forbidden_and_a_my_chat_member_update(
    tg: FakeTelegram, bot: Bot
) -> None:
    alex = tg.user(USER_ID)
    alex.block_bot()

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER_ID, "hello?")
    (update,) = await bot.get_updates()
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"
    assert tg.sent == []

    alex.unblock_bot()
    await bot.send_message(USER_ID, "welcome back")
    assert alex.texts == ["welcome back"]


async def test_unknown_chat_is_bad_request(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(999, "anyone?")


async def test_user_who_never_started_the_bot_cannot_be_written_to(
    tg: FakeTelegram, bot: Bot
) -> None:
    quiet = tg.user(USER_ID, started=False)
    with pytest.raises(Forbidden, match="can't initiate conversation"):
        await bot.send_message(USER_ID, "hi")
    quiet.send_text("hi bot")
    await bot.send_message(USER_ID, "hi")


async def test_text_length_and_markup_are_validated(tg: FakeTelegram, bot: Bot) -> None:
    tg.user(USER_ID)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER_ID, "x" * 4097)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER_ID, "")
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(USER_ID, "pick", reply_markup=keyboard(("a", "x" * 65)))
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(USER_ID, "I <3 you", parse_mode="HTML")
    with pytest.raises(BadRequest, match="reserved"):
        await bot.send_message(USER_ID, "Done.", parse_mode="MarkdownV2")
    await bot.send_message(USER_ID, "x" * 4096)
    await bot.send_message(USER_ID, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert len(tg.sent) == 2


async def test_injected_errors_become_ptb_exceptions(tg: FakeTelegram, bot: Bot) -> None:
    tg.user(USER_ID)
    tg.fail_next("sendMessage")
    tg.fail_next("sendMessage", status=429, retry_after=7)
    tg.fail_next("sendMessage", status=400, description="Bad Request: chat not found")

    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(USER_ID, "1")
    with pytest.raises(RetryAfter) as retry:
        await bot.send_message(USER_ID, "2")
    with pytest.raises(BadRequest):
        await bot.send_message(USER_ID, "3")
    await bot.send_message(USER_ID, "4")

    assert retry_seconds(retry.value) == 7
    assert [m.text for m in tg.sent] == ["4"]
    assert [c.status for c in tg.calls_to("sendMessage")] == [500, 429, 400, 200]


async def test_wrong_token_and_unknown_method(tg: FakeTelegram, bot: Bot) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{tg.url}/bot{tg.token}/fooBar", json={})
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("fooBar")
    with pytest.raises(InvalidToken):
        await Bot("654321:WRONG", base_url=tg.base_url).get_me()


async def test_get_query_parameters_and_json_bodies_are_accepted(tg: FakeTelegram) -> None:
    tg.user(USER_ID)
    async with httpx.AsyncClient(base_url=f"{tg.url}/bot{tg.token}") as client:
        by_get = await client.get("/sendMessage", params={"chat_id": USER_ID, "text": "q"})
        by_json = await client.post(
            "/sendMessage",
            json={"chat_id": USER_ID, "text": "j", "reply_markup": keyboard(("a", "b")).to_dict()},
        )
    assert by_get.json()["result"]["text"] == "q"
    assert by_json.json()["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "a"


# ---------------------------------------------------------------------- timeouts and drops


async def test_timeout_after_processing_is_the_ambiguous_case(tg: FakeTelegram) -> None:
    tg.user(USER_ID)
    tg.timeout_next("sendMessage", delay=2)
    tg.timeout_next("sendMessage", delay=2, after_processing=False)
    async with make_bot(tg, read_timeout=0.3) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(USER_ID, "sent, but the answer was lost")
        with pytest.raises(TimedOut):
            await bot.send_message(USER_ID, "never sent")

    assert [m.text for m in tg.sent] == ["sent, but the answer was lost"]
    assert [c.fault for c in tg.calls_to("sendMessage")] == ["timeout", "timeout"]


async def test_dropped_connection_is_a_network_error(tg: FakeTelegram, bot: Bot) -> None:
    tg.user(USER_ID)
    tg.drop_connection_next("sendMessage")
    tg.drop_connection_next("sendMessage", after_processing=True)

    with pytest.raises(NetworkError):
        await bot.send_message(USER_ID, "lost")
    with pytest.raises(NetworkError):
        await bot.send_message(USER_ID, "sent anyway")

    assert [m.text for m in tg.sent] == ["sent anyway"]


# ---------------------------------------------------------------------- getUpdates


async def test_offset_confirms_and_unconfirmed_updates_come_again(
    tg: FakeTelegram, bot: Bot
) -> None:
    alex = tg.user(USER_ID)
    for text in ("one", "two", "three"):
        alex.send_text(text)

    first = await bot.get_updates(limit=2)
    again = await bot.get_updates()
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    after = await bot.get_updates(offset=rest[-1].update_id + 1)

    assert [u.update_id for u in first] == [1, 2]
    assert [u.update_id for u in again] == [1, 2, 3]
    assert [u.update_id for u in rest] == [3]
    assert after == ()
    assert tg.delivery_count(1) == 2 and tg.delivery_count(3) == 2
    assert tg.update_fetched_at(1) is not None


async def test_long_poll_returns_as_soon_as_an_update_arrives(tg: FakeTelegram, bot: Bot) -> None:
    alex = tg.user(USER_ID)
    loop = asyncio.get_running_loop()
    loop.call_later(0.2, alex.send_text, "late")
    started = loop.time()

    updates = await bot.get_updates(timeout=2)

    assert [u.message.text for u in updates if u.message] == ["late"]
    assert 0.15 < loop.time() - started < 1.0


async def test_a_newer_get_updates_terminates_the_older_long_poll(
    tg: FakeTelegram, bot: Bot
) -> None:
    older = asyncio.create_task(bot.get_updates(timeout=2))
    await tg.wait_until(lambda: len(tg.calls_to("getUpdates")) == 1)
    await asyncio.sleep(0.05)

    assert await bot.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates"):
        await older


async def test_duplicate_delivery_repeats_the_same_update_id(tg: FakeTelegram, bot: Bot) -> None:
    alex = tg.user(USER_ID)
    tg.duplicate_next_update()
    alex.send_text("twice")

    first = await bot.get_updates()
    second = await bot.get_updates(offset=first[-1].update_id + 1)
    tg.redeliver(first[0].update_id)
    third = await bot.get_updates(offset=first[-1].update_id + 1)

    assert [u.update_id for u in first] == [1]
    assert [u.update_id for u in second] == [1]
    assert [u.update_id for u in third] == [1]
    assert tg.delivery_count(1) == 3


async def test_allowed_updates_filters_later_updates(tg: FakeTelegram, bot: Bot) -> None:
    alex = tg.user(USER_ID)
    await bot.get_updates(allowed_updates=["callback_query"])
    alex.send_text("ignored")
    assert await bot.get_updates() == ()
    assert len(tg.discarded_updates) == 1


# ---------------------------------------------------------------------- webhook


async def test_webhook_posts_with_secret_retries_and_blocks_get_updates(
    tg: FakeTelegram, bot: Bot
) -> None:
    received: list[tuple[int, str | None]] = []
    answers = iter([500, 200, 200])

    async def receive(request: web.Request) -> web.Response:
        body = await request.json()
        status = next(answers)
        received.append((body["update_id"], request.headers.get("X-Telegram-Bot-Api-Secret-Token")))
        return web.Response(status=status)

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    tg.webhook_retry_delay = 0.05
    try:
        alex = tg.user(USER_ID)
        assert await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret")
        alex.send_text("hello")
        alex.send_text("again")
        await tg.wait_until(lambda: len(received) == 3)

        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        info = await bot.get_webhook_info()
        assert received == [(1, "s3cret"), (1, "s3cret"), (2, "s3cret")]
        assert info.pending_update_count == 0
        assert (
            info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
        )
        assert [a.status for a in tg.webhook_attempts] == [500, 200, 200]
        assert tg.update_fetched_at(1) == tg.webhook_attempts[0].started_at

        assert await bot.delete_webhook()
        alex.send_text("polling again")
        assert len(await bot.get_updates()) == 1
    finally:
        await runner.cleanup()


# ---------------------------------------------------------------------- buttons


async def test_button_press_is_checked_and_its_answer_recorded(tg: FakeTelegram, bot: Bot) -> None:
    alex = tg.user(USER_ID)
    consent = await bot.send_message(
        USER_ID, "Consent?", reply_markup=keyboard(("I agree", "consent:yes"), ("Not now", "no"))
    )

    query_id = alex.press(consent, text="I agree")
    with pytest.raises(LookupError):
        alex.press(consent, "consent:admin")
    forged = alex.press(consent, "consent:admin", forge=True)
    updates = await bot.get_updates()
    await bot.answer_callback_query(query_id, text="Thanks")

    assert [u.callback_query.data for u in updates if u.callback_query] == [
        "consent:yes",
        "consent:admin",
    ]
    callback = updates[0].callback_query
    assert callback is not None and callback.message is not None
    assert callback.message.message_id == consent.message_id
    assert tg.callback(query_id).answered and tg.callback(query_id).answer_text == "Thanks"
    assert not tg.callback(forged).answered and tg.callback(forged).forged
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query_id)


async def test_edits_and_deletes_follow_telegram_rules(tg: FakeTelegram, bot: Bot) -> None:
    alex = tg.user(USER_ID)
    prompt = await bot.send_message(USER_ID, "Mood?", reply_markup=keyboard(("5", "m:5")))

    edited = await bot.edit_message_text("Mood: 5", USER_ID, prompt.message_id)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Mood: 5", USER_ID, prompt.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("?", USER_ID, 99)
    with pytest.raises(LookupError):
        alex.press(prompt, "m:5")  # the edit removed the keyboard
    assert await bot.delete_message(USER_ID, prompt.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(USER_ID, prompt.message_id)

    assert not isinstance(edited, bool) and edited.edit_date is not None
    message = alex.messages[0]
    assert (message.text, message.reply_markup, message.deleted) == ("Mood: 5", None, True)
    assert message.edits[0].old_text == "Mood?"


async def test_commands_are_stored_per_scope_and_resolved_per_user(
    tg: FakeTelegram, bot: Bot
) -> None:
    alex = tg.user(USER_ID)
    other = tg.user(USER_ID + 1)
    await bot.set_my_commands([BotCommand("help", "Help"), BotCommand("start", "Start")])
    await bot.set_my_commands(
        [BotCommand("journal", "Journal"), BotCommand("pause", "Pause")],
        scope=BotCommandScopeChat(USER_ID),
    )

    assert tg.set_commands == {"default": ["help", "start"], USER_ID: ["journal", "pause"]}
    assert alex.command_menu == ["journal", "pause"]
    assert other.command_menu == ["help", "start"]
    stored = await bot.get_my_commands(scope=BotCommandScopeChat(USER_ID))
    assert [c.command for c in stored] == ["journal", "pause"]
    await bot.delete_my_commands(scope=BotCommandScopeChat(USER_ID))
    assert alex.command_menu == ["help", "start"]


async def test_a_chat_reads_as_the_users_client_shows_it(tg: FakeTelegram, bot: Bot) -> None:
    alex = tg.user(USER_ID)
    menu = [BotCommand("help", "What I can do")]
    await bot.set_my_commands(menu, scope=BotCommandScopeChat(USER_ID))
    alex.send_text("hi /help")
    asked = await bot.send_message(USER_ID, "Pick one", reply_markup=keyboard(("A", "a")))
    await bot.edit_message_text("Picked A", chat_id=USER_ID, message_id=asked.message_id)
    photo = await bot.send_photo(
        USER_ID, b"\x89PNG chart", caption="<b>Mood</b>", parse_mode="HTML"
    )
    changed = asyncio.ensure_future(tg.next_change(5.0))
    await asyncio.sleep(0)
    alex.send_text("thanks")
    await asyncio.wait_for(changed, 1.0)  # a queued update is a change

    history = alex.history
    assert [m.get("text") or m.get("caption") for m in history] == [
        "hi /help",
        "Picked A",
        "Mood",
        "thanks",
    ]
    assert history[0]["entities"] == [{"type": "bot_command", "offset": 3, "length": 5}]
    assert "edit_date" in history[1] and "reply_markup" not in history[1]
    assert history[2]["caption_entities"] == [{"type": "bold", "offset": 0, "length": 4}]
    stored = tg.file(photo.photo[-1].file_id)
    assert stored is not None and stored[0] == b"\x89PNG chart"
    assert tg.file("no-such-file") is None
    assert alex.command_menu_entries == [("help", "What I can do")]


async def test_chat_action_get_chat_close_and_log_out(tg: FakeTelegram, bot: Bot) -> None:
    alex = tg.user(USER_ID, "Alex")
    assert await bot.send_chat_action(USER_ID, "typing")
    chat = await bot.get_chat(USER_ID)
    assert (chat.id, chat.type, chat.first_name) == (USER_ID, "private", "Alex")
    assert await bot.close()
    assert await bot.log_out()
    assert alex.chat_actions == ["typing"]


# ---------------------------------------------------------------------- flood control


async def test_flood_control_answers_429_with_retry_after() -> None:
    clock = ManualClock()
    async with FakeTelegram(clock=clock) as tg, make_bot(tg) as bot:
        for user_id in range(1, 33):
            tg.user(user_id)
        await bot.send_message(1, "first")
        with pytest.raises(RetryAfter) as refused:
            await bot.send_message(1, "too soon")  # same chat, same instant
        for user_id in range(2, 31):
            await bot.send_message(user_id, "fan-out")  # 30 in this second so far
        with pytest.raises(RetryAfter):
            await bot.send_message(31, "31st")

        clock.advance(1.0)
        await bot.send_message(1, "a second later")

    assert retry_seconds(refused.value) >= 1
    assert tg.rate_limited_429s == 2
    assert "too soon" not in [m.text for m in tg.sent]
    assert len(tg.sent) == 31


async def test_real_time_burst_over_the_global_limit_earns_a_429() -> None:
    async with FakeTelegram() as tg, make_bot(tg) as bot:
        for user_id in range(1, 61):
            tg.user(user_id)
        results = await asyncio.gather(
            *(bot.send_message(u, "burst") for u in range(1, 61)), return_exceptions=True
        )
    assert any(isinstance(r, RetryAfter) for r in results)
    assert tg.rate_limited_429s >= 1


async def test_pacing_exactly_at_the_limit_never_earns_a_429() -> None:
    clock = ManualClock()
    async with FakeTelegram(clock=clock) as tg, make_bot(tg) as bot:
        for user_id in range(1, 121):
            tg.user(user_id)
        for user_id in range(1, 31):  # a full burst, as aiolimiter allows after idling
            await bot.send_message(user_id, "burst")
        start = clock.now
        for tick in range(1, 61):  # then 2 s at exactly 30 msg/s, with ±5 ms jitter
            clock.now = start + tick / 30 + (0.005 if tick % 2 else -0.005)
            await bot.send_message(30 + tick, "paced")
        for _ in range(3):  # one chat at exactly 1 msg/s, arriving slightly early
            clock.advance(0.95)
            await bot.send_message(1, "steady")
    assert tg.rate_limited_429s == 0


def test_rate_limiter_rule_in_numbers() -> None:
    clock = ManualClock()
    limiter = RateLimiter(global_rate=30, per_chat_rate=1, clock=clock)

    assert limiter.acquire(1) is None
    clock.advance(0.89)
    assert limiter.acquire(1) == 1  # 0.89 s apart: refused, nothing counted
    clock.advance(0.01)
    assert limiter.acquire(1) is None  # 0.9 s apart: within tolerance
    for chat_id in range(2, 31):
        assert limiter.acquire(chat_id) is None  # the global bucket still held 29+
    assert limiter.acquire(31) == 1  # the 31st at one instant
    clock.advance(1 / 30 - 0.01)
    assert limiter.acquire(31) is None  # its token is due within 10 ms


# ---------------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    ("text", "mode", "plain", "types"),
    [
        ("<b>bold</b> <i>it</i>", "HTML", "bold it", ["bold", "italic"]),
        ('<a href="https://x.org">link</a>', "HTML", "link", ["text_link"]),
        ("1 &lt; 2", "HTML", "1 < 2", []),
        ("*bold* \\. _it_", "MarkdownV2", "bold . it", ["bold", "italic"]),
        ("[site](https://x.org)", "MarkdownV2", "site", ["text_link"]),
        ("`code` and *b*", "Markdown", "code and b", ["code", "bold"]),
        ("😀 <b>x</b>", "HTML", "😀 x", ["bold"]),
    ],
)
def test_entity_parsing(text: str, mode: str, plain: str, types: list[str]) -> None:
    parsed, entities = parse_text(text, mode)
    assert parsed == plain
    assert [e["type"] for e in entities] == types


def test_entity_offsets_count_utf16_code_units() -> None:
    _, entities = parse_text("😀 <b>x</b>", "HTML")
    assert entities == [{"type": "bold", "offset": 3, "length": 1}]


def test_strict_window_never_admits_more_than_the_rate_in_any_second() -> None:
    from bot.simulator._ratelimit import StrictWindowLimiter

    now = [0.0]
    limiter = StrictWindowLimiter(global_rate=30, per_chat_rate=1, clock=lambda: now[0])
    admitted: list[float] = []
    for i in range(200):  # 40/s offered to distinct chats
        now[0] = i * 0.025
        if limiter.acquire(i) is None:
            admitted.append(now[0])
    assert max(sum(1 for t in admitted if s <= t < s + 1.0) for s in admitted) == 30
    assert limiter.refused == 200 - len(admitted) > 0
    now[0] = 100.0
    assert limiter.acquire(7) is None
    now[0] = 100.9
    assert limiter.acquire(7) == 1  # one chat: a full second between two messages
    now[0] = 101.0
    assert limiter.acquire(7) is None
