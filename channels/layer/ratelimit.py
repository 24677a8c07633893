"""Per-sender rate limit.

Why: one phone or script flooding the webhook must not starve everyone else's turns (and, on
SMS, every reply costs the agency money). A fixed window per sender is enough here: the limit is
generous for a person typing (default 20 messages a minute) and stops loops and floods. The
citizen gets one polite notice per window, not one per dropped message.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from channels.layer.turns import PerLoop

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    notify: bool = False  # True once per window, on the first rejected message


def parse_limit(text: str) -> tuple[int, float]:
    """`"20/60"` -> (20 messages, 60 seconds). `"0"` or empty disables the limit."""
    if not text or text.strip() in ("0", "off"):
        return 0, 60.0
    count, _, window = text.partition("/")
    return int(count), float(window or 60)


class MemoryRateLimiter:
    def __init__(self, limit: int = 20, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._windows: dict[str, tuple[float, int]] = {}

    async def check(self, sender_id: str) -> Decision:
        if self.limit <= 0:
            return Decision(True)
        now = time.monotonic()
        start, count = self._windows.get(sender_id, (now, 0))
        if now - start >= self.window:
            start, count = now, 0
        count += 1
        self._windows[sender_id] = (start, count)
        if len(self._windows) > 100_000:
            self._windows = {k: v for k, v in self._windows.items() if now - v[0] < self.window}
        if count <= self.limit:
            return Decision(True)
        return Decision(False, notify=count == self.limit + 1)

    async def close(self) -> None:
        return None


class RedisRateLimiter:
    """Same window shared by all workers (INCR + EXPIRE on one key per sender and window)."""

    def __init__(self, url: str, limit: int = 20, window: float = 60.0) -> None:
        import redis.asyncio as aioredis

        self.limit = limit
        self.window = window
        # redis.asyncio connections belong to the loop that opened them: one client per loop
        # (webhook loop and turn loop both use these stores).
        self._clients = PerLoop(
            lambda: aioredis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        )
        self._fallback = MemoryRateLimiter(limit, window)

    async def check(self, sender_id: str) -> Decision:
        if self.limit <= 0:
            return Decision(True)
        bucket = int(time.time() // self.window)
        key = f"layani:rate:{sender_id}:{bucket}"
        try:
            pipe = self._clients.get().pipeline()
            pipe.incr(key)
            pipe.expire(key, int(self.window) + 1)
            count, _ = await pipe.execute()
        except Exception as exc:  # Redis down: limit per process instead of failing open
            logger.warning("Rate limiter: Redis unavailable (%s); using memory", exc)
            return await self._fallback.check(sender_id)
        if count <= self.limit:
            return Decision(True)
        return Decision(False, notify=count == self.limit + 1)

    async def close(self) -> None:
        for client in self._clients.all():
            try:
                await client.close()
            except Exception:  # closing a client bound to another (stopped) loop
                pass


def build_rate_limiter(redis_url: str, spec: str):
    limit, window = parse_limit(spec)
    if redis_url:
        return RedisRateLimiter(redis_url, limit, window)
    return MemoryRateLimiter(limit, window)
