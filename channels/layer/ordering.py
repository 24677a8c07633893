"""Run each conversation's turns in the background, one at a time, in arrival order.

Why: webhooks must be acknowledged at once (Telegram and Twilio retry or give up on slow
endpoints, and a failing Telegram update blocks that chat), so the turn cannot run inside the
request. Background tasks alone would reorder a citizen's quick "1" then "ya"; a queue per
sender keeps order, and a worker exits when its queue is empty so idle citizens cost nothing.

A global limit on concurrently running turns keeps the event loop responsive: Rasa's NLU
inference runs on the loop, and with hundreds of runnable turns each loop iteration would take
seconds, delaying every webhook acknowledgement behind them.

A turn still running after `release_slot_after` seconds gives its slot back: it can only be
waiting (on the action server, a provider, the database), since a turn using the CPU would have
held the loop itself the whole time. Without this, four turns stuck on a hung action server held
every slot and no other citizen was answered until they timed out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]
RELEASE_SLOT_AFTER = 5.0  # seconds; a normal turn takes 30-300 ms of CPU


class ConversationQueues:
    def __init__(
        self,
        max_concurrent_turns: int = 4,
        on_error: Callable[[str, BaseException], Awaitable[None]] | None = None,
        release_slot_after: float = RELEASE_SLOT_AFTER,
    ) -> None:
        self._release_after = release_slot_after
        self._queues: dict[str, asyncio.Queue[Job]] = {}
        self._workers: dict[str, asyncio.Task] = {}
        self._all: set[asyncio.Task] = set()
        self._limit = max(1, max_concurrent_turns)
        self._semaphore: asyncio.Semaphore | None = None
        self._on_error = on_error

    def submit(self, sender_id: str, job: Job) -> None:
        """Queue `job` behind the sender's earlier jobs; returns immediately."""
        queue = self._queues.get(sender_id)
        if queue is None:
            queue = self._queues[sender_id] = asyncio.Queue()
        queue.put_nowait(job)
        if sender_id not in self._workers:
            task = asyncio.get_running_loop().create_task(self._work(sender_id, queue))
            self._workers[sender_id] = task
            self._all.add(task)
            task.add_done_callback(self._all.discard)

    def pending(self) -> int:
        return sum(q.qsize() for q in self._queues.values()) + len(self._workers)

    async def _work(self, sender_id: str, queue: asyncio.Queue[Job]) -> None:
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self._limit)
        try:
            while True:
                try:
                    job = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                await self._semaphore.acquire()
                holding = True
                task = asyncio.ensure_future(job())
                try:
                    done, _ = await asyncio.wait({task}, timeout=self._release_after)
                    if not done:
                        self._semaphore.release()  # waiting, not computing: let others run
                        holding = False
                        logger.warning("A turn still runs after %.0f s", self._release_after)
                    await task
                except asyncio.CancelledError:
                    task.cancel()
                    raise
                except Exception as exc:  # one failed turn must not stop the next ones
                    logger.exception("Turn for %s failed", sender_id)
                    if self._on_error:
                        await self._on_error(sender_id, exc)
                finally:
                    if holding:
                        self._semaphore.release()
        finally:
            # No await between the empty check above and this cleanup, so a job submitted
            # meanwhile always finds either this worker alive or no worker at all.
            self._workers.pop(sender_id, None)
            self._queues.pop(sender_id, None)

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait for queued turns (used on shutdown and in tests)."""
        if self._all:
            await asyncio.wait(set(self._all), timeout=timeout)
