"""A Redis ticket lock whose every step is one atomic Lua script: turn order across replicas.

Why not Rasa's `RedisLockStore`: it reads the whole ticket queue as JSON, changes it in Python
and writes it back (`GET` ... `SET`). Two replicas issuing a ticket for the same conversation
at the same moment can both read the same queue and hand out the same ticket number, so both
run the turn at once; a `cleanup` racing an `issue_ticket` deletes a queue someone just joined,
and that waiter fails with `LockError`. Per-conversation message order then depends on luck.

Here each operation (issue, check, keep alive, release) is a single Lua script, which Redis runs
without interleaving anything else:

- ticket numbers come from `INCR`, so they are unique and strictly increasing per conversation;
- the holder is the lowest live ticket in a sorted set, so exactly one locker holds it;
- every ticket expires (Redis' own clock, `TIME`, so replica clocks do not matter) unless its
  owner keeps it alive. A live owner refreshes its ticket every quarter lifetime while it waits
  and while it holds the lock, from a thread of its own: a turn's NLU inference blocks the
  event loop, and on a starved machine for seconds, so a refresh scheduled on that loop came
  too late (seen in the scale test). A replica killed with SIGKILL stops refreshing, and the
  conversation is free again after at most one lifetime instead of blocking forever.
  `TICKET_LOCK_LIFETIME` can therefore be short (seconds): a slow turn keeps its ticket anyway.
- the keys of a conversation carry a Redis TTL as well, so abandoned queues vanish on their own.

Configured in endpoints.production.yml as `type: layani.lock_store.AtomicRedisLockStore`; Rasa
builds it with `endpoint_config=` (see rasa/core/lock_store.py). Only `lock()` is used by Rasa
and Layani (agent, processor, HTTP API, outbound API); the other `LockStore` methods are kept
atomic too, so nothing can fall back to the racy read-modify-write.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis
import redis.asyncio
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore

logger = logging.getLogger(__name__)

DEFAULT_KEY_PREFIX = "layani"
DEFAULT_POLL_SECONDS = 0.02
KEY_GRACE_MS = 5000  # a conversation's queue keys outlive its last ticket by this much
# The counter outlives the queue, so a ticket number is never reused while a starved process
# that lost its (expired) ticket may still release that number.
COUNTER_TTL_MS = 3_600_000

# Shared by every script: Redis' clock in milliseconds, and dropping expired tickets.
# KEYS[1] sorted set ticket->ticket (queue order), KEYS[2] hash ticket->expiry (ms),
# KEYS[3] the ticket counter.
_PRELUDE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function purge()
  local all = redis.call('HGETALL', KEYS[2])
  local latest = 0
  for i = 1, #all, 2 do
    local expires = tonumber(all[i + 1])
    if expires <= now then
      redis.call('HDEL', KEYS[2], all[i])
      redis.call('ZREM', KEYS[1], all[i])
    elseif expires > latest then
      latest = expires
    end
  end
  return latest
end
local function keep_keys(latest)
  if latest <= now then
    redis.call('DEL', KEYS[1], KEYS[2])
    return
  end
  local ttl = latest - now + GRACE_MS
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
end
""".replace("GRACE_MS", str(KEY_GRACE_MS))

# ARGV[1] lifetime (ms) -> the new ticket number.
ISSUE = (
    _PRELUDE
    + """
local latest = purge()
local number = redis.call('INCR', KEYS[3])
redis.call('PEXPIRE', KEYS[3], COUNTER_TTL_MS)
local expires = now + tonumber(ARGV[1])
redis.call('ZADD', KEYS[1], number, number)
redis.call('HSET', KEYS[2], number, expires)
if expires > latest then latest = expires end
keep_keys(latest)
return number
""".replace("COUNTER_TTL_MS", str(COUNTER_TTL_MS))
)

# ARGV[1] ticket -> 1 it holds the lock, 0 wait, -1 the ticket expired (lost its place).
CHECK = (
    _PRELUDE
    + """
local latest = purge()
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then
  keep_keys(latest)
  return -1
end
local head = redis.call('ZRANGE', KEYS[1], 0, 0)
if head[1] == ARGV[1] then return 1 end
return 0
"""
)

# ARGV[1] ticket, ARGV[2] lifetime (ms) -> 1 refreshed, 0 the ticket had already expired.
REFRESH = (
    _PRELUDE
    + """
local latest = purge()
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then
  keep_keys(latest)
  return 0
end
local expires = now + tonumber(ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], expires)
if expires > latest then latest = expires end
keep_keys(latest)
return 1
"""
)

# ARGV[1] ticket -> the number of tickets still waiting; the queue keys go when none is left.
RELEASE = (
    _PRELUDE
    + """
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
local latest = purge()
local left = redis.call('ZCARD', KEYS[1])
if left == 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
else
  keep_keys(latest)
end
return left
"""
)

# -> [ticket, expiry_ms, ...] in queue order (after dropping expired ones).
SNAPSHOT = (
    _PRELUDE
    + """
local latest = purge()
local out = {}
for _, number in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  table.insert(out, number)
  table.insert(out, redis.call('HGET', KEYS[2], number))
end
return out
"""
)

_SCRIPTS = {"issue": ISSUE, "check": CHECK, "refresh": REFRESH, "release": RELEASE}


def _lifetime_ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


class AtomicRedisLockStore(LockStore):
    """Rasa `LockStore` on Redis with atomic tickets and kept-alive expiry (module docstring).

    Arguments as Rasa's `RedisLockStore` (`url`/`host`, `port`, `db`, `username`, `password`,
    `use_ssl`, `key_prefix`), or an `endpoint_config` as Rasa passes it; `poll_seconds` is how
    often a waiter looks whether its turn has come.
    """

    def __init__(
        self,
        endpoint_config: Any = None,
        *,
        host: str = "localhost",
        port: int | str = 6379,
        db: int | str = 1,
        username: str | None = None,
        password: str | None = None,
        use_ssl: bool = False,
        key_prefix: str | None = None,
        poll_seconds: float = DEFAULT_POLL_SECONDS,
        socket_timeout: float = 10,
    ) -> None:
        if endpoint_config is not None:
            options = dict(endpoint_config.kwargs or {})
            host = endpoint_config.url or options.get("host", host)
            port = options.get("port", port)
            db = options.get("db", db)
            username = options.get("username", username)
            password = options.get("password", password)
            use_ssl = bool(options.get("use_ssl", use_ssl))
            key_prefix = options.get("key_prefix", key_prefix)
            poll_seconds = float(options.get("poll_seconds", poll_seconds))
        self.key_prefix = f"{key_prefix or DEFAULT_KEY_PREFIX}:ticketlock:"
        self.poll_seconds = poll_seconds
        self._connection = {
            "host": host,
            "port": int(port),
            "db": int(db),
            "username": username or None,
            "password": password or None,
            "ssl": use_ssl,
            "socket_timeout": socket_timeout,
        }
        self.red = redis.Redis(**self._connection)
        self._sync_scripts = {name: self.red.register_script(s) for name, s in _SCRIPTS.items()}
        self._async: dict[int, tuple[Any, dict[str, Any]]] = {}
        # Tickets this process waits for or holds -> lifetime (s), refreshed by `_keeper`.
        self._live: dict[tuple[str, int], float] = {}
        self._live_guard = threading.Lock()
        self._keeper: threading.Thread | None = None
        self._keeper_pid = 0
        super().__init__()

    # Keys -----------------------------------------------------------------------------------

    def keys(self, conversation_id: str) -> list[str]:
        """Queue, expiry and counter keys; the `{...}` hash tag keeps them on one cluster slot."""
        base = f"{self.key_prefix}{{{conversation_id}}}"
        return [f"{base}:queue", f"{base}:expires", f"{base}:counter"]

    def _aio(self) -> dict[str, Any]:
        """Async scripts bound to a client of the running event loop (one per Sanic worker)."""
        loop = asyncio.get_running_loop()
        entry = self._async.get(id(loop))
        if entry is None or entry[0] is not loop:
            client = redis.asyncio.Redis(**self._connection)
            scripts = {name: client.register_script(s) for name, s in _SCRIPTS.items()}
            entry = self._async[id(loop)] = (loop, scripts)
        return entry[1]

    # The lock Rasa uses ---------------------------------------------------------------------

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncIterator[TicketLock]:
        """Hold the conversation's lock for the body of the `async with`, in ticket order.

        `wait_time_in_seconds` (Rasa passes 1 s) is ignored in favour of `poll_seconds`: a
        second between looks would add up to a second to every queued turn.
        """
        scripts = self._aio()
        keys = self.keys(conversation_id)
        lifetime = _lifetime_ms(lock_lifetime)
        try:
            ticket = int(await scripts["issue"](keys=keys, args=[lifetime]))
        except redis.RedisError as exc:
            raise LockError(f"Could not issue a ticket: {exc}") from exc
        self._hold(conversation_id, ticket, lock_lifetime)
        try:
            await self._wait_turn(scripts, keys, conversation_id, ticket)
            yield TicketLock(conversation_id, deque([Ticket(ticket, 0.0)]))
        finally:
            self._drop(conversation_id, ticket)
            try:
                await scripts["release"](keys=keys, args=[ticket])
            except redis.RedisError:
                # The ticket then expires on its own after one lifetime.
                logger.exception("Could not release ticket %s", ticket)

    async def _wait_turn(
        self, scripts: dict[str, Any], keys: list[str], conversation_id: str, ticket: int
    ) -> None:
        while True:
            state = int(await scripts["check"](keys=keys, args=[ticket]))
            if state == 1:
                return
            if state == -1:
                raise LockError(
                    f"Ticket {ticket} expired before its turn; conversation "
                    f"'{conversation_id}' was not processed."
                )
            await asyncio.sleep(self.poll_seconds)

    def _hold(self, conversation_id: str, ticket: int, lifetime: float) -> None:
        with self._live_guard:
            self._live[(conversation_id, ticket)] = lifetime
            # A thread does not survive fork (Sanic workers): start one per process.
            if self._keeper is None or self._keeper_pid != os.getpid():
                self._keeper_pid = os.getpid()
                self._keeper = threading.Thread(
                    target=self._keep_alive, name="layani-lock-keeper", daemon=True
                )
                self._keeper.start()

    def _drop(self, conversation_id: str, ticket: int) -> None:
        with self._live_guard:
            self._live.pop((conversation_id, ticket), None)

    def _keep_alive(self) -> None:
        """Refresh every live ticket of this process each quarter of the shortest lifetime."""
        refresh = self._sync_scripts["refresh"]
        while True:
            with self._live_guard:
                live = dict(self._live)
            if not live:
                time.sleep(0.2)
                continue
            time.sleep(max(0.05, min(live.values()) / 4))
            for (conversation_id, ticket), lifetime in live.items():
                with self._live_guard:
                    if (conversation_id, ticket) not in self._live:
                        continue  # released meanwhile: refreshing would find nothing anyway
                try:
                    alive = refresh(
                        keys=self.keys(conversation_id), args=[ticket, _lifetime_ms(lifetime)]
                    )
                except redis.RedisError:
                    logger.exception("Could not keep lock ticket %s alive", ticket)
                    continue
                if not int(alive):
                    logger.warning(
                        "Lock ticket %s expired while in use (this process was stalled for "
                        "more than TICKET_LOCK_LIFETIME)",
                        ticket,
                    )
                    self._drop(conversation_id, ticket)

    # The rest of Rasa's LockStore interface, each step atomic --------------------------------

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return int(
                self._sync_scripts["issue"](
                    keys=self.keys(conversation_id), args=[_lifetime_ms(lock_lifetime)]
                )
            )
        except redis.RedisError as exc:
            raise LockError(f"Could not issue a ticket: {exc}") from exc

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        """A read-only snapshot of the queue (expiry in seconds since the epoch)."""
        flat = self.red.eval(SNAPSHOT, 3, *self.keys(conversation_id))
        if not flat:
            return None
        tickets = deque(
            Ticket(int(flat[i]), int(flat[i + 1]) / 1000) for i in range(0, len(flat), 2)
        )
        return TicketLock(conversation_id, tickets)

    def is_someone_waiting(self, conversation_id: str) -> bool:
        return self.get_lock(conversation_id) is not None

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._sync_scripts["release"](keys=self.keys(conversation_id), args=[ticket_number])

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        # Releasing deletes the keys when nobody is left, in the same atomic step.
        self.finish_serving(conversation_id, ticket_number)

    def update_lock(self, conversation_id: str) -> None:
        self.red.eval(SNAPSHOT, 3, *self.keys(conversation_id))  # drops expired tickets

    def delete_lock(self, conversation_id: str) -> None:
        self.red.delete(*self.keys(conversation_id)[:2])  # the counter stays (COUNTER_TTL_MS)

    def save_lock(self, lock: TicketLock) -> None:
        raise LockError(
            "AtomicRedisLockStore does not write whole ticket queues (that is the race it "
            "replaces); use lock() or issue_ticket()/finish_serving()."
        )
