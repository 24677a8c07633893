"""A Redis journal of acknowledged messages not yet forwarded to the assistant (production).

Why: the gateway answers the provider *before* the turn runs, so from then on the message is
ours to keep. With REDIS_URL set, each queued message is written to a sorted set (score = arrival
order) before the webhook answers, and removed once the forwarding finished (turn run, or
dead-lettered). A gateway that crashed or was killed re-queues what is left when it starts, in
arrival order, so per-citizen order holds. Delivery is at least once: a message whose turn ran
just before a crash can run again after the restart. Without Redis (embedded profile) the queue
lives in memory only, and a stop gives it 10 s to drain.

Each gateway replica needs its own LAYANI_GATEWAY_ID (default "default"): a replica re-queues
only its own journal at start-up.

At rest: an entry is `{"seq", "sealed"}`, the envelope (what the citizen wrote, their phone
number) encrypted with the personal-data key (channels/layer/at_rest.py), so a Redis dump or
`MONITOR` shows nothing a citizen wrote. Entries expire: those older than LAYANI_JOURNAL_TTL
(24 h; past it a message is stale and the provider's own redelivery window is over) are dropped
at start-up and on every write, and the key itself expires that long after the last write, so a
replica that is gone leaves nothing behind. Without a usable key the gateway keeps the queue in
memory only (logged), rather than write clear text.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from channels.layer import at_rest

logger = logging.getLogger(__name__)


class RedisJournal:
    def __init__(self, url: str, gateway_id: str = "default", ttl: float = 24 * 3600) -> None:
        import redis.asyncio as aioredis

        self.key = f"layani:gateway:{gateway_id}:pending"
        self.ttl = max(1, int(ttl))
        self._client = aioredis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._seq = 0
        self._warned: float | None = None

    async def add(self, envelope: dict[str, Any]) -> str | None:
        """Record `envelope` (sealed); returns its journal entry (None if Redis or the key is
        unavailable: the message is then queued in memory only)."""
        self._seq = max(self._seq + 1, time.time_ns())  # increases across restarts too
        try:
            sealed = at_rest.seal(envelope)
        except at_rest.MissingKey as exc:
            self._warn(exc)
            return None
        entry = json.dumps({"seq": self._seq, "sealed": sealed})
        expired = self._seq - self.ttl * 1_000_000_000
        try:
            # One round trip: the webhook waits for it before answering the provider.
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.zadd(self.key, {entry: self._seq})
                pipe.zremrangebyscore(self.key, "-inf", f"({expired}")
                pipe.expire(self.key, self.ttl)
                await pipe.execute()
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
        """Entries left by an earlier run of this gateway, oldest first (expired ones dropped;
        ones that no configured key opens are dropped and counted in the log)."""
        expired = time.time_ns() - self.ttl * 1_000_000_000
        try:
            await self._client.zremrangebyscore(self.key, "-inf", f"({expired}")
            entries = await self._client.zrange(self.key, 0, -1)
        except Exception as exc:
            self._warn(exc)
            return []
        result, unreadable = [], 0
        for raw in entries:
            entry = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            try:
                result.append((entry, at_rest.unseal(json.loads(entry)["sealed"])))
            except (ValueError, KeyError, TypeError, at_rest.Unreadable, at_rest.MissingKey):
                unreadable += 1
                await self.done(entry)
        if unreadable:
            logger.error("Gateway journal: dropped %d entries no configured key opens", unreadable)
        return result

    def _warn(self, exc: BaseException) -> None:
        now = time.monotonic()
        if self._warned is None or now - self._warned > 60:
            logger.warning("Gateway journal unavailable (%s); queue kept in memory", exc)
            self._warned = now

    async def close(self) -> None:
        try:
            await self._client.close()
        except Exception:
            pass
