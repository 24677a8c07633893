"""Outbound sends to providers: timeout, retry with backoff, and a dead-letter log.

Why: a reply the citizen never receives is a silent failure. Transient errors (timeouts,
connection resets, HTTP 429 and 5xx) are retried with exponential backoff; permanent errors
(4xx: bad number, blocked bot) are not. What still fails is appended to a dead-letter file
(JSON lines, owner-only permissions; the message itself sealed with the personal-data key, only
masked text in clear) and logged with personal data masked, so an operator can see and
redeliver it.
"""

from __future__ import annotations

import asyncio
import calendar
import contextlib
import contextvars
import fcntl
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

from channels.layer import at_rest
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
        import aiohttp  # the twilio client's transport

        if isinstance(exc, aiohttp.ClientConnectionError):
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
    """Append-only JSON lines of messages that could not be delivered, sealed at rest.

    Each line keeps in clear only what an operator needs to see what failed and why: time,
    direction, channel, kind, message id, the recipient and the text with NIK/KK/phone numbers
    masked, and the error (masked). The full record (unmasked recipient and payload, for a
    redelivery) is in `sealed`, encrypted with the personal-data key (channels/layer/at_rest.py);
    `read()` opens it, and `python -m channels.gateway.dead_letters` lists and redelivers. When
    nothing can be sealed (an invalid LAYANI_PII_KEY, or var/ not writable for the generated
    key) only the masked line is written: losing a redelivery beats keeping a NIK in clear.

    Retention: lines older than `retention_days` (LAYANI_DEAD_LETTER_DAYS, default 30) are
    dropped when the log is next written to, at most once an hour per process. Writers (the
    gateway and the Rasa server may share the file) take an exclusive lock on `<file>.lock`.
    """

    PURGE_EVERY_SECONDS = 3600.0

    def __init__(self, path: Path, retention_days: float | None = None) -> None:
        self.path = Path(path)
        if retention_days is None:
            from layani.settings import load

            retention_days = load().dead_letter_days
        self.retention_seconds = float(retention_days) * 86400
        self._purged_at: float | None = None

    def write(self, record: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(self._at_rest(record), ensure_ascii=False, default=str)
        with self._locked():
            if (
                self._purged_at is None
                or time.monotonic() - self._purged_at > self.PURGE_EVERY_SECONDS
            ):
                self._purge()
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")

    def read(self) -> list[dict[str, Any]]:
        """Every record, opened: the original record where it was sealed (with `"sealed":
        true`), else the masked line as written. Lines that do not open are returned masked
        with `"unreadable": true`."""
        return [opened or stored for stored, opened in self.entries()]

    def entries(self) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
        """(line as stored, opened original record or None) for every line, oldest first."""
        result = []
        for stored in self._lines():
            token = stored.get("sealed")
            opened = None
            if isinstance(token, str):
                try:
                    opened = {**at_rest.unseal(token), "sealed": True}
                except (at_rest.Unreadable, at_rest.MissingKey):
                    stored = {**stored, "unreadable": True}
            result.append((stored, opened))
        return result

    def remove(self, sealed: set[str]) -> int:
        """Drop the lines whose `sealed` token is in `sealed` (redelivered); returns how many."""
        with self._locked():
            return self._rewrite(lambda line: _field(line, "sealed") not in sealed)

    def purge(self) -> int:
        """Drop records older than the retention; returns how many were dropped."""
        with self._locked():
            return self._purge()

    @staticmethod
    def _at_rest(record: dict[str, Any]) -> dict[str, Any]:
        payload = record.get("payload") if isinstance(record.get("payload"), dict) else {}
        text = payload.get("text") or payload.get("body") or payload.get("Body") or ""
        clear: dict[str, Any] = {
            "time": record.get("time") or _now(),
            "epoch": int(time.time()),
            "direction": record.get("direction", "outbound"),
            "channel": record.get("channel"),
            "kind": payload.get("kind") or payload.get("method"),
            "message_id": payload.get("message_id"),
            "recipient": at_rest.masked(record.get("recipient")),
            "text": at_rest.masked(text),
            "error": at_rest.masked(record.get("error")),
        }
        try:
            clear["sealed"] = at_rest.seal(record)
        except at_rest.MissingKey as exc:
            logger.error("Dead letter kept masked only, not redeliverable: %s", exc)
        return {k: v for k, v in clear.items() if v is not None}

    def _lines(self) -> list[dict[str, Any]]:
        try:
            raw = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        records = []
        for line in raw:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                records.append(record)
        return records

    def _purge(self) -> int:
        self._purged_at = time.monotonic()
        oldest = time.time() - self.retention_seconds
        dropped = self._rewrite(lambda line: _epoch(line) >= oldest)
        if dropped:
            logger.info("Dead-letter log: dropped %d record(s) past retention", dropped)
        return dropped

    def _rewrite(self, keep: Callable[[str], bool]) -> int:
        """Keep only the lines `keep` accepts (atomic replace, mode 600); caller holds the lock."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return 0
        kept = [line for line in lines if keep(line)]
        if len(kept) == len(lines):
            return 0
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("".join(line + "\n" for line in kept))
        os.replace(tmp, self.path)
        return len(lines) - len(kept)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _field(line: str, name: str) -> Any:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record.get(name) if isinstance(record, dict) else None


def _epoch(line: str) -> float:
    """When a stored line was written (records before sealing have only `time`); a line that
    cannot be read is treated as old, so retention removes it."""
    try:
        record = json.loads(line)
        if isinstance(record.get("epoch"), (int, float)):
            return float(record["epoch"])
        return calendar.timegm(time.strptime(record["time"], "%Y-%m-%dT%H:%M:%SZ"))
    except (ValueError, KeyError, TypeError, AttributeError):
        return 0.0


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
            "Dead-lettered a message to %s via %s: %s",
            mask_text(recipient),
            channel,
            mask_text(str(last)),
        )
        if RAISE_ON_FAILURE.get():
            raise SendError(f"Delivery via {channel} failed: {last}", retryable=False) from last
        return None
