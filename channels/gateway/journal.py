"""A Redis journal of acknowledged messages not yet handed to the assistant (production).

Why: the gateway answers the provider *before* the turn runs, so from then on the message is
ours to keep. With REDIS_URL set, each queued message is written to a sorted set (score = arrival
order) before the webhook answers, and removed once the hand-off finished (turn run, or
dead-lettered). A gateway that crashed or was killed re-queues what is left when it starts, in
arrival order, so per-citizen order holds. Delivery is at least once: a message whose turn ran
just before a crash can run again after the restart. Without Redis (embedded profile) the queue
lives in memory only, and a stop gives it 10 s to drain.

Each gateway replica needs its own LAYANI_GATEWAY_ID (default "default"): a replica re-queues
only its own journal at start-up.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

logger = logging.getLogger(__name__)


class RedisJournal:
    def __init__(self, url: str, gateway_id: str = "default") -> None:
        import redis.asyncio as aioredis

        self.key = f"layani:gateway:{gateway_id}:pending"
        self._client = aioredis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._seq = 0
        self._warned: float | None = None

    async def add(self, envelope: dict[str, Any]) -> str | None:
        """Record `envelope`; returns its journal entry (None if Redis is unavailable)."""
        self._seq = max(self._seq + 1, time.time_ns())  # increases across restarts too
        entry = json.dumps({"seq": self._seq, "envelope": envelope}, ensure_ascii=False)
        try:
            await self._client.zadd(self.key, {entry: self._seq})
        except Exception as exc:  # keep answering providers; the queue is then memory-only
            self._warn(exc)
            return None
        return entry

    async def done(self, entry: str | None) -> None:
        if entry is None:
            return
        try:
            await self._client.zrem(self.key, entry)
        except Exception as exc:
            self._warn(exc)

    async def pending(self) -> list[tuple[str, dict[str, Any]]]:
        """Entries left by an earlier run of this gateway, oldest first."""
        try:
            entries = await self._client.zrange(self.key, 0, -1)
        except Exception as exc:
            self._warn(exc)
            return []
        result = []
        for raw in entries:
            entry = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            try:
                result.append((entry, json.loads(entry)["envelope"]))
            except (ValueError, KeyError):
                await self.done(entry)
        return result

    def _warn(self, exc: BaseException) -> None:
        now = time.monotonic()
        if self._warned is None or now - self._warned > 60:
            logger.warning("Gateway journal: Redis unavailable (%s); queue kept in memory", exc)
            self._warned = now

    async def close(self) -> None:
        try:
            await self._client.close()
        except Exception:
            pass
