"""The intake of a citizen's message: deduplication, per-sender rate limit, outcome counters.

Why one object: the webhook gateway (Telegram, Twilio) and the Rasa server's channel layer
(web chat) both admit citizens' messages before queueing them, and each used to carry its own
copy of the stores, the counters, the side-task set and the close sequence. Both now hold an
`Intake`; what differs is what they do with an admitted message (the gateway forwards it to
the Rasa server, the layer runs the turn).

Outcomes, counted under these names (the gateway's `/health` shows them):
    accepted   queued for a turn (or a reply instead of one)
    duplicate  a redelivery of an update or MessageSid already claimed (gateway only: web chat
               has no redelivery)
    limited    over the sender's rate limit; the citizen hears `messages.RATE_LIMITED` once per
               window (`Decision.notify`)
    busy       the queues were full; one `messages.BUSY` notice
    too_long   over the channel's length limit (channels/limits.py); the kind reply instead
    rejected   refused before parsing: 403 (not authentic) or 413 (too big)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

from channels.layer.dedup import build_dedup_store
from channels.layer.ratelimit import Decision, build_rate_limiter
from layani.settings import Settings

logger = logging.getLogger(__name__)

ACCEPTED, DUPLICATE, LIMITED = "accepted", "duplicate", "limited"
BUSY, TOO_LONG, REJECTED = "busy", "too_long", "rejected"
OUTCOMES = (ACCEPTED, DUPLICATE, LIMITED, BUSY, TOO_LONG, REJECTED)


class Intake:
    """Dedup claims, the per-sender limit (LAYANI_RATE_LIMIT) and counters of one process."""

    def __init__(self, settings: Settings) -> None:
        self.dedup = build_dedup_store(settings.redis_url, settings.dedup_ttl)
        self.limiter = build_rate_limiter(settings.redis_url, settings.rate_limit)
        self.counters: dict[str, int] = dict.fromkeys(OUTCOMES, 0)
        self._side_tasks: set[asyncio.Task] = set()

    def count(self, outcome: str) -> str:
        """Count `outcome` and return it (so a handler can `return intake.count(BUSY)`)."""
        self.counters[outcome] += 1
        return outcome

    async def first_time(self, key: str, redelivery: bool = True) -> bool:
        """Claim `key` (a delivery id, or with `redelivery=False` a one-off such as "group
        refused once"); False when it was claimed within the dedup TTL, then counted as a
        duplicate if `key` is a delivery id."""
        if await self.dedup.claim(key):
            return True
        if redelivery:
            self.count(DUPLICATE)
        return False

    async def admit(self, sender_id: str) -> Decision:
        """The rate-limit decision for one more message of `sender_id` (counted when limited)."""
        decision = await self.limiter.check(sender_id)
        if not decision.allowed:
            self.count(LIMITED)
        return decision

    def background(self, coro: Awaitable[Any]) -> None:
        """Run a side task (answerCallbackQuery, a busy notice) without holding the caller."""
        task = asyncio.get_running_loop().create_task(coro)  # type: ignore[arg-type]
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)

    async def close(self) -> None:
        await self.dedup.close()
        await self.limiter.close()
