"""Channel layer: deduplication, rate limit, per-conversation order, outbound retry/dead letter."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import replace
from types import SimpleNamespace

import pytest

from channels.layer import ACCEPTED, LIMITED, ChannelLayer
from channels.layer.dedup import MemoryDedupStore, RedisDedupStore
from channels.layer.kv import MemoryKV, RedisKV
from channels.layer.ordering import ConversationQueues
from channels.layer.outbound import RAISE_ON_FAILURE, DeadLetterLog, Deliverer, SendError
from channels.layer.ratelimit import MemoryRateLimiter, RedisRateLimiter, parse_limit
from layani.settings import load


def make_layer(tmp_path, **overrides) -> ChannelLayer:
    settings = replace(load(), redis_url="", dead_letter_file=tmp_path / "dl.jsonl", **overrides)
    return ChannelLayer(settings)


class Output:
    def __init__(self):
        self.sent = []

    async def send_text_message(self, recipient, text, **_):
        self.sent.append((recipient, text))


def message(sender="s1", text="halo"):
    return SimpleNamespace(sender_id=sender, text=text, output_channel=Output())


async def test_memory_dedup_claims_once_and_expires():
    store = MemoryDedupStore(ttl=0.05)
    assert await store.claim("k") is True
    assert await store.claim("k") is False
    await asyncio.sleep(0.06)
    assert await store.claim("k") is True


async def test_redis_dedup_five_concurrent_copies_one_claim(redis_url):
    store = RedisDedupStore(redis_url, ttl=60)
    results = await asyncio.gather(*[store.claim("twilio:SM1") for _ in range(5)])
    assert sorted(results) == [False, False, False, False, True]
    await store.close()


async def test_redis_down_falls_back_to_memory_dedup():
    store = RedisDedupStore("redis://127.0.0.1:1/0", ttl=60)  # nothing listens on port 1
    assert await store.claim("a") is True
    assert await store.claim("a") is False


async def test_rate_limit_notifies_once_per_window():
    limiter = MemoryRateLimiter(limit=3, window=60)
    decisions = [await limiter.check("s") for _ in range(6)]
    assert [d.allowed for d in decisions] == [True, True, True, False, False, False]
    assert [d.notify for d in decisions] == [False, False, False, True, False, False]
    assert (await limiter.check("other")).allowed


async def test_redis_rate_limit_shared(redis_url):
    a, b = RedisRateLimiter(redis_url, 2, 60), RedisRateLimiter(redis_url, 2, 60)
    assert (await a.check("s")).allowed and (await b.check("s")).allowed
    assert not (await a.check("s")).allowed
    await a.close()
    await b.close()


def test_parse_limit():
    assert parse_limit("20/60") == (20, 60.0)
    assert parse_limit("0")[0] == 0


async def test_kv_stores(redis_url):
    for kv in (MemoryKV(), RedisKV(redis_url)):
        await kv.set("menu:s", {"1": "/help"}, 60)
        assert await kv.get("menu:s") == {"1": "/help"}
        await kv.delete("menu:s")
        assert await kv.get("menu:s") is None
        await kv.close()


async def test_turns_of_one_sender_run_in_order_others_in_parallel():
    queues = ConversationQueues(max_concurrent_turns=4)
    log = []

    def job(sender, i, delay):
        async def run():
            log.append(("start", sender, i))
            await asyncio.sleep(delay)
            log.append(("end", sender, i))

        return run

    queues.submit("a", job("a", 1, 0.05))
    queues.submit("a", job("a", 2, 0.0))
    queues.submit("b", job("b", 1, 0.0))
    await queues.drain()
    a_events = [e for e in log if e[1] == "a"]
    assert a_events == [("start", "a", 1), ("end", "a", 1), ("start", "a", 2), ("end", "a", 2)]
    # b did not wait behind a's slow first turn.
    assert log.index(("end", "b", 1)) < log.index(("end", "a", 1))


async def test_failed_turn_does_not_block_the_next():
    queues = ConversationQueues()
    done = []

    async def boom():
        raise RuntimeError("turn failed")

    async def ok():
        done.append(True)

    queues.submit("a", boom)
    queues.submit("a", ok)
    await queues.drain()
    assert done == [True]


async def test_accept_limits_and_queues(tmp_path):
    layer = make_layer(tmp_path, rate_limit="2/60")
    handled = []

    async def on_new_message(msg):
        handled.append(msg.text)

    first = message(text="satu")
    assert await layer.accept(first, on_new_message) == ACCEPTED
    assert await layer.accept(message(text="dua"), on_new_message) == ACCEPTED
    limited = message(text="tiga")
    assert await layer.accept(limited, on_new_message) == LIMITED
    assert await layer.accept(message(text="empat"), on_new_message) == LIMITED
    await layer.drain()
    assert handled == ["satu", "dua"]
    # One polite notice, in Indonesian, for the whole window.
    assert len(limited.output_channel.sent) == 1
    assert "terlalu banyak pesan" in limited.output_channel.sent[0][1]


async def test_accept_returns_before_the_turn_finishes(tmp_path):
    layer = make_layer(tmp_path)
    started, release = threading.Event(), threading.Event()

    async def slow_turn(msg):
        started.set()
        while not release.is_set():
            await asyncio.sleep(0.01)

    outcome = await asyncio.wait_for(layer.accept(message(), slow_turn), timeout=0.05)
    assert outcome == ACCEPTED
    assert await asyncio.to_thread(started.wait, 2)
    release.set()
    await layer.drain()


async def test_a_blocking_turn_does_not_block_the_webhook_loop(tmp_path):
    """Rasa's NLU blocks whatever loop runs the turn; it must not be the webhook loop."""
    layer = make_layer(tmp_path)
    threads = []

    async def cpu_bound_turn(msg):
        threads.append(threading.get_ident())
        time.sleep(0.5)  # stands in for synchronous NLU inference

    await layer.accept(message("a"), cpu_bound_turn)
    await asyncio.sleep(0.05)  # the turn is now running
    lags = []
    for _ in range(10):
        started = time.perf_counter()
        await asyncio.sleep(0.01)
        lags.append(time.perf_counter() - started - 0.01)
    await layer.drain()
    assert threads and threads[0] != threading.get_ident()
    assert max(lags) < 0.1, lags


async def test_deliverer_retries_transient_errors(tmp_path):
    deliverer = Deliverer(DeadLetterLog(tmp_path / "dl.jsonl"), attempts=3, timeout=1, backoff=0.01)
    calls = []

    async def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise SendError("HTTP 502", status=502, retryable=True)
        return "ok"

    assert await deliverer.send("sms", "+6281234567890", flaky, {"Body": "x"}) == "ok"
    assert len(calls) == 3
    assert not (tmp_path / "dl.jsonl").exists()


async def test_deliverer_dead_letters_permanent_and_timeouts(tmp_path):
    path = tmp_path / "dl.jsonl"
    deliverer = Deliverer(DeadLetterLog(path), attempts=3, timeout=0.05, backoff=0.01)
    calls = []

    async def refused():
        calls.append(1)
        raise SendError("HTTP 400: invalid number", status=400, retryable=False)

    async def hangs():
        await asyncio.sleep(5)

    assert await deliverer.send("sms", "+6281234567890", refused, {"Body": "a"}) is None
    assert len(calls) == 1  # a 400 is not retried
    assert await deliverer.send("telegram", "42", hangs, {"text": "b"}) is None
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["channel"] for r in records] == ["sms", "telegram"]
    assert records[1]["error"].startswith("TimeoutError")
    assert oct(path.stat().st_mode & 0o777) == "0o600"

    token = RAISE_ON_FAILURE.set(True)
    try:
        with pytest.raises(SendError):
            await deliverer.send("sms", "+6281234567890", refused, {"Body": "c"})
    finally:
        RAISE_ON_FAILURE.reset(token)


def test_client_address_believes_forwarded_for_only_from_trusted_proxies():
    from channels.layer.ratelimit import client_address

    trusted = ("10.0.0.0/8", "127.0.0.1")
    # Not a proxy: whatever it claims is ignored.
    assert client_address("203.0.113.9", "198.51.100.1", trusted) == "203.0.113.9"
    assert client_address("203.0.113.9", "198.51.100.1", ()) == "203.0.113.9"
    # Through our proxies: the rightmost hop that is not ours; client-written hops ignored.
    assert client_address("127.0.0.1", "6.6.6.6, 203.0.113.9", trusted) == "203.0.113.9"
    assert client_address("127.0.0.1", "203.0.113.9, 10.1.2.3", trusted) == "203.0.113.9"
    assert client_address("10.9.9.9", " 2001:db8::1 ", trusted) == "2001:db8::1"
    # Garbage or only proxies: counted as the proxy itself.
    assert client_address("127.0.0.1", "not-an-ip", trusted) == "127.0.0.1"
    assert client_address("127.0.0.1", "10.1.1.1", trusted) == "127.0.0.1"
    assert client_address("127.0.0.1", None, trusted) == "127.0.0.1"


def test_webchat_origin_check():
    from channels.socketio import origin_check

    check = origin_check(("https://Agency.example/",), "https://layani.example.go.id")
    own = {"HTTP_HOST": "chat.local:5005"}
    assert check("http://chat.local:5005", own)  # the /chat page of this server
    assert check("https://chat.local:5005", own)  # behind a TLS-terminating proxy
    assert check("https://agency.example", own)
    assert check("https://layani.example.go.id", {"HTTP_HOST": "127.0.0.1:5005"})
    assert check("https://public.example", {**own, "HTTP_X_FORWARDED_HOST": "public.example"})
    assert not check("https://evil.example", own)
    assert not check("https://chat.local:5005.evil.example", own)
    assert not check("null", own)
    assert not check(None, own)
    assert origin_check(("*",))("https://anyone.example", own)


def test_webchat_metadata_is_bounded():
    from channels.socketio import MAX_METADATA_BYTES, client_metadata

    assert client_metadata({"language": "id", "staff": "x"}) == {
        "language": "id",
        "channel": "socketio",
    }
    assert client_metadata({"blob": "x" * MAX_METADATA_BYTES}) == {"channel": "socketio"}
    deep: object = 1
    for _ in range(10):
        deep = [deep]
    assert client_metadata({"deep": deep}) == {"channel": "socketio"}
    assert client_metadata('{"language": "id"}') == {"language": "id", "channel": "socketio"}
    assert client_metadata("[" * 100_000) == {"channel": "socketio"}
    assert client_metadata(["not", "a", "dict"]) == {"channel": "socketio"}


async def test_session_limit_per_address(tmp_path):
    layer = make_layer(tmp_path, webchat_session_limit="2/60")
    assert [await layer.allow_new_session("203.0.113.1") for _ in range(3)] == [True, True, False]
    assert await layer.allow_new_session("203.0.113.2")
    await layer.close()


async def test_turn_counts_return_to_zero_after_failures(tmp_path):
    layer = make_layer(tmp_path, max_queued_per_sender=1)

    async def boom(msg):
        raise RuntimeError("turn failed")

    assert await layer.accept(message("a"), boom) == ACCEPTED
    await layer.drain()
    assert layer.turns.queued() == 0 and layer.turns.queued("a") == 0
    assert await layer.accept(message("a"), boom) == ACCEPTED  # the failed turn freed its room
    await layer.drain()
