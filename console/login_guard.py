"""What stands between the login form and argon2: a per-address throttle and a small hash pool.

Why: each login attempt costs ~0.1 s of CPU and 64 MiB in argon2. Run in the thread pool every
console page uses, a handful of parallel bogus logins froze the console for the officers who
were working. So:

- `LoginThrottle` counts attempts per client address in a fixed window *before* any hash is
  computed (in memory, or in Redis when `REDIS_URL` is set so every console process shares the
  count; when Redis does not answer, the process counts on its own rather than letting
  everything through);
- `HashPool` runs the argon2 checks on its own 1-2 threads with a bounded queue: pages keep the
  default pool to themselves, and a flood from many addresses gets "try again" (429) instead of
  an ever longer queue.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")


def parse_rate(text: str) -> tuple[int, float]:
    """`"20/60"` -> (20 attempts, 60 seconds); `"0"` or empty disables the throttle."""
    if not text or text.strip() in ("0", "off"):
        return 0, 60.0
    count, _, window = text.partition("/")
    return int(count), float(window or 60)


class LoginThrottle:
    """At most `limit` login attempts per client address per `window` seconds."""

    def __init__(self, rate: str = "20/60", redis_url: str = "") -> None:
        self.limit, self.window = parse_rate(rate)
        self._counts: dict[str, tuple[float, int]] = {}
        self._redis_url = redis_url
        self._redis: Any = None

    async def allow(self, address: str) -> bool:
        """Count one attempt from `address`; False when it is over the limit."""
        if self.limit <= 0:
            return True
        if self._redis_url:
            try:
                return await self._allow_redis(address)
            except Exception as exc:  # Redis down: count per process instead of failing open
                logger.warning("Login throttle: Redis unavailable (%s); counting in memory", exc)
        return self._allow_memory(address)

    def _allow_memory(self, address: str) -> bool:
        now = time.monotonic()
        start, count = self._counts.get(address, (now, 0))
        if now - start >= self.window:
            start, count = now, 0
        self._counts[address] = (start, count + 1)
        if len(self._counts) > 50_000:  # a scan from many addresses must not grow memory
            self._counts = {k: v for k, v in self._counts.items() if now - v[0] < self.window}
        return count + 1 <= self.limit

    async def _allow_redis(self, address: str) -> bool:
        if self._redis is None:
            import redis.asyncio as aioredis

            self._redis = aioredis.Redis.from_url(
                self._redis_url, socket_timeout=2, socket_connect_timeout=2
            )
        bucket = int(time.time() // self.window)
        key = f"layani:console-login:{address}:{bucket}"
        pipe = self._redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, int(self.window) + 1)
        count, _ = await pipe.execute()
        return int(count) <= self.limit

    async def close(self) -> None:
        if self._redis is not None:
            try:
                await self._redis.close()
            except Exception:  # closing after the loop's transport went away
                pass


class PoolBusy(Exception):
    """More password checks are waiting than the pool's queue allows."""


class HashPool:
    """A tiny executor for argon2 checks: `workers` threads, at most `queue` waiting."""

    def __init__(self, workers: int = 2, queue: int = 32) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")
        self._capacity = workers + queue
        self._in_flight = 0
        self._lock = threading.Lock()

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        with self._lock:
            if self._in_flight >= self._capacity:
                raise PoolBusy()
            self._in_flight += 1
        # Released when the check really ends, not when the caller stops waiting: a client that
        # disconnects must not free a place its hash still occupies.
        future = self._executor.submit(fn, *args)
        future.add_done_callback(self._release)
        return await asyncio.wrap_future(future)

    def _release(self, _future: object) -> None:
        with self._lock:
            self._in_flight -= 1

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
