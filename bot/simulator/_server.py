"""``FakeTelegram``: an in-process HTTP server speaking the Telegram Bot API."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, NamedTuple

from aiohttp import web

from ._faults import FaultInjection
from ._inspection import Inspection
from ._methods import BotApiMethods
from ._models import (
    ApiError,
    Fault,
    RecordedCall,
    UploadedFile,
    WebhookAttempt,
    bad_request,
)
from ._params import Params, decode_params
from ._ratelimit import RateLimiter, StrictWindowLimiter
from ._users import FakeUser
from ._webhook import WebhookDeliverer
from ._world import ChatState, World

__all__ = ["FakeTelegram"]

_LOGGER = logging.getLogger("bot.simulator")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


class _Described(NamedTuple):
    """A result that Telegram answers with a ``description`` next to it."""

    result: Any
    description: str


def _ok(result: Any) -> dict[str, Any]:
    if isinstance(result, _Described):
        return {"ok": True, "result": result.result, "description": result.description}
    return {"ok": True, "result": result}


class FakeTelegram(Inspection, FaultInjection):
    """A fake Telegram Bot API server on 127.0.0.1 for one bot.

    Point python-telegram-bot at it with ``base_url=f"{tg.url}/bot"`` and
    ``base_file_url=f"{tg.url}/file/bot"``. Act as users with :meth:`user`; inspect what the
    bot did with :attr:`sent`, :attr:`calls` and the users' ``messages``; inject faults with
    :meth:`fail_next`, :meth:`timeout_next` and :meth:`drop_connection_next`.
    """

    def __init__(
        self,
        token: str = "123456:TEST",
        *,
        bot_username: str = "ember_test_bot",
        bot_first_name: str = "Ember",
        enforce_limits: bool = True,
        global_rate: float = 30.0,
        per_chat_rate: float = 1.0,
        per_chat_tolerance: float = 0.1,
        global_tolerance: float = 0.01,
        strict_limits: bool = False,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        host: str = "127.0.0.1",
        port: int = 0,
        webhook_retry_delay: float = 0.1,
        default_timeout_delay: float = 30.0,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.enforce_limits = enforce_limits
        self.clock = clock
        self.host = host
        self.port = port
        self.webhook_retry_delay = webhook_retry_delay
        """Seconds between webhook delivery attempts of a failing update."""
        self.default_timeout_delay = default_timeout_delay
        self.limiter: RateLimiter | StrictWindowLimiter = (
            StrictWindowLimiter(global_rate=global_rate, per_chat_rate=per_chat_rate, clock=clock)
            if strict_limits
            else RateLimiter(
                global_rate=global_rate,
                per_chat_rate=per_chat_rate,
                clock=clock,
                per_chat_tolerance=per_chat_tolerance,
                global_tolerance=global_tolerance,
            )
        )
        self._world = World(
            token=token,
            bot_username=bot_username,
            bot_first_name=bot_first_name,
            clock=clock,
            wall_clock=wall_clock,
        )
        self._methods = BotApiMethods(self._world, self._admit)
        self._users: dict[int, FakeUser] = {}
        self.calls: list[RecordedCall] = []
        """Every HTTP request to the Bot API, in arrival order."""
        self.faults: list[Fault] = []
        """Injected faults not yet used up."""
        self.webhook_attempts: list[WebhookAttempt] = []
        self.internal_errors: list[Exception] = []
        """Exceptions raised inside the fake itself (answered as 500); should stay empty."""
        self._webhook: WebhookDeliverer | None = None
        self._webhook_allowed: list[str] | None = None
        self._cursors: dict[int | None, int] = {}
        self._poll_generation = 0
        self._runner: web.AppRunner | None = None
        self._closing: asyncio.Event | None = None

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        self._world.bind_loop()
        self._closing = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("*", "/bot{token}/", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(
            app,
            handle_signals=False,
            handler_cancellation=True,
            shutdown_timeout=0.5,
            access_log=None,
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._closing is not None:
            self._closing.set()
        self._world.notify()
        if self._webhook is not None:
            await self._webhook.stop()
            self._webhook = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (valid after :meth:`start`)."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)``."""
        return f"{self.url}/file/bot"

    @property
    def bot_id(self) -> int:
        return self._world.bot_id

    @property
    def bot_user(self) -> dict[str, Any]:
        return dict(self._world.bot_user)

    # ------------------------------------------------------------------ users
    def user(
        self,
        user_id: int,
        first_name: str = "Alex",
        language_code: str | None = "en",
        username: str | None = None,
        *,
        last_name: str | None = None,
        started: bool = True,
    ) -> FakeUser:
        """The fake user ``user_id`` and its private chat (created on first call).

        ``started=False`` models a user who never opened the chat: the bot's sends fail
        with 403 "bot can't initiate conversation with a user" until the user writes.
        """
        existing = self._users.get(user_id)
        if existing is not None:
            return existing
        user = FakeUser(self, self._world, user_id, first_name, language_code, username, last_name)
        self._users[user_id] = user
        self._world.chats[user_id] = ChatState(user=user, started=started)
        return user

    @property
    def users(self) -> dict[int, FakeUser]:
        return dict(self._users)

    def push_update(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        """Queue an arbitrary update ``{"update_id": n, kind: body}`` (escape hatch)."""
        return self._world.updates.put(kind, body)

    # ------------------------------------------------------------------ flood control
    @property
    def rate_limited_429s(self) -> int:
        """How many 429s flood control returned (injected 429s are not counted)."""
        return self.limiter.refused

    def reset_rate_limits(self) -> None:
        self.limiter.reset()

    @property
    def webhook_url(self) -> str:
        return self._webhook.url if self._webhook is not None else ""

    # ------------------------------------------------------------------ HTTP
    def _admit(self, chat_id: int) -> None:
        if not self.enforce_limits:
            return
        retry_after = self.limiter.acquire(chat_id)
        if retry_after is not None:
            raise ApiError(
                429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
            )

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        raw: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if not isinstance(body, dict):
                    raise bad_request("can't parse JSON body")
                raw.update(body)
            else:
                form = await request.post()
                for name, value in form.items():
                    if isinstance(value, web.FileField):
                        raw[name] = UploadedFile(
                            file_name=value.filename,
                            content=value.file.read(),
                            mime_type=value.content_type or "application/octet-stream",
                        )
                    else:
                        raw[name] = value
        return decode_params(raw)

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info.get("method", "")
        call = RecordedCall(
            method=method or "?",
            params={},
            arrived_at=self.clock(),
            http_method=request.method,
        )
        self.calls.append(call)
        try:
            try:
                call.params = await self._read_params(request)
            except (ValueError, UnicodeDecodeError):
                raise bad_request("can't parse request body") from None
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            params = Params(call.params)
            chat_id = _maybe_chat_id(params)
            fault = self._take_fault(method, chat_id)
            if fault is not None:
                call.fault = fault.kind
                return await self._faulty(fault, method, params, request, call)
            result = await self._dispatch(method, params, request)
        except ApiError as error:
            return self._answer(call, error.status, error.to_json())
        except Exception as exc:  # a bug in the fake: make it loud, keep serving
            _LOGGER.exception("fake Telegram failed on %s", method)
            self.internal_errors.append(exc)
            failure = ApiError(500, f"Internal Server Error: fake failed: {exc!r}")
            return self._answer(call, 500, failure.to_json())
        return self._answer(call, 200, _ok(result))

    async def _faulty(
        self,
        fault: Fault,
        method: str,
        params: Params,
        request: web.Request,
        call: RecordedCall,
    ) -> web.StreamResponse:
        if fault.kind == "error":
            error = ApiError(fault.status, fault.description, retry_after=fault.retry_after)
            return self._answer(call, error.status, error.to_json())
        status, body = 502, ApiError(502, "Bad Gateway").to_json()
        if fault.after_processing:
            try:
                status, body = 200, _ok(await self._dispatch(method, params, request))
            except ApiError as error:
                status, body = error.status, error.to_json()
        if fault.kind == "timeout":
            call.response = body  # what the client gets if it waits long enough
            await self._sleep(fault.delay)
            return self._answer(call, status, body)
        # drop: close the socket without a response
        call.finished_at = self.clock()
        call.response = body
        if request.transport is not None:
            request.transport.close()
        raise asyncio.CancelledError

    def _answer(self, call: RecordedCall, status: int, body: dict[str, Any]) -> web.Response:
        call.status = status
        call.finished_at = self.clock()
        call.response = body
        self._world.notify()
        _LOGGER.debug("%s -> %s", call.method, status)
        return web.Response(status=status, text=json.dumps(body), content_type="application/json")

    async def _sleep(self, delay: float) -> None:
        assert self._closing is not None
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(delay):
                await self._closing.wait()

    async def _dispatch(self, method: str, params: Params, request: web.Request) -> Any:
        name = method.lower()
        if name == "getupdates":
            return await self._get_updates(params, request)
        if name == "setwebhook":
            return await self._set_webhook(params)
        if name == "deletewebhook":
            return await self._delete_webhook(params)
        if name == "getwebhookinfo":
            return self._webhook_info()
        handler = self._methods.handlers.get(name)
        if handler is None:
            raise ApiError(404, "Not Found")
        return await handler(params)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.Response(status=401, text="Unauthorized")
        path = request.match_info["path"]
        for stored in self._world.files.values():
            if stored.file_path == path:
                return web.Response(body=stored.content, content_type=stored.mime_type)
        return web.Response(status=404, text="Not Found")

    # ------------------------------------------------------------------ getUpdates
    async def _get_updates(self, p: Params, request: web.Request) -> list[dict[str, Any]]:
        if self._webhook is not None:
            raise ApiError(409, _WEBHOOK_CONFLICT)
        queue = self._world.updates
        offset = p.get_int("offset", 0) or 0
        limit = min(max(p.get_int("limit", 100) or 100, 1), 100)
        timeout = max(p.get_float("timeout", 0.0), 0.0)
        allowed = p.get_json("allowed_updates")
        if isinstance(allowed, list):
            queue.allowed_updates = frozenset(str(a) for a in allowed) or None
        self._poll_generation += 1
        generation = self._poll_generation
        self._world.notify()  # an older long poll ends with 409
        queue.confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        assert self._closing is not None
        while not queue.has_any() and not self._closing.is_set():
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await self._world.wait_change(remaining)
            if generation != self._poll_generation:
                raise ApiError(409, _POLL_CONFLICT)
            if self._webhook is not None:
                raise ApiError(409, _WEBHOOK_CONFLICT)
        if request.transport is None or request.transport.is_closing():
            return []  # the client is gone; don't count the updates as fetched
        return queue.take_batch(limit)

    # ------------------------------------------------------------------ webhook
    async def _set_webhook(self, p: Params) -> _Described:
        url = p.get_str("url", "") or ""
        if not url:
            return await self._delete_webhook(p)
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.get_str("secret_token")
        if secret is not None and not _SECRET_RE.match(secret):
            raise bad_request("secret token contains unallowed characters")
        if p.get_bool("drop_pending_updates"):
            self._world.updates.drop_all()
        allowed = p.get_json("allowed_updates")
        if isinstance(allowed, list):
            self._world.updates.allowed_updates = frozenset(str(a) for a in allowed) or None
            self._webhook_allowed = [str(a) for a in allowed]
        already = self._webhook is not None and self._webhook.url == url
        if self._webhook is not None:
            await self._webhook.stop()
        self._webhook = WebhookDeliverer(
            self._world,
            url=url,
            secret_token=secret,
            max_connections=p.get_int("max_connections", 40) or 40,
            retry_delay=lambda: self.webhook_retry_delay,
            attempts=self.webhook_attempts,
        )
        self._webhook.start()
        self._world.notify()
        return _Described(True, "Webhook is already set" if already else "Webhook was set")

    async def _delete_webhook(self, p: Params) -> _Described:
        if p.get_bool("drop_pending_updates"):
            self._world.updates.drop_all()
        existed = self._webhook is not None
        if self._webhook is not None:
            await self._webhook.stop()
            self._webhook = None
        return _Described(True, "Webhook was deleted" if existed else "Webhook is already deleted")

    def _webhook_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": self._world.updates.count(),
        }
        if self._webhook is not None:
            info.update(self._webhook.info())
            if self._webhook_allowed is not None:
                info["allowed_updates"] = self._webhook_allowed
        return info


def _maybe_chat_id(params: Params) -> int | None:
    try:
        return params.chat_id() if "chat_id" in params else None
    except ApiError:
        return None
