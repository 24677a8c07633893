"""Deduplication of provider deliveries (Telegram `update_id`, Twilio `MessageSid`).

Why: Telegram repeats an update until it gets a 2xx, Twilio can be told to retry, and proxies
retry too. A delivery seen twice must produce exactly one turn. The key is claimed atomically
(`SET NX EX` in Redis; a dict in memory) *before* the turn is queued, so five concurrent copies
race for one claim and four lose. TTL: Telegram keeps undelivered updates for 24 hours, so a
day covers every redelivery it can make.
"""

from __future__ import annotations

import time
from typing import Any

from channels.layer.redis_fallback import RedisOrMemory

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
    """Shared store for several workers or replicas (production profile, `REDIS_URL`).

    If Redis is unreachable we still deduplicate within this process instead of dropping or
    double-processing citizens' messages (channels/layer/redis_fallback.py)."""

    def __init__(self, url: str, ttl: float = DEFAULT_TTL_SECONDS, prefix: str = "layani:dedup:"):
        self.ttl = int(ttl)
        self.prefix = prefix
        self._redis = RedisOrMemory(url, "Dedup store")
        self._fallback = MemoryDedupStore(ttl)

    async def claim(self, key: str) -> bool:
        async def on_redis(client: Any) -> bool:
            return bool(await client.set(self.prefix + key, b"1", nx=True, ex=self.ttl))

        return await self._redis.run(on_redis, lambda: self._fallback.claim(key))

    async def close(self) -> None:
        await self._redis.close()


def build_dedup_store(redis_url: str = "", ttl: float = DEFAULT_TTL_SECONDS):
    return RedisDedupStore(redis_url, ttl) if redis_url else MemoryDedupStore(ttl)
