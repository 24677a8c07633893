"""Redis with an in-memory fallback: the one rule the dedup store, rate limiter and KV share.

Why one place: with REDIS_URL every worker shares dedup claims, rate-limit windows and SMS menu
state; when Redis is unreachable the channel must keep serving citizens (not drop or double
their messages), so each store falls back to a memory twin of itself and says so in the log,
at most once a minute. `redis.asyncio` connections belong to the loop that opened them, and
the webhook loop and the turn thread's loop both use these stores: one client per loop.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from channels.layer.turns import PerLoop

logger = logging.getLogger(__name__)

T = TypeVar("T")
WARN_EVERY_SECONDS = 60.0


class RedisOrMemory:
    """Runs an operation on Redis and, when Redis fails, its memory twin instead."""

    def __init__(self, url: str, what: str) -> None:
        import redis.asyncio as aioredis

        self.what = what  # for the log: "Dedup store", "Rate limiter", "KV store"
        self._clients = PerLoop(
            lambda: aioredis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        )
        self._warned: float | None = None

    def client(self) -> Any:
        return self._clients.get()

    async def run(
        self,
        on_redis: Callable[[Any], Awaitable[T]],
        in_memory: Callable[[], Awaitable[T]],
    ) -> T:
        """`on_redis(client)`, or `in_memory()` when Redis raises (down, timeout, refused)."""
        try:
            return await on_redis(self._clients.get())
        except Exception as exc:  # redis.RedisError, OSError, timeouts
            now = time.monotonic()
            if self._warned is None or now - self._warned > WARN_EVERY_SECONDS:
                logger.warning("%s: Redis unavailable (%s); using memory", self.what, exc)
                self._warned = now
            return await in_memory()

    async def close(self) -> None:
        for client in self._clients.all():
            try:
                await client.close()
            except Exception:  # noqa: BLE001 - a client bound to another (stopped) loop
                pass
