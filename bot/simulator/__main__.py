"""The simulator alone, for manual tries: ``python -m bot.simulator --port 8081``.

It prints the base URL and the token, logs every API call, prints what the bot sends, and
reads commands from stdin (``help`` lists them), e.g. ``42 /start abc`` to write as user 42.
Point Ember at it with ``EMBER_TELEGRAM_TOKEN=123456:TEST
EMBER_TELEGRAM_API_URL=http://127.0.0.1:8081/bot``. ``ember demo`` is the friendlier way.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from bot.simulator import FakeTelegram

_HELP = """commands:
  <user_id> <text>                    the user writes <text> (e.g. "42 /start abc")
  press <user_id> <message_id> <data> the user presses a button (any data is accepted)
  block <user_id> | unblock <user_id> the user blocks / unblocks the bot
  sent                                every message the bot sent
  calls                               the last 20 API calls
  quit"""


def _run_line(tg: FakeTelegram, line: str) -> str:
    words = line.split()
    if not words:
        return ""
    head = words[0]
    if head == "help":
        return _HELP
    if head == "sent":
        return "\n".join(f"{m.chat_id} #{m.message_id}: {m.text!r} {m.buttons}" for m in tg.sent)
    if head == "calls":
        return "\n".join(f"{c.method} -> {c.status}" for c in tg.calls[-20:])
    if head in ("block", "unblock") and len(words) == 2:
        user = tg.user(int(words[1]))
        update = user.block_bot() if head == "block" else user.unblock_bot()
        return f"queued update {update['update_id']}"
    if head == "press" and len(words) == 4:
        query_id = tg.user(int(words[1])).press(int(words[2]), words[3], forge=True)
        return f"callback query {query_id}"
    if head.lstrip("-").isdigit() and len(words) > 1:
        text = line.split(None, 1)[1]
        update = tg.user(int(head)).send_text(text)
        return f"queued update {update['update_id']}"
    return "?  (type help)"


async def _serve(args: argparse.Namespace) -> None:
    tg = FakeTelegram(
        args.token,
        enforce_limits=not args.no_limits,
        strict_limits=args.strict_limits,
        port=args.port,
    )
    async with tg:
        print(f"base URL:  {tg.url}/bot   (files: {tg.url}/file/bot)")
        print(f"token:     {tg.token}")
        print("type help for commands", flush=True)
        loop = asyncio.get_running_loop()
        shown_calls = shown_sent = 0
        while True:
            read = loop.run_in_executor(None, sys.stdin.readline)
            while not read.done():
                await asyncio.sleep(0.1)
                for call in tg.calls[shown_calls:]:
                    if call.finished_at is None:
                        break
                    print(f"  <- {call.method} {call.status}", flush=True)
                    shown_calls += 1
                for message in tg.sent[shown_sent:]:
                    print(f"  bot -> {message.chat_id}: {message.text!r} {message.buttons}")
                    shown_sent += 1
            line = read.result()
            if not line or line.strip() == "quit":
                return
            try:
                print(_run_line(tg, line.strip()), flush=True)
            except (LookupError, ValueError) as exc:
                print(f"error: {exc}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The Telegram simulator (a Bot API server)")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:TEST")
    parser.add_argument("--no-limits", action="store_true", help="disable flood control")
    parser.add_argument(
        "--strict-limits",
        action="store_true",
        help="flood control as sliding one-second windows with no burst or tolerance",
    )
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
