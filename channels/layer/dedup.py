"""Deduplication of provider deliveries (Telegram `update_id`, Twilio `MessageSid`).

Why: Telegram repeats an update until it gets a 2xx, Twilio can be told to retry, and proxies
retry too. A delivery seen twice must produce exactly one turn. The key is claimed atomically
(`SET NX EX` in Redis; a dict in memory) *before* the turn is queued, so five concurrent copies
race for one claim and four lose. TTL: Telegram keeps undelivered updates for 24 hours, so a
day covers every redelivery it can make.
"""

from __future__ import annotations

import logging
import time

from channels.layer.turns import PerLoop

logger = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 24 * 3600


class MemoryDedupStore:
    """Per-process store: right for one Rasa process (the embedded profile)."""

    def __init__(self, ttl: float = DEFAULT_TTL_SECONDS, max_keys: int = 200_000) -> None:
        self.ttl = ttl
        self.max_keys = max_keys
        self._expiry: dict[str, float] = {}

    async def claim(self, key: str) -> bool:
        """True the first time `key` is seen within the TTL, False for every repeat."""
        now = time.monotonic()
        expires = self._expiry.get(key)
        if expires is not None and expires > now:
            return False
        if len(self._expiry) >= self.max_keys:
            self._purge(now)
        self._expiry[key] = now + self.ttl
        return True

    def _purge(self, now: float) -> None:
        self._expiry = {k: v for k, v in self._expiry.items() if v > now}
        # Still full of live keys: drop the oldest half rather than grow without bound.
        if len(self._expiry) >= self.max_keys:
            keep = sorted(self._expiry.items(), key=lambda kv: kv[1])[len(self._expiry) // 2 :]
            self._expiry = dict(keep)

    async def close(self) -> None:
        return None


class RedisDedupStore:
    """Shared store for several workers or replicas (production profile, `REDIS_URL`)."""

    def __init__(self, url: str, ttl: float = DEFAULT_TTL_SECONDS, prefix: str = "layani:dedup:"):
        import redis.asyncio as aioredis

        self.ttl = int(ttl)
        self.prefix = prefix
        # redis.asyncio connections belong to the loop that opened them: one client per loop
        # (webhook loop and turn loop both use these stores).
        self._clients = PerLoop(
            lambda: aioredis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        )
        # If Redis is unreachable we still deduplicate within this process instead of
        # dropping or double-processing citizens' messages.
        self._fallback = MemoryDedupStore(ttl)
        self._warned: float | None = None

    async def claim(self, key: str) -> bool:
        try:
            return bool(
                await self._clients.get().set(self.prefix + key, b"1", nx=True, ex=self.ttl)
            )
        except Exception as exc:  # redis.RedisError, OSError, timeouts
            now = time.monotonic()
            if self._warned is None or now - self._warned > 60:
                logger.warning("Dedup store: Redis unavailable (%s); using memory", exc)
                self._warned = now
            return await self._fallback.claim(key)

    async def close(self) -> None:
        for client in self._clients.all():
            try:
                await client.close()
            except Exception:  # closing a client bound to another (stopped) loop
                pass


def build_dedup_store(redis_url: str = "", ttl: float = DEFAULT_TTL_SECONDS):
    return RedisDedupStore(redis_url, ttl) if redis_url else MemoryDedupStore(ttl)
