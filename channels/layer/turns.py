"""Conversation turns on their own thread and event loop, away from the webhook loop.

Why: Rasa runs NLU inference and policy prediction synchronously inside `handle_message`.
On the Sanic loop, every webhook arriving during a turn waits for it: under 200 messages/s the
acknowledgements took seconds (measured with `make bench`), and providers retry or give up on
slow webhooks. On a separate thread the webhook loop stays free: it authenticates, deduplicates,
queues and answers, and the GIL hands it the interpreter every few milliseconds even while a
turn is busy (TensorFlow releases the GIL during inference anyway).

Everything a turn touches is safe here: the tracker and lock stores are synchronous or
loop-agnostic, the action server's client keeps one aiohttp session per event loop
(layani/action_client.py), and the connectors keep one HTTP client per event loop.
Socket.io emits are handed back to the server's loop (see channels/socketio.py).

Bounded: turns queued or running are counted (all senders, and per sender) at submit time, on
the caller's thread, so a flood is refused before it costs memory on the turn loop; the caller
answers "busy" instead (see ChannelLayer.accept / run). Without the bound the queue grew with
every message a script sent and every citizen behind it waited longer.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from channels.layer.ordering import RELEASE_SLOT_AFTER, ConversationQueues

logger = logging.getLogger(__name__)


class TurnThread:
    def __init__(
        self,
        max_concurrent_turns: int = 4,
        max_queued: int = 0,
        max_queued_per_sender: int = 0,
        release_slot_after: float = RELEASE_SLOT_AFTER,
    ) -> None:
        self._limit = max_concurrent_turns
        self._release_after = release_slot_after
        self._max_queued = max_queued  # 0: unbounded
        self._max_per_sender = max_queued_per_sender  # 0: unbounded
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queues: ConversationQueues | None = None
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._count_lock = threading.Lock()
        self._queued = 0
        self._queued_by_sender: dict[str, int] = {}

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        self._ensure_started()
        assert self._loop is not None
        return self._loop

    def _ensure_started(self) -> None:
        if self._loop is not None:
            return
        with self._start_lock:
            if self._loop is not None:
                return
            ready = threading.Event()

            def run() -> None:
                loop = asyncio.new_event_loop()
                asyncio.set_event_loop(loop)
                self._queues = ConversationQueues(
                    self._limit, release_slot_after=self._release_after
                )
                self._loop = loop
                ready.set()
                loop.run_forever()

            self._thread = threading.Thread(target=run, name="layani-turns", daemon=True)
            self._thread.start()
            ready.wait()

    def queued(self, sender_id: str | None = None) -> int:
        """Turns queued or running: all of them, or one sender's."""
        with self._count_lock:
            if sender_id is None:
                return self._queued
            return self._queued_by_sender.get(sender_id, 0)

    def try_submit(self, sender_id: str, job: Callable[[], Awaitable[Any]]) -> bool:
        """Queue `job` unless a bound is reached; False means full (nothing was queued)."""
        with self._count_lock:
            mine = self._queued_by_sender.get(sender_id, 0)
            if (self._max_queued and self._queued >= self._max_queued) or (
                self._max_per_sender and mine >= self._max_per_sender
            ):
                return False
            self._count(sender_id, +1)
        self._dispatch(sender_id, self._counted(sender_id, job))
        return True

    def submit(self, sender_id: str, job: Callable[[], Awaitable[Any]]) -> None:
        """Queue `job` whatever the bounds (the layer's own notices, at most one per window)."""
        with self._count_lock:
            self._count(sender_id, +1)
        self._dispatch(sender_id, self._counted(sender_id, job))

    def _count(self, sender_id: str, delta: int) -> None:
        # Caller holds _count_lock.
        self._queued += delta
        mine = self._queued_by_sender.get(sender_id, 0) + delta
        if mine > 0:
            self._queued_by_sender[sender_id] = mine
        else:
            self._queued_by_sender.pop(sender_id, None)

    def _counted(
        self, sender_id: str, job: Callable[[], Awaitable[Any]]
    ) -> Callable[[], Awaitable[Any]]:
        async def run() -> Any:
            try:
                return await job()
            finally:
                with self._count_lock:
                    self._count(sender_id, -1)

        return run

    def _dispatch(self, sender_id: str, job: Callable[[], Awaitable[Any]]) -> None:
        """Hand `job` to the sender's queue on the turn loop (callable from any thread)."""
        self._ensure_started()
        assert self._loop is not None and self._queues is not None
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._queues.submit(sender_id, job)
        else:
            self._loop.call_soon_threadsafe(self._queues.submit, sender_id, job)

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait until every queued turn has run (shutdown, tests)."""
        if self._loop is None or self._queues is None:
            return
        queues = self._queues
        deadline = self._loop.time() + timeout

        async def wait_all() -> None:
            # Jobs may still be in flight from call_soon_threadsafe: settle, then drain.
            while True:
                await asyncio.sleep(0)
                await queues.drain(timeout=max(0.0, deadline - asyncio.get_running_loop().time()))
                if queues.pending() == 0 or asyncio.get_running_loop().time() > deadline:
                    return

        future = asyncio.run_coroutine_threadsafe(wait_all(), self._loop)
        await asyncio.wrap_future(future)


async def call_in_loop(
    loop: asyncio.AbstractEventLoop, factory: Callable[[], Awaitable[Any]]
) -> Any:
    """Run `factory()` on `loop` and await its result from whichever loop we are on."""
    if asyncio.get_running_loop() is loop:
        return await factory()
    return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(factory(), loop))


class PerLoop:
    """One instance of a loop-bound client (httpx, redis.asyncio) per event loop."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self._instances: dict[int, Any] = {}
        self._lock = threading.Lock()

    def get(self) -> Any:
        key = id(asyncio.get_running_loop())
        instance = self._instances.get(key)
        if instance is None:
            with self._lock:
                instance = self._instances.get(key)
                if instance is None:
                    instance = self._instances[key] = self._factory()
        return instance

    def all(self) -> list:
        return list(self._instances.values())
