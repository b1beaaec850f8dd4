"""A scratch PostgreSQL database for one benchmark run, next to the server's own database."""

from __future__ import annotations

import os


async def fresh_postgres(url: str, prefix: str) -> str:
    """An empty database ``<prefix>_<pid>`` beside ``url`` (several runs at once stay apart)."""
    import asyncpg  # type: ignore[import-untyped]
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{prefix}_{os.getpid()}"
    conn = await asyncpg.connect(
        host=base.host, port=base.port or 5432, user=base.username, database=base.database
    )
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return base.set(database=name).render_as_string(hide_password=False)


async def drop_postgres(url: str) -> None:
    """Drop the database ``url`` names."""
    import asyncpg
    from sqlalchemy.engine import make_url

    target = make_url(url)
    conn = await asyncpg.connect(
        host=target.host, port=target.port or 5432, user=target.username, database="postgres"
    )
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
    finally:
        await conn.close()


async def fresh_redis(url: str) -> None:
    """Clear what an earlier run left of the send budget in the Redis at ``url`` (a pause,
    a schedule running ahead), so each run starts from an empty budget."""
    from redis import asyncio as aioredis

    from bot.delivery.redis_budget import PREFIX

    client = aioredis.from_url(url, socket_connect_timeout=2.0)
    try:
        keys = [k async for k in client.scan_iter(match=PREFIX + "*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()
