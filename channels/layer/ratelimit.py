"""Per-sender rate limit.

Why: one phone or script flooding the webhook must not starve everyone else's turns (and, on
SMS, every reply costs the agency money). A fixed window per sender is enough here: the limit is
generous for a person typing (default 20 messages a minute) and stops loops and floods. The
citizen gets one polite notice per window, not one per dropped message.

The same limiter, keyed by client address, caps how many new web chat sessions one address may
open per window (channels/socketio.py): without it a script dodges the per-sender limit by
opening a new session for every few messages. `client_address` says which address that is.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from channels.layer.redis_fallback import RedisOrMemory

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
    """Same window shared by all workers (INCR + EXPIRE on one key per sender and window);
    per process while Redis is unreachable, rather than failing open."""

    def __init__(
        self, url: str, limit: int = 20, window: float = 60.0, prefix: str = "layani:rate"
    ) -> None:
        self.limit = limit
        self.window = window
        self.prefix = prefix
        self._redis = RedisOrMemory(url, "Rate limiter")
        self._fallback = MemoryRateLimiter(limit, window)

    async def check(self, sender_id: str) -> Decision:
        if self.limit <= 0:
            return Decision(True)
        key = f"{self.prefix}:{sender_id}:{int(time.time() // self.window)}"

        async def on_redis(client: Any) -> Decision:
            pipe = client.pipeline()
            pipe.incr(key)
            pipe.expire(key, int(self.window) + 1)
            count, _ = await pipe.execute()
            if count <= self.limit:
                return Decision(True)
            return Decision(False, notify=count == self.limit + 1)

        return await self._redis.run(on_redis, lambda: self._fallback.check(sender_id))

    async def close(self) -> None:
        await self._redis.close()


def build_rate_limiter(redis_url: str, spec: str, prefix: str = "layani:rate"):
    """`prefix` separates limits that share Redis (per sender, per address)."""
    limit, window = parse_limit(spec)
    if redis_url:
        return RedisRateLimiter(redis_url, limit, window, prefix)
    return MemoryRateLimiter(limit, window)


@lru_cache(maxsize=32)
def _networks(trusted: tuple[str, ...]) -> tuple:
    nets = []
    for entry in trusted:
        try:
            nets.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            logger.warning("LAYANI_TRUSTED_PROXIES: %r is not an address or network", entry)
    return tuple(nets)


def _ip(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_address(peer: str, forwarded_for: str | None, trusted: Iterable[str]) -> str:
    """The address a request came from, for per-address limits.

    `peer` is the TCP peer. X-Forwarded-For is believed only when the peer is one of the
    trusted proxies (LAYANI_TRUSTED_PROXIES: addresses or networks), and then only up to the
    first hop, from the right, that is not itself a trusted proxy: everything left of that was
    written by the client and is not evidence. Anyone else's X-Forwarded-For is ignored, so a
    client cannot pick a fresh address per request.
    """
    nets = _networks(tuple(trusted))
    peer_ip = _ip(peer)
    if not forwarded_for or peer_ip is None or not any(peer_ip in n for n in nets):
        return peer
    for hop in reversed([h for h in forwarded_for.split(",") if h.strip()]):
        hop_ip = _ip(hop)
        if hop_ip is None:
            return peer  # garbage from our own proxy chain: count it as the proxy
        if not any(hop_ip in n for n in nets):
            return str(hop_ip)
    return peer
