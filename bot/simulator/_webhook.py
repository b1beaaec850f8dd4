"""Webhook mode: POST each update to the bot's URL like Telegram does.

* One POST per update, JSON body, header ``X-Telegram-Bot-Api-Secret-Token`` when a secret
  was set.
* A 2xx answer confirms the update; anything else (or a connection error or timeout) is
  retried after ``retry_delay`` seconds and recorded as ``last_error_*`` in getWebhookInfo.
* Up to ``max_connections`` POSTs run at once, but updates of one chat go out one at a time
  and in order: a failing update holds back the later updates of its chat.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import aiohttp

from ._models import WebhookAttempt
from ._updates import QueuedUpdate
from ._world import World

__all__ = ["WebhookDeliverer"]


class WebhookDeliverer:
    def __init__(
        self,
        world: World,
        *,
        url: str,
        secret_token: str | None,
        max_connections: int,
        retry_delay: Callable[[], float],
        attempts: list[WebhookAttempt],
        request_timeout: float = 10.0,
    ) -> None:
        self.world = world
        self._stopping = False
        self.url = url
        self.secret_token = secret_token
        self.max_connections = max(1, max_connections)
        self._retry_delay = retry_delay
        self.attempts = attempts
        self.request_timeout = request_timeout
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._in_flight: dict[int, asyncio.Task[None]] = {}  # update_id -> task
        self._busy_chats: set[int] = set()
        self._retry_at: dict[int, float] = {}  # update_id -> loop time
        self._session: aiohttp.ClientSession | None = None

    def start(self) -> None:
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.request_timeout)
        )
        self._task = asyncio.create_task(self._run(), name="telegram-simulator-webhook")

    async def stop(self) -> None:
        self._stopping = True
        tasks = [t for t in (self._task, *self._in_flight.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._session is not None:
            await self._session.close()

    def info(self) -> dict[str, Any]:
        info: dict[str, Any] = {"max_connections": self.max_connections}
        if self.last_error_date is not None:
            info["last_error_date"] = self.last_error_date
            info["last_error_message"] = self.last_error_message
        return info

    # ------------------------------------------------------------------ loop
    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._stopping:  # as well as cancellation, so stop() can never hang
            queue = self.world.updates
            now = loop.time()
            held: set[int] = set(self._busy_chats)
            next_retry = now + 1.0
            candidates = [(e, True) for e in queue.forced] + [(e, False) for e in queue.pending]
            for entry, forced in candidates:
                if len(self._in_flight) >= self.max_connections:
                    break
                if entry.update_id in self._in_flight or (
                    entry.chat_id is not None and entry.chat_id in held
                ):
                    continue
                retry_at = self._retry_at.get(entry.update_id, 0.0)
                if retry_at > now:
                    next_retry = min(next_retry, retry_at)
                    if entry.chat_id is not None:
                        held.add(entry.chat_id)
                    continue
                if forced:
                    queue.forced.remove(entry)
                if entry.chat_id is not None:
                    held.add(entry.chat_id)
                    self._busy_chats.add(entry.chat_id)
                self._in_flight[entry.update_id] = asyncio.create_task(self._deliver(entry, forced))
            await self.world.wait_change(max(0.001, next_retry - loop.time()))

    async def _deliver(self, entry: QueuedUpdate, forced: bool) -> None:
        queue = self.world.updates
        attempt = WebhookAttempt(entry.update_id, self.world.clock())
        self.attempts.append(attempt)
        if entry.fetched_at is None:
            entry.fetched_at = attempt.started_at
        headers = {"Content-Type": "application/json"}
        if self.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.secret_token
        assert self._session is not None
        try:
            async with self._session.post(self.url, json=entry.payload, headers=headers) as resp:
                await resp.read()
                attempt.status = resp.status
                if not 200 <= resp.status < 300:
                    attempt.error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
        except TimeoutError:
            attempt.error = "Read timeout expired"
        except aiohttp.ClientConnectorError:
            attempt.error = "Connection refused"
        except aiohttp.ClientError as exc:
            attempt.error = f"Connection error: {exc.__class__.__name__}"
        attempt.finished_at = self.world.clock()
        self._in_flight.pop(entry.update_id, None)
        if entry.chat_id is not None:
            self._busy_chats.discard(entry.chat_id)
        if attempt.error is None:
            self._retry_at.pop(entry.update_id, None)
            if not forced:
                queue.remove(entry)
            queue.mark_delivered(entry)
        else:
            self.last_error_date = self.world.now_date()
            self.last_error_message = attempt.error
            self._retry_at[entry.update_id] = (
                asyncio.get_running_loop().time() + self._retry_delay()
            )
            if forced:
                queue.forced.insert(0, entry)
        self.world.notify()
