"""The demo page and its small JSON API (aiohttp), on 127.0.0.1 only.

The page (``static/``: plain HTML, CSS and JavaScript, no build step, nothing fetched from
elsewhere) shows one chat pane per person and talks to this server:

- ``GET  /api/state`` — the clock and every pane: its messages (as Telegram's client would
  show them now: text with its entities, buttons, photos, documents, edits), its command
  menu (from ``setMyCommands``) and the bot's latest answers to button presses;
- ``POST /api/panes/<pane>/send`` ``{"text": …}`` — the person writes (``/commands`` too);
- ``POST /api/panes/<pane>/press`` ``{"message_id": …, "data": …}`` — presses a button;
- ``POST /api/time`` ``{"to": "next" | "tomorrow" | "integration"}`` — time travel;
- ``GET  /api/files/<file_id>`` — a photo or document the bot sent;
- ``GET  /api/events`` — a WebSocket that sends the state again whenever it changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import WSMsgType, web

from bot.demo.clinic import Pane
from bot.demo.clock import VirtualClock
from bot.demo.travel import TimeTravel, Walk
from bot.simulator import FakeTelegram

STATIC = resources.files("bot.demo") / "static"
_TYPES = {".html": "text/html", ".css": "text/css", ".js": "text/javascript", ".png": "image/png"}
CHANGE_POLL = 1.0  # seconds: the state is compared at least this often (the clock moves)


@dataclass
class DemoWorld:
    """What the page looks at and acts on."""

    tg: FakeTelegram
    clock: VirtualClock
    travel: TimeTravel
    panes: tuple[Pane, ...]
    zone: str

    def pane(self, key: str) -> Pane:
        for pane in self.panes:
            if pane.key == key:
                return pane
        raise web.HTTPNotFound(text=f"no pane {key!r}")

    # ------------------------------------------------------------------ the state
    def state(self) -> dict[str, Any]:
        now = self.clock.now().astimezone(ZoneInfo(self.zone))
        return {
            "clock": {
                "iso": now.isoformat(),
                "local": f"{now:%a %d %b %Y, %H:%M}",
                "zone": self.zone,
            },
            "busy": self.travel.busy,
            "panes": [self._pane_state(pane) for pane in self.panes],
        }

    def _pane_state(self, pane: Pane) -> dict[str, Any]:
        user = pane.user(self.tg)
        answers = [
            {"id": c.id, "text": c.answer_text, "alert": c.show_alert}
            for c in self.tg.callbacks
            if c.chat_id == user.id and c.answered and c.answer_text
        ]
        return {
            "key": pane.key,
            "role": pane.role.value,
            "title": pane.title,
            "name": pane.name,
            "code": pane.code,
            "menu": [{"command": c, "description": d} for c, d in user.command_menu_entries],
            "messages": [self._message(m) for m in user.history],
            "answers": answers[-5:],
        }

    def _message(self, message: dict[str, Any]) -> dict[str, Any]:
        when = datetime.fromtimestamp(int(message.get("date", 0)), UTC)
        local = when.astimezone(ZoneInfo(self.zone))
        text = message.get("text")
        entities = message.get("entities", [])
        if text is None:
            text = message.get("caption", "")
            entities = message.get("caption_entities", [])
        shown: dict[str, Any] = {
            "id": message["message_id"],
            "from_bot": bool(message.get("from", {}).get("is_bot")),
            "text": text,
            "entities": entities,
            "day": f"{local:%a %d %b}",
            "time": f"{local:%H:%M}",
            "edited": "edit_date" in message,
            "buttons": [
                [
                    {"text": b.get("text", ""), "data": b.get("callback_data"), "url": b.get("url")}
                    for b in row
                ]
                for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
            ],
        }
        if message.get("photo"):
            shown["photo"] = f"/api/files/{message['photo'][-1]['file_id']}"
        for kind in ("document", "voice", "sticker"):
            media = message.get(kind)
            if media:
                shown["file"] = {
                    "kind": kind,
                    "name": media.get("file_name") or kind,
                    "url": f"/api/files/{media['file_id']}",
                }
        replied = message.get("reply_to_message")
        if replied:
            shown["reply_to"] = (replied.get("text") or replied.get("caption") or "")[:80]
        return shown

    # ------------------------------------------------------------------ acting
    def send(self, key: str, text: str) -> int:
        update = self.pane(key).user(self.tg).send_text(text)
        return int(update["update_id"])

    def press(self, key: str, message_id: int, data: str) -> str:
        return self.pane(key).user(self.tg).press(message_id, data)

    async def travel_to(self, to: str) -> Walk:
        jumps: dict[str, Callable[[], Awaitable[Walk]]] = {
            "next": self.travel.next_due,
            "tomorrow": self.travel.tomorrow,
            "integration": lambda: self.travel.to_session("integration"),
        }
        jump = jumps.get(to)
        if jump is None:
            raise web.HTTPBadRequest(text=f"unknown jump {to!r}: next, tomorrow or integration")
        return await jump()


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text="the body must be JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="the body must be a JSON object")
    return body


def build_app(world: DemoWorld) -> web.Application:
    """The page, its assets and the JSON API."""

    async def index(_: web.Request) -> web.Response:
        page = (STATIC / "index.html").read_text("utf-8")
        return web.Response(text=page, content_type="text/html")

    async def asset(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        path = STATIC / name
        suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
        if "/" in name or name.startswith(".") or suffix not in _TYPES or not path.is_file():
            raise web.HTTPNotFound()
        return web.Response(body=path.read_bytes(), content_type=_TYPES[suffix])

    async def state(_: web.Request) -> web.Response:
        return web.json_response(world.state())

    async def send(request: web.Request) -> web.Response:
        body = await _body(request)
        text = str(body.get("text", "")).strip()
        if not text:
            raise web.HTTPBadRequest(text="nothing to send")
        update_id = world.send(request.match_info["pane"], text)
        return web.json_response({"update_id": update_id})

    async def press(request: web.Request) -> web.Response:
        body = await _body(request)
        try:
            query = world.press(
                request.match_info["pane"], int(body["message_id"]), str(body["data"])
            )
        except (KeyError, ValueError, LookupError) as exc:
            raise web.HTTPBadRequest(text=f"cannot press that: {exc}") from None
        return web.json_response({"callback_query_id": query})

    async def travel(request: web.Request) -> web.Response:
        body = await _body(request)
        walk = await world.travel_to(str(body.get("to", "")))
        local = walk.arrived.astimezone(ZoneInfo(world.zone))
        return web.json_response(
            {
                "arrived": walk.arrived.isoformat(),
                "local": f"{local:%a %d %b, %H:%M}",
                "stops": walk.stops,
                "sent": walk.sent,
                "note": walk.note,
                "stopped_at": [
                    f"{m.astimezone(ZoneInfo(world.zone)):%a %d %b, %H:%M}" for m in walk.moments
                ],
            }
        )

    async def file(request: web.Request) -> web.Response:
        found = world.tg.file(request.match_info["file_id"])
        if found is None:
            raise web.HTTPNotFound()
        content, mime, name = found
        headers = {"Content-Disposition": f'inline; filename="{name}"'} if name else None
        return web.Response(body=content, content_type=mime, headers=headers)

    async def events(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=20)
        await ws.prepare(request)
        listen = asyncio.ensure_future(_drain(ws))
        try:
            last = ""
            while not ws.closed and not listen.done():
                current = json.dumps(world.state())
                if current != last:
                    await ws.send_str(current)
                    last = current
                await world.tg.next_change(CHANGE_POLL)
                await asyncio.sleep(0.03)  # a burst of changes goes out as one
        except ConnectionResetError:
            pass
        finally:
            listen.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listen
        return ws

    app = web.Application()
    app.router.add_get("/", index)
    app.router.add_get("/static/{name}", asset)
    app.router.add_get("/api/state", state)
    app.router.add_post("/api/panes/{pane}/send", send)
    app.router.add_post("/api/panes/{pane}/press", press)
    app.router.add_post("/api/time", travel)
    app.router.add_get("/api/files/{file_id}", file)
    app.router.add_get("/api/events", events)
    return app


async def _drain(ws: web.WebSocketResponse) -> None:
    """Read (and ignore) what the page sends, so a closed page ends its event stream."""
    async for message in ws:
        if message.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
            return


@contextlib.asynccontextmanager
async def serve(world: DemoWorld, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
    """Serve the page; yields its URL (``port`` 0: a free port)."""
    runner = web.AppRunner(build_app(world), access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = runner.addresses[0][1]
        yield f"http://{host}:{bound}/"
    finally:
        await runner.cleanup()
