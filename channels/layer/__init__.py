"""The channel layer inside the Rasa server process.

    web chat (socket.io) -> ChannelLayer.accept(message) -> rate limit -> bounded queue per sender
    gateway forwarding (POST /webhooks/<channel>/turn) -> ChannelLayer.run(sender, job)
    turn thread: agent.handle_message(message) -> OutputChannel -> ChannelLayer.deliver(...)

The queue is bounded (LAYANI_MAX_QUEUED_TURNS in all, LAYANI_MAX_QUEUED_PER_SENDER per
conversation): past either bound `accept` answers BUSY and tells the citizen "sedang sibuk, coba
lagi sebentar" at once, and `run` raises `Busy` for its caller to answer. A flood therefore
costs a refusal, not memory and minutes of waiting for every citizen queued behind it.

Telegram and Twilio webhooks are authenticated, deduplicated, rate-limited and acknowledged by
the gateway process (channels/gateway), not here; this layer runs their turns in order on the
turn thread and sends replies with timeout, retry and dead-letter log.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from channels import messages
from channels.intake import ACCEPTED, BUSY, DUPLICATE, LIMITED, Intake
from channels.layer.kv import build_kv
from channels.layer.outbound import DeadLetterLog, Deliverer, SendError
from channels.layer.ratelimit import build_rate_limiter
from channels.layer.turns import TurnThread
from layani.settings import Settings, load

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[Any], Awaitable[Any]]

__all__ = [
    "ChannelLayer",
    "get_layer",
    "reset_layer",
    "SendError",
    "ACCEPTED",
    "DUPLICATE",
    "LIMITED",
    "BUSY",
    "Busy",
]


class Busy(Exception):
    """The turn queue is full: the caller answers `messages.BUSY` instead of queueing more."""


BUSY_NOTICE_INTERVAL = 10.0  # seconds between two busy notices to one sender


class ChannelLayer:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or load()
        s = self.settings
        self.intake = Intake(s)  # rate limit and counters, as in the gateway
        # New web chat sessions per client address (channels/socketio.py).
        self.session_limiter = build_rate_limiter(
            s.redis_url, s.webchat_session_limit, prefix="layani:sessions"
        )
        self.kv = build_kv(s.redis_url)
        self.turns = TurnThread(s.turn_concurrency, s.max_queued_turns, s.max_queued_per_sender)
        self.deliverer = Deliverer(
            DeadLetterLog(s.dead_letter_file), s.send_attempts, s.send_timeout, s.send_backoff
        )
        self._closed = False
        self._busy_notified: dict[str, float] = {}

    @property
    def counters(self) -> dict[str, int]:
        return self.intake.counters

    async def accept(self, message: Any, on_new_message: OnNewMessage) -> str:
        """Queue a citizen's message for its turn; ACCEPTED, LIMITED or BUSY."""
        return await self._admit(message, lambda: on_new_message(message))

    async def reply_instead(self, message: Any, text: str) -> str:
        """Answer `message` with `text` instead of a turn (e.g. a too-long message).

        It still counts against the sender's rate limit and queue bound, and the reply waits
        behind the sender's earlier turns so the citizen reads the answers in order.
        """
        return await self._admit(message, _notice(message, text))

    async def _admit(self, message: Any, job: Callable[[], Awaitable[Any]]) -> str:
        decision = await self.intake.admit(message.sender_id)
        if not decision.allowed:
            if decision.notify:
                self.submit(message.sender_id, _notice(message, messages.RATE_LIMITED))
            return LIMITED
        if not self.turns.try_submit(message.sender_id, job):
            self._tell_busy(message)
            return self.intake.count(BUSY)
        return self.intake.count(ACCEPTED)

    async def allow_new_session(self, address: str) -> bool:
        """Whether `address` may open another web chat session in this window."""
        return (await self.session_limiter.check(address)).allowed

    def _tell_busy(self, message: Any) -> None:
        """Send messages.BUSY now (not queued: the queue is what is full), once per interval."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        sender = message.sender_id
        if now - self._busy_notified.get(sender, -BUSY_NOTICE_INTERVAL) < BUSY_NOTICE_INTERVAL:
            return
        if len(self._busy_notified) > 10_000:
            self._busy_notified = {
                k: t for k, t in self._busy_notified.items() if now - t < BUSY_NOTICE_INTERVAL
            }
        self._busy_notified[sender] = now
        logger.warning("Turn queue full (%d queued); busy notice sent", self.turns.queued())
        self.intake.background(_notice_logged(message, messages.BUSY))

    def submit(self, sender_id: str, job: Callable[[], Awaitable[Any]]) -> None:
        """Run `job` in the sender's queue (after their earlier messages), on the turn thread."""
        self.turns.submit(sender_id, job)

    async def run(self, sender_id: str, job: Callable[[], Awaitable[Any]]) -> Any:
        """Run `job` in the sender's queue on the turn thread and wait for it to finish.

        Raises `Busy` at once, without queueing, when the queue is at a bound.
        """
        done: concurrent.futures.Future = concurrent.futures.Future()

        async def wrapped() -> None:
            try:
                done.set_result(await job())
            except BaseException as exc:
                done.set_exception(exc)
                raise

        if not self.turns.try_submit(sender_id, wrapped):
            self.intake.count(BUSY)
            raise Busy(f"turn queue full ({self.turns.queued()} queued)")
        return await asyncio.wrap_future(done)

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait for every queued turn and notice (shutdown, tests)."""
        await self.turns.drain(timeout)

    async def deliver(
        self,
        channel: str,
        recipient: str,
        call: Callable[[], Awaitable[Any]],
        payload: dict[str, Any],
    ) -> Any:
        return await self.deliverer.send(channel, recipient, call, payload)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self.turns.drain(timeout=10)
        await self.intake.close()
        await self.session_limiter.close()
        await self.kv.close()


def _notice(message: Any, text: str) -> Callable[[], Awaitable[None]]:
    async def send() -> None:
        await message.output_channel.send_text_message(message.sender_id, text)

    return send


async def _notice_logged(message: Any, text: str) -> None:
    """A notice sent outside the turn queue: a failure is logged, never raised into the loop."""
    try:
        await asyncio.wait_for(_notice(message, text)(), timeout=10)
    except Exception as exc:
        logger.warning("Notice to a %s sender not sent: %r", type(message).__name__, exc)


def drain_on_stop(blueprint: Any) -> None:
    """On shutdown (Ctrl-C, SIGTERM) let queued turns finish (up to 10 s) before the loop ends.

    Every connector registers this; closing is idempotent, so the layer drains once.
    """

    async def stop(app: Any, loop: Any) -> None:
        if _layer is not None:
            await _layer.close()

    blueprint.listener("before_server_stop")(stop)


_layer: ChannelLayer | None = None


def get_layer() -> ChannelLayer:
    """The process-wide layer (created on first use, inside the server's event loop)."""
    global _layer
    if _layer is None:
        _layer = ChannelLayer()
    return _layer


def reset_layer(layer: ChannelLayer | None = None) -> None:
    """Replace the process-wide layer (tests)."""
    global _layer
    _layer = layer
