"""The atomic Redis lock (layani/lock_store.py) against the real local Redis.

What a citizen would notice if it failed: two of their messages answered at once or in the wrong
order when replicas share a conversation, or a conversation stuck after a replica died.
Several store instances stand for several replicas (each its own connections); one test uses
separate processes, since that is what replicas are.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
import uuid
from types import SimpleNamespace
from urllib.parse import urlparse

import pytest
import redis

from layani.lock_store import AtomicRedisLockStore
from layani.server import require_lock_store_class


def make_store(url: str, **options) -> AtomicRedisLockStore:
    parsed = urlparse(url)
    return AtomicRedisLockStore(
        host=parsed.hostname,
        port=parsed.port or 6379,
        db=int(parsed.path.lstrip("/") or 0),
        key_prefix="locktest",
        **options,
    )


def conversation() -> str:
    return f"rest:lock-{uuid.uuid4().hex[:8]}"


async def test_concurrent_lockers_on_several_replicas_take_turns_in_ticket_order(redis_url):
    replicas = [make_store(redis_url) for _ in range(4)]
    cid = conversation()
    inside = 0
    overlaps = 0
    served: list[int] = []

    async def locker(i: int) -> None:
        nonlocal inside, overlaps
        await asyncio.sleep((i % 7) * 0.001)
        async with replicas[i % len(replicas)].lock(cid, lock_lifetime=10) as held:
            inside += 1
            overlaps += inside > 1
            served.append(held.tickets[0].number)
            await asyncio.sleep(0.002)  # a turn: other lockers poll meanwhile
            inside -= 1

    await asyncio.gather(*(locker(i) for i in range(60)))

    assert overlaps == 0
    assert sorted(served) == list(range(1, 61))  # unique tickets, none skipped
    assert served == sorted(served)  # served strictly in the order tickets were issued
    # Nothing left behind but the ticket counter, which expires on its own.
    leftover = redis.Redis.from_url(redis_url).keys("locktest:*")
    assert [key.decode() for key in leftover] == [replicas[0].keys(cid)[2]]
    assert 0 < redis.Redis.from_url(redis_url).pttl(leftover[0]) <= 3_600_000


def _process_locker(url: str, cid: str, rounds: int) -> None:
    """One "replica": read-modify-write a shared counter under the lock, slowly."""

    async def run() -> None:
        store = make_store(url)
        client = redis.Redis.from_url(url)
        for _ in range(rounds):
            async with store.lock(cid, lock_lifetime=10):
                value = int(client.get("locktest-counter") or 0)
                await asyncio.sleep(0.001)
                client.set("locktest-counter", value + 1)
                client.rpush("locktest-holders", f"{multiprocessing.current_process().pid}")

    asyncio.run(run())


def test_replica_processes_never_hold_the_lock_at_once(redis_url):
    """A non-atomic increment guarded by the lock loses no update across 4 processes."""
    cid = conversation()
    context = multiprocessing.get_context("spawn")
    procs = [context.Process(target=_process_locker, args=(redis_url, cid, 25)) for _ in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=120)
        assert proc.exitcode == 0
    client = redis.Redis.from_url(redis_url)
    assert int(client.get("locktest-counter")) == 100
    assert len({pid for pid in client.lrange("locktest-holders", 0, -1)}) == 4


async def test_a_killed_holder_blocks_the_conversation_one_lifetime_only(redis_url):
    store = make_store(redis_url)
    cid = conversation()
    # A replica took a ticket (it holds the lock) and was SIGKILLed: nobody refreshes it.
    dead = store.issue_ticket(cid, lock_lifetime=0.8)
    assert store.get_lock(cid).now_serving == dead

    started = time.monotonic()
    async with store.lock(cid, lock_lifetime=5) as held:
        waited = time.monotonic() - started
    assert held.tickets[0].number == dead + 1
    assert 0.5 < waited < 3


async def test_a_live_slow_holder_keeps_its_turn_beyond_one_lifetime(redis_url):
    store, other = make_store(redis_url), make_store(redis_url)
    cid = conversation()
    events: list[str] = []

    async def slow_turn() -> None:
        async with store.lock(cid, lock_lifetime=0.4):
            events.append("slow in")
            await asyncio.sleep(1.5)  # almost 4 lifetimes: kept alive, not expired
            events.append("slow out")

    async def next_turn() -> None:
        await asyncio.sleep(0.1)
        async with other.lock(cid, lock_lifetime=0.4):
            events.append("next in")

    await asyncio.gather(slow_turn(), next_turn())
    assert events == ["slow in", "slow out", "next in"]


async def test_a_holder_whose_event_loop_is_blocked_keeps_its_turn(redis_url):
    """NLU inference blocks the turn's event loop (for seconds on a starved machine): the
    ticket is kept alive from a thread, so another replica does not step in meanwhile."""
    import threading

    store = make_store(redis_url)
    cid = conversation()
    events: list[str] = []

    def other_replica() -> None:
        async def run() -> None:
            await asyncio.sleep(0.2)
            async with make_store(redis_url).lock(cid, lock_lifetime=0.4):
                events.append("other in")

        asyncio.run(run())

    async with store.lock(cid, lock_lifetime=0.4):
        events.append("blocked in")
        thread = threading.Thread(target=other_replica)
        thread.start()
        time.sleep(1.6)  # the loop is blocked for four lifetimes: no coroutine runs
        events.append("blocked out")
    thread.join(timeout=30)
    assert events == ["blocked in", "blocked out", "other in"]


async def test_abandoned_conversation_keys_expire_in_redis(redis_url):
    store = make_store(redis_url)
    cid = conversation()
    store.issue_ticket(cid, lock_lifetime=1)
    client = redis.Redis.from_url(redis_url)
    queue, expires, counter = (client.pttl(key) for key in store.keys(cid))
    assert 0 < queue <= 1000 + 5000 and 0 < expires <= 1000 + 5000
    assert 0 < counter <= 3_600_000


def test_server_refuses_to_start_when_the_lock_store_class_is_missing():
    with pytest.raises(SystemExit, match="Lock store layani.no_such_lock.Store"):
        require_lock_store_class(SimpleNamespace(type="layani.no_such_lock.Store"))
    require_lock_store_class(SimpleNamespace(type="layani.lock_store.AtomicRedisLockStore"))
    require_lock_store_class(SimpleNamespace(type="redis"))  # Rasa's own types load themselves


def test_production_endpoints_configure_the_atomic_lock(monkeypatch):
    from rasa.core.lock_store import LockStore
    from rasa.utils.endpoints import read_endpoint_config

    from layani.paths import ROOT
    from layani.run import build_env

    env = build_env("production", {"REDIS_LOCK_DB": "15", "LAYANI_ACTION_TOKEN": "x"})
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = read_endpoint_config(str(ROOT / "endpoints.production.yml"), "lock_store")
    assert config.type == "layani.lock_store.AtomicRedisLockStore"
    # Rasa's factory builds our class from that configuration, as the server does.
    store = LockStore.create(config)
    assert isinstance(store, AtomicRedisLockStore)
    assert store.red.connection_pool.connection_kwargs["db"] == 15
