"""Outbound sends to providers: timeout, retry with backoff, and a dead-letter log.

Why: a reply the citizen never receives is a silent failure. Transient errors (timeouts,
connection resets, HTTP 429 and 5xx) are retried with exponential backoff; permanent errors
(4xx: bad number, blocked bot) are not. What still fails is appended to a dead-letter file
(JSON lines, owner-only permissions, since it holds message text) and logged with personal data
masked, so an operator can see and redeliver it.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from layani.pii import mask_text

logger = logging.getLogger(__name__)


# Set by callers that must know whether a send failed (the outbound API answers 502); during a
# bot turn a failed reply is dead-lettered and the turn goes on.
RAISE_ON_FAILURE: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "layani_raise_on_send_failure", default=False
)


class SendError(Exception):
    """A provider refused or failed a send. `retryable` says whether trying again may help."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = True):
        super().__init__(message)
        self.status = status
        self.retryable = retryable


def is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, SendError):
        return exc.retryable
    if isinstance(exc, (asyncio.TimeoutError, ConnectionError, OSError)):
        return True
    try:
        import httpx

        if isinstance(exc, httpx.TransportError):
            return True
    except ImportError:  # pragma: no cover
        pass
    try:
        from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

        if isinstance(exc, (BadRequest, Forbidden)):
            return False
        if isinstance(exc, (NetworkError, RetryAfter, TimedOut)):
            return True
    except ImportError:  # pragma: no cover
        pass
    return False


def status_error(status: int, body: str) -> SendError:
    retryable = status == 429 or status >= 500
    return SendError(f"HTTP {status}: {body[:300]}", status=status, retryable=retryable)


class DeadLetterLog:
    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, record: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(record, ensure_ascii=False, default=str)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")


class Deliverer:
    def __init__(
        self,
        dead_letters: DeadLetterLog,
        attempts: int = 3,
        timeout: float = 10.0,
        backoff: float = 0.5,
    ) -> None:
        self.dead_letters = dead_letters
        self.attempts = max(1, attempts)
        self.timeout = timeout
        self.backoff = backoff

    async def send(
        self,
        channel: str,
        recipient: str,
        call: Callable[[], Awaitable[Any]],
        payload: dict[str, Any],
    ) -> Any:
        """Run `call` with a timeout, retrying transient failures; dead-letter the rest.

        Returns the call's result, or None when the message was dead-lettered (the turn goes
        on: one lost reply must not abort the rest of the conversation).
        """
        last: BaseException | None = None
        for attempt in range(1, self.attempts + 1):
            try:
                return await asyncio.wait_for(call(), timeout=self.timeout)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                last = exc
                retry = is_retryable(exc) and attempt < self.attempts
                logger.warning(
                    "Send to %s via %s failed (attempt %d/%d%s): %s",
                    mask_text(recipient),
                    channel,
                    attempt,
                    self.attempts,
                    ", retrying" if retry else "",
                    mask_text(str(exc)) or type(exc).__name__,
                )
                if not retry:
                    break
                delay = self.backoff * (2 ** (attempt - 1))
                retry_after = getattr(exc, "retry_after", None)
                if isinstance(retry_after, (int, float)):
                    delay = max(delay, float(retry_after))
                await asyncio.sleep(min(delay, 30.0))
        self.dead_letters.write(
            {
                "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "channel": channel,
                "recipient": recipient,
                "payload": payload,
                "error": f"{type(last).__name__}: {last}",
            }
        )
        logger.error(
            "Dead-lettered a message to %s via %s: %s", mask_text(recipient), channel, last
        )
        if RAISE_ON_FAILURE.get():
            raise SendError(f"Delivery via {channel} failed: {last}", retryable=False) from last
        return None
