"""Forward queued messages from the gateway to the Rasa server, one turn per citizen at a time.

("Forwarding", not "handoff": in Layani a handoff is a citizen handed to a human officer.)

Each citizen's messages wait in their own queue (channels/layer/ordering.py: order kept, idle
citizens cost nothing, at most LAYANI_TURN_CONCURRENCY turns in flight). A job POSTs the
message to `RASA_URL/webhooks/<channel>/turn` and waits until the Rasa server answers, which it
does once the turn has run and its replies were sent; only then does the citizen's next message
go. So order holds even with several Sanic workers or replicas behind RASA_URL, and the Rasa
server never holds more than a few turns: the backlog waits here, where it costs no CPU.

Durability: with REDIS_URL each message is journalled before the webhook answers and removed
when its forwarding has finished, so a gateway that crashes re-queues what it had acknowledged
(channels/gateway/journal.py); without Redis the queue is in memory only.

Bounds: at most LAYANI_GATEWAY_MAX_QUEUED messages wait in all (default 2000) and at most
LAYANI_GATEWAY_MAX_PER_CITIZEN (20) for one citizen. `offer` past either bound drops the message
(counted as `busy`; the webhook still answers 200, so the provider does not retry-storm) and
queues `messages.BUSY` for that citizen once, behind their earlier messages so their order
holds; they are told again only after their queue has emptied. Busy notices have their own
small allowance (a tenth of the total bound) so a flood of new senders cannot grow the queue
through them either. Messages re-queued from the journal at start-up were acknowledged
before, so they are taken whatever the bounds (and count towards them).

Retries: a forwarding that never reached Rasa (connection refused while it restarts or loads
the model, 503 "not ready", 429 "its own turn queue is full") is retried with backoff for up to
LAYANI_HANDOFF_PATIENCE seconds (the variable keeps its old name: it is a deployment contract).
One that may have reached it (timeout, connection lost mid-turn, 5xx) is not repeated, so a
citizen never gets a turn twice; it goes to the dead-letter log with the error.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp

from channels.envelope import Envelope
from channels.layer.ordering import ConversationQueues
from channels.layer.outbound import DeadLetterLog
from layani.pii import mask_text

logger = logging.getLogger(__name__)


class Forwarder:
    """Per-citizen queues in front of the Rasa server's `/turn`, bounded, journalled."""

    def __init__(
        self,
        rasa_url: str,
        token: str,
        dead_letters: DeadLetterLog,
        concurrency: int = 4,
        turn_timeout: float = 300.0,
        patience: float = 900.0,
        journal: Any = None,
        max_queued: int = 2000,
        max_per_citizen: int = 20,
    ) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"}
        self.dead_letters = dead_letters
        self.turn_timeout = turn_timeout
        self.patience = patience
        self.queues = ConversationQueues(concurrency)
        self.journal = journal  # channels/gateway/journal.py with REDIS_URL, else None
        self._session: Any = None
        self.max_queued = max(1, max_queued)
        self.max_per_citizen = max(1, max_per_citizen)
        self.max_notices = max(10, self.max_queued // 10)
        self._waiting: dict[str, int] = {}  # sender -> messages queued or in flight
        self._total = 0
        self._notices = 0  # busy notices queued or in flight
        self._told_busy: set[str] = set()
        self.counters = {"forwarded": 0, "failed": 0, "recovered": 0, "busy": 0}

    def has_room(self, sender_id: str) -> bool:
        return (
            self._total < self.max_queued and self._waiting.get(sender_id, 0) < self.max_per_citizen
        )

    async def offer(self, envelope: Envelope, busy_notice: Envelope | None = None) -> str:
        """Queue `envelope` if the bounds allow ("accepted"); else drop it ("busy") and queue
        `busy_notice` for the citizen, once until their queue has emptied."""
        sender = envelope.sender_id
        if self.has_room(sender):
            await self.submit(envelope)
            return "accepted"
        self.counters["busy"] += 1
        if (
            busy_notice is not None
            and sender not in self._told_busy
            and self._notices < self.max_notices
        ):
            self._told_busy.add(sender)
            await self.submit(busy_notice, notice=True)
        return "busy"

    async def submit(self, envelope: Envelope, notice: bool = False) -> None:
        """Journal `envelope` (when there is a journal), then queue it behind the citizen's
        earlier messages, whatever the bounds (`offer` checks them). Awaited before the
        webhook answers, so an acknowledged message is on record."""
        self._reserve(envelope.sender_id, notice)  # before the await: bounds hold under races
        entry = await self.journal.add(envelope.to_wire()) if self.journal is not None else None
        self._queue(envelope, entry, notice)

    def _reserve(self, sender: str, notice: bool) -> None:
        self._waiting[sender] = self._waiting.get(sender, 0) + 1
        self._total += 1
        self._notices += notice

    def _release(self, sender: str, notice: bool) -> None:
        left = self._waiting.get(sender, 1) - 1
        if left > 0:
            self._waiting[sender] = left
        else:
            self._waiting.pop(sender, None)
            self._told_busy.discard(sender)
        self._total -= 1
        self._notices -= notice

    def _queue(self, envelope: Envelope, entry: str | None, notice: bool = False) -> None:
        async def job() -> None:
            try:
                await self.forward(envelope)
            finally:
                self._release(envelope.sender_id, notice)
                if self.journal is not None:
                    await self.journal.done(entry)

        self.queues.submit(envelope.sender_id, job)

    async def recover(self) -> int:
        """Re-queue what an earlier run acknowledged but did not hand over (oldest first)."""
        if self.journal is None:
            return 0
        pending = []
        for entry, wire in await self.journal.pending():
            try:
                pending.append((entry, Envelope.from_wire(wire)))
            except ValueError:
                logger.error("Gateway journal: an entry is not an envelope; dropped")
                await self.journal.done(entry)
        for entry, envelope in pending:
            self._reserve(envelope.sender_id, False)
            self._queue(envelope, entry)
        if pending:
            logger.warning("Re-queued %d message(s) acknowledged before a restart", len(pending))
        self.counters["recovered"] += len(pending)
        return len(pending)

    def session(self) -> Any:
        if self._session is None:
            # Idle connections are closed before Sanic's 5 s keep-alive ends, so a request is
            # never written into a connection the server is closing.
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=64, keepalive_timeout=2.0)
            )
        return self._session

    async def forward(self, envelope: Envelope) -> None:
        url = f"{self.rasa_url}/webhooks/{envelope.channel}/turn"
        wire = envelope.to_wire()
        deadline = time.monotonic() + self.patience
        delay = 0.25
        while True:
            retry, error = False, ""
            try:
                async with self.session().post(
                    url,
                    json=wire,
                    headers=self.headers,
                    timeout=aiohttp.ClientTimeout(total=self.turn_timeout),
                ) as response:
                    body = await response.text()
                    if response.status == 200:
                        self.counters["forwarded"] += 1
                        return
                    error = f"HTTP {response.status}: {mask_text(body[:300])}"
                    # 503: the assistant is still loading its model; 429: its turn queue is
                    # full. Either way the turn did not run, so it is safe to try again.
                    retry = response.status in (429, 503)
            except aiohttp.ClientConnectorError as exc:  # never reached Rasa: safe to repeat
                error, retry = f"{type(exc).__name__}: {exc}", True
            except (asyncio.TimeoutError, aiohttp.ClientError) as exc:  # may have run: don't
                error = f"{type(exc).__name__}: {exc}"
            if retry and time.monotonic() + delay < deadline:
                logger.info("Forwarding to %s not possible yet (%s); retrying", url, error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            break
        self.counters["failed"] += 1
        logger.error(
            "Turn for %s not forwarded to the assistant: %s",
            mask_text(envelope.sender_id),
            error,
        )
        self.dead_letters.write(
            {
                "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "direction": "inbound",  # the log seals it: see DeadLetterLog
                "channel": envelope.channel,
                "recipient": envelope.sender_id,
                "payload": wire,
                "error": error,
            }
        )

    async def drain(self, timeout: float = 10.0) -> None:
        await self.queues.drain(timeout)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self.journal is not None:
            await self.journal.close()
