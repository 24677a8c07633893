"""Small key-value store with TTL for connector state that must outlive one request.

Used for Telegram callback payloads longer than the 64 bytes `callback_data` allows (stored
under a short key) and for each SMS citizen's numbered menu (a digit reply maps back to the
button payload). Redis when `REDIS_URL` is set, so every worker sees the same state.

Those keys name the citizen (`menu:+62812…`, `wa_last:+62812…`), so in Redis the key name is a
keyed digest (`channels.layer.at_rest.name_digest`), not the phone number, and values (the
bot's SMS pages can repeat what the citizen wrote) are sealed with the personal-data key: a
`KEYS *`, `MONITOR` or a dump shows neither numbers nor text.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from typing import Any

from channels.layer import at_rest
from channels.layer.redis_fallback import RedisOrMemory

logger = logging.getLogger(__name__)


class MemoryKV:
    def __init__(self, max_keys: int = 100_000) -> None:
        self._data: dict[str, tuple[float, Any]] = {}
        self.max_keys = max_keys

    async def get(self, key: str) -> Any | None:
        item = self._data.get(key)
        if item is None:
            return None
        expires, value = item
        if expires < time.monotonic():
            self._data.pop(key, None)
            return None
        return value

    async def set(self, key: str, value: Any, ttl: float) -> None:
        now = time.monotonic()
        if len(self._data) >= self.max_keys:
            self._data = {k: v for k, v in self._data.items() if v[0] > now}
            if len(self._data) >= self.max_keys:  # still full: forget the oldest half
                keep = sorted(self._data.items(), key=lambda kv: kv[1][0])[self.max_keys // 2 :]
                self._data = dict(keep)
        self._data[key] = (now + ttl, value)

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    async def close(self) -> None:
        return None


class RedisKV:
    """Shared state for every worker; this process's memory while Redis is unreachable or
    nothing can be sealed (channels/layer/redis_fallback.py)."""

    def __init__(self, url: str, prefix: str = "layani:kv:") -> None:
        self.prefix = prefix
        self._redis = RedisOrMemory(url, "KV store")
        self._fallback = MemoryKV()

    def _name(self, key: str) -> str:
        try:
            return self.prefix + at_rest.name_digest(key)
        except at_rest.MissingKey:  # no secret at all: still no number in clear
            return self.prefix + hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]

    async def get(self, key: str) -> Any | None:
        async def on_redis(client: Any) -> tuple[bool, Any]:
            return True, await client.get(self._name(key))

        async def in_memory() -> tuple[bool, Any]:
            return False, await self._fallback.get(key)

        from_redis, raw = await self._redis.run(on_redis, in_memory)
        if not from_redis:
            return raw
        if raw is None:
            return await self._fallback.get(key)  # kept in memory when it could not be sealed
        text = raw.decode("ascii", errors="replace") if isinstance(raw, bytes) else raw
        try:
            return at_rest.unseal(text)
        except (at_rest.Unreadable, at_rest.MissingKey):
            try:
                return json.loads(raw)  # written before values were sealed
            except ValueError:
                return None  # sealed with a key no longer configured: forgotten

    async def set(self, key: str, value: Any, ttl: float) -> None:
        try:
            sealed = at_rest.seal(value)
        except at_rest.MissingKey as exc:  # no clear text in Redis: this process's memory
            logger.warning("KV store: %s; keeping %s in memory", exc, key.split(":")[0])
            await self._fallback.set(key, value, ttl)
            return

        async def on_redis(client: Any) -> None:
            await client.set(self._name(key), sealed, ex=max(1, int(ttl)))

        await self._redis.run(on_redis, lambda: self._fallback.set(key, value, ttl))

    async def delete(self, key: str) -> None:
        async def on_redis(client: Any) -> None:
            await client.delete(self._name(key))

        await self._redis.run(on_redis, lambda: self._fallback.delete(key))

    async def close(self) -> None:
        await self._redis.close()


def build_kv(redis_url: str = ""):
    return RedisKV(redis_url) if redis_url else MemoryKV()
