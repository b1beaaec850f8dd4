"""The shared send budget in Redis (``EMBER_REDIS_URL``), instead of the database.

The same scheme as the database's (``storage/pacing.py``), each step one Lua script, so
atomic for every instance on the Redis server:

- ``<prefix>next``: the next free slot on the bot-wide schedule (epoch seconds), slots
  ``gap`` apart; ``<prefix>paused``: no slot before this (Telegram's 429, for everyone);
- ``<prefix>chat:<id>``: when the chat may next receive a message (kept a minute past it);
- ``<prefix>slots``: the slots prompts reserved and have not locked in yet (a sorted set,
  token → time), which an alert or a safety message may take over.

Redis lost while running: nothing is sent until it answers again (a reservation raises
:class:`BudgetUnavailable`, the message goes back to the queue). Sending on another budget
meanwhile could exceed Telegram's limit if only some instances lost Redis, so none does.
The outbox itself stays in the database: no message is lost with Redis.
"""

from __future__ import annotations

import logging
import time
from typing import Any, cast

from redis import asyncio as aioredis
from redis.exceptions import RedisError

from bot.delivery.pacing import Also, AlsoMany
from bot.errors import ConfigError
from storage.pacing import OWN_SLACK, Reservation
from storage.uow import Storage

log = logging.getLogger(__name__)

PREFIX = "ember:send:"
TIMEOUT = 1.0  # seconds for one Redis round trip before the budget counts as lost

_HELPERS = """
local p = KEYS[1]
local function num(key)
  local v = redis.call('GET', p .. key)
  if v then return tonumber(v) end
  return 0
end
local function fmt(x) return string.format('%.6f', x) end
local function hold(chat, till, now)
  local ttl = math.max(60000, math.floor((till - now + 60) * 1000))
  redis.call('SET', p .. 'chat:' .. chat, fmt(till), 'PX', ttl)
end
"""

# ARGV: now, gap, chat_interval, horizon (negative: none, an urgent message), ahead, chat
_RESERVE = (
    _HELPERS
    + """
local now, gap, interval = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local horizon, ahead, chat = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
redis.call('ZREMRANGEBYSCORE', p .. 'slots', '-inf', fmt(now - 60))
local nxt, paused, free = num('next'), num('paused'), num('chat:' .. chat)
if horizon < 0 then
  local earliest = math.max(now + ahead, paused, free)
  if math.max(nxt, now) > earliest then
    local found = redis.call('ZRANGEBYSCORE', p .. 'slots', fmt(earliest), '+inf',
                             'WITHSCORES', 'LIMIT', 0, 1)
    if #found > 0 then
      redis.call('ZREM', p .. 'slots', found[1])
      local at = tonumber(found[2])
      hold(chat, at + interval, now)
      return {'ok', fmt(at), '1'}
    end
  end
end
local start = math.max(nxt, paused, now)
if horizon >= 0 and start > now + horizon then
  return {'wait', fmt(math.max(0.001, start - horizon - now)), '0'}
end
if free > start then
  return {'busy', fmt(math.max(0.001, free - now)), '0'}
end
redis.call('SET', p .. 'next', fmt(start + gap))
hold(chat, start + interval, now)
return {'ok', fmt(start), '0'}
"""
)

# ARGV: now, gap, chat_interval, horizon, then chat and token ('' for none) for each message
_RESERVE_MANY = (
    _HELPERS
    + """
local now, gap, interval = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local horizon = tonumber(ARGV[4])
local start = math.max(num('next'), num('paused'), now)
if start > now + horizon then
  return {'wait', fmt(math.max(0.001, start - horizon - now))}
end
local wanted = (#ARGV - 4) / 2
local count = math.min(math.floor((now + horizon - start) / gap + 1e-9) + 1, wanted)
redis.call('SET', p .. 'next', fmt(start + count * gap))
local out = {'ok', '0'}
for i = 1, count do
  local chat, token = ARGV[3 + 2 * i], ARGV[4 + 2 * i]
  local at = start + (i - 1) * gap
  if num('chat:' .. chat) <= at then
    hold(chat, at + interval, now)
    if token ~= '' then redis.call('ZADD', p .. 'slots', fmt(at), token) end
    out[#out + 1] = 'ok'
  else
    out[#out + 1] = 'busy'
  end
  out[#out + 1] = chat
  out[#out + 1] = fmt(at)
end
return out
"""
)

# ARGV: now, gap, chat_interval, chat, own (until when the caller's own reservations hold it)
_RETAKE = (
    _HELPERS
    + """
local now, gap, interval, chat = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local own = tonumber(ARGV[5])
local start = math.max(num('next'), num('paused'), now)
local free = num('chat:' .. chat)
if free > start and free > own then
  return {'busy', fmt(math.max(0.001, free - now))}
end
redis.call('SET', p .. 'next', fmt(start + gap))
hold(chat, math.max(free, start + interval), now)
return {'ok', fmt(start)}
"""
)

# ARGV: now, chat, at, chat_interval
_TAKE_CHAT = (
    _HELPERS
    + """
local now, chat, at, interval = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
if num('chat:' .. chat) > at then return 0 end
hold(chat, at + interval, now)
return 1
"""
)

# ARGV: now, chat, until
_HOLD = (
    _HELPERS
    + """
local now, chat, till = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
hold(chat, math.max(num('chat:' .. chat), till), now)
return 1
"""
)

# ARGV: until
_PAUSE = (
    _HELPERS
    + """
redis.call('SET', p .. 'paused', fmt(math.max(num('paused'), tonumber(ARGV[1]))))
return 1
"""
)


class BudgetUnavailable(ConnectionError):
    """Redis, where the send budget lives, did not answer: nothing may be sent for now."""


class RedisBudget:
    """Send slots from Redis; ``storage`` is only for the ``also`` steps (the outbox)."""

    def __init__(
        self, url: str, storage: Storage, *, prefix: str = PREFIX, timeout: float = TIMEOUT
    ) -> None:
        self._storage = storage
        self._prefix = prefix
        self._where = _where(url)
        self._client: Any = aioredis.from_url(
            url,
            decode_responses=True,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry_on_timeout=False,
        )
        self._scripts = {
            name: self._client.register_script(body)
            for name, body in (
                ("reserve", _RESERVE),
                ("reserve_many", _RESERVE_MANY),
                ("retake", _RETAKE),
                ("take_chat", _TAKE_CHAT),
                ("hold", _HOLD),
                ("pause", _PAUSE),
            )
        }
        self._lost = False

    async def check(self) -> None:
        """At start-up: Redis answers, or one line naming the setting."""
        try:
            await self._client.ping()
        except (RedisError, OSError) as exc:
            raise ConfigError(
                f"EMBER_REDIS_URL: Redis at {self._where} cannot be reached "
                f"({type(exc).__name__}); start it, correct the URL, or leave "
                "EMBER_REDIS_URL empty to keep the send budget in the database"
            ) from None

    async def _run(self, script: str, *args: str | int) -> Any:
        try:
            result = await self._scripts[script](keys=[self._prefix], args=list(args))
        except (RedisError, OSError) as exc:
            if not self._lost:
                log.error(
                    "the send budget in Redis (EMBER_REDIS_URL, %s) is out of reach (%s): "
                    "nothing is sent until it answers again",
                    self._where,
                    type(exc).__name__,
                )
                self._lost = True
            raise BudgetUnavailable(f"Redis at {self._where}: {type(exc).__name__}") from exc
        if self._lost:
            log.warning("the send budget in Redis answers again: sending resumes")
            self._lost = False
        return result

    async def reserve(
        self,
        *,
        chat_id: int,
        now: float,
        gap: float,
        chat_interval: float,
        horizon: float | None,
        also: Also | None,
        ahead: float = 0.01,
    ) -> Reservation:
        state, value, took = await self._run(
            "reserve",
            _f(now),
            _f(gap),
            _f(chat_interval),
            _f(-1.0 if horizon is None else horizon),
            _f(ahead),
            chat_id,
        )
        if state == "wait":
            return Reservation(None, float(value))
        if state == "busy":
            return Reservation(None, float(value), chat_busy=True)
        if also is not None:  # the slot is spent even if this fails: never one too many
            async with self._storage.uow() as uow:
                await also(uow)
                await uow.commit()
        return Reservation(float(value), taken_over=took == "1")

    async def reserve_many(
        self,
        *,
        chat_ids: list[int],
        tokens: list[str] | None,
        now: float,
        gap: float,
        chat_interval: float,
        horizon: float,
        also: AlsoMany | None,
    ) -> tuple[dict[int, float], set[int], float]:
        names = tokens if tokens is not None else [""] * len(chat_ids)
        pairs: list[str | int] = []
        for chat, token in zip(chat_ids, names, strict=True):
            pairs += [chat, token]
        out = cast(
            list[str],
            await self._run(
                "reserve_many", _f(now), _f(gap), _f(chat_interval), _f(horizon), *pairs
            ),
        )
        if out[0] == "wait":
            return {}, set(), float(out[1])
        slots: dict[int, float] = {}
        busy: set[int] = set()
        for i in range(2, len(out), 3):
            chat = int(out[i + 1])
            if out[i] == "ok":
                slots[chat] = float(out[i + 2])
            else:
                busy.add(chat)
        if slots and also is not None:
            async with self._storage.uow() as uow:
                await also(uow, list(slots))
                await uow.commit()
        return slots, busy, 0.0

    async def lock_in(self, token: str) -> bool:
        try:
            removed = await self._client.zrem(self._prefix + "slots", token)
        except (RedisError, OSError) as exc:
            raise BudgetUnavailable(f"Redis at {self._where}: {type(exc).__name__}") from exc
        return bool(removed)

    async def take_chat(
        self, *, chat_id: int, at: float, chat_interval: float, also: Also | None
    ) -> bool:
        taken = await self._run("take_chat", _f(time.time()), chat_id, _f(at), _f(chat_interval))
        if taken and also is not None:
            async with self._storage.uow() as uow:
                await also(uow)
                await uow.commit()
        return bool(taken)

    async def retake(
        self,
        *,
        chat_id: int,
        now: float,
        gap: float,
        chat_interval: float,
        own_until: float | None,
    ) -> Reservation:
        own = -1.0 if own_until is None else own_until + OWN_SLACK
        state, value = await self._run(
            "retake", _f(now), _f(gap), _f(chat_interval), chat_id, _f(own)
        )
        if state == "busy":
            return Reservation(None, float(value), chat_busy=True)
        return Reservation(float(value))

    async def hold_chat(self, chat_id: int, until: float) -> None:
        await self._run("hold", _f(time.time()), chat_id, _f(until))

    async def pause(self, until: float) -> None:
        await self._run("pause", _f(until))

    async def forget(self, before: float) -> int:
        return 0  # chats' times expire by themselves; stale slots go as slots are taken

    async def close(self) -> None:
        await self._client.aclose()


def _f(x: float) -> str:
    return f"{x:.6f}"


def _where(url: str) -> str:
    """host:port (or the socket) of a Redis URL, without its password."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme == "unix":
        return parts.path
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}"
