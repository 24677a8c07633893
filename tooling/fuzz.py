"""`make fuzz`: generated and hostile messages against every public entry point, on loopback.

What it does:
1. Starts local stand-ins for the Telegram Bot API and Twilio (they record every reply) and a
   Layani stack as `make run` starts it (action server, Rasa server, webhook gateway) with both
   providers configured and the REST channel enabled behind its own token.
2. Sends `--count` generated messages (tooling/fuzz_messages.py; fixed seed) to each entry
   point with valid authentication: web chat (socket.io), REST, the Telegram webhook (secret
   header) and the Twilio webhook (real X-Twilio-Signature). Closed loop, `--workers` citizens
   per entry point, each waiting for its reply before the next message, so the turn time is what
   one citizen waits. About one request in twenty is a malformed body instead, which must get
   a 4xx.
   A message that asks for an officer hands the conversation over, and the bot then stays
   silent by design: after 4 s without a reply the worker continues as a new citizen (counted
   as no-reply).
3. Prints, per entry point: requests, 2xx/4xx/5xx, messages with no reply, turn-time
   percentiles for messages within the length cap, and for the whole stack: processes that
   died and tracebacks in their logs. Exit status 1 when any 5xx, crash or traceback occurred,
   or p99 of capped messages is 1 s or more.

Usage: python -m tooling.fuzz [--count 10000] [--workers 2] [--model PATH] [--only rest,telegram]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from tooling.bench import PUBLIC, TG_SECRET, TW_SID, TW_TOKEN, percentile, start_loopback_stack
from tooling.fuzz_messages import malformed_json_bodies, message

REST_TOKEN = "fuzz-rest-token"
REPLY_TIMEOUT = 4.0  # no reply by then: the conversation went to an officer
QUIET = 0.05  # a turn may send several messages; wait this long after the last one
ENTRY_POINTS = ("rest", "webchat", "telegram", "twilio")


@dataclass
class Tally:
    name: str
    requests: int = 0
    ok: int = 0
    client_errors: int = 0
    server_errors: int = 0
    transport_errors: int = 0
    no_reply: int = 0
    over_cap: int = 0
    turn_times: list[float] = field(default_factory=list)
    slowest: list[tuple[float, str]] = field(default_factory=list)
    wall: float = 0.0

    def turn(self, seconds: float, text: str) -> None:
        """Record the turn time of a message within the length cap (keeps the 3 slowest)."""
        self.turn_times.append(seconds)
        self.slowest = sorted(self.slowest + [(seconds, text[:50])], reverse=True)[:3]

    def status(self, code: int) -> None:
        self.requests += 1
        if code >= 500:
            self.server_errors += 1
        elif code >= 400:
            self.client_errors += 1
        else:
            self.ok += 1

    def line(self) -> str:
        t = self.turn_times
        return (
            f"{self.name:9} {self.requests:7d} {self.ok:6d} {self.client_errors:5d} "
            f"{self.server_errors:5d} {self.transport_errors:5d} {self.no_reply:8d} "
            f"{self.over_cap:6d} {percentile(t, 50) * 1000:7.0f} {percentile(t, 95) * 1000:7.0f} "
            f"{percentile(t, 99) * 1000:7.0f} {max(t, default=0) * 1000:7.0f} "
            f"{self.requests / self.wall if self.wall else 0:6.1f}"
        )


class Replies:
    """Waits for the fake provider's next reply to one recipient (append-only call list)."""

    def __init__(self, fake, key_field: str) -> None:
        self.fake = fake
        self.key_field = key_field

    async def after(self, key: str, start_index: int, timeout: float) -> float | None:
        deadline = time.monotonic() + timeout
        index, first, last = start_index, None, None
        while time.monotonic() < deadline:
            calls = self.fake.calls
            while index < len(calls):
                call = calls[index]
                index += 1
                if str(call.data.get(self.key_field)) == key:
                    first = first or call.at
                    last = call.at
            if first is not None and time.monotonic() - last >= QUIET:
                return first
            await asyncio.sleep(0.005)
        return first


def _within_cap(channel: str, text: str) -> bool:
    from channels.limits import too_long

    return not too_long(channel, text)


async def fuzz_rest(session, stack, args, tally: Tally, worker: int) -> None:
    rng = random.Random(f"rest-{worker}-{args.seed}")
    url = f"{stack.url}/webhooks/rest/webhook"
    headers = {"Authorization": f"Bearer {REST_TOKEN}", "Content-Type": "application/json"}
    for i in range(args.count // args.workers):
        if rng.random() < 0.05:
            body, text = malformed_json_bodies(rng), None
        else:
            text = message(rng)
            sender = f"fuzz-{worker}-{i // args.per_citizen}"
            body = json.dumps({"sender": sender, "message": text}).encode()
        started = time.monotonic()
        try:
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                tally.status(response.status)
        except Exception:
            tally.transport_errors += 1
            continue
        if text is not None and response.status == 200:
            if _within_cap("rest", text):
                tally.turn(time.monotonic() - started, text)
            else:
                tally.over_cap += 1


async def _webchat_session(stack, inbox: asyncio.Queue):
    """A connected socket.io client with a confirmed session: (client, session id)."""
    import socketio

    client = socketio.AsyncClient(reconnection=False)
    session: list[str] = []
    client.on("session_confirm", lambda data: session.append(data))
    client.on("bot_uttered", lambda data: inbox.put_nowait(time.monotonic()))
    await client.connect(stack.url, headers={"Origin": stack.url}, transports=["polling"])
    await client.emit("session_request", {"session_id": None})
    for _ in range(100):
        if session:
            break
        await asyncio.sleep(0.05)
    return client, (session[0] if session else "")


async def fuzz_webchat(stack, args, tally: Tally, worker: int) -> None:
    rng = random.Random(f"webchat-{worker}-{args.seed}")
    inbox: asyncio.Queue = asyncio.Queue()
    client, session_id = await _webchat_session(stack, inbox)
    try:
        for i in range(args.count // args.workers):
            if i and i % args.per_citizen == 0:
                await client.disconnect()
                client, session_id = await _webchat_session(stack, inbox)
            text = message(rng)
            while not inbox.empty():
                inbox.get_nowait()
            started = time.monotonic()
            try:
                await client.emit("user_uttered", {"message": text, "session_id": session_id})
            except Exception:
                tally.transport_errors += 1
                continue
            tally.requests += 1
            tally.ok += 1
            try:
                first = await asyncio.wait_for(inbox.get(), REPLY_TIMEOUT)
            except asyncio.TimeoutError:
                if text.strip():
                    # Handed to an officer (the bot is silent by design): a new citizen.
                    tally.no_reply += 1
                    await client.disconnect()
                    client, session_id = await _webchat_session(stack, inbox)
                continue
            await asyncio.sleep(QUIET)
            if _within_cap("socketio", text):
                tally.turn(first - started, text)
            else:
                tally.over_cap += 1
    finally:
        await client.disconnect()


async def fuzz_telegram(session, stack, fake, args, tally: Tally, worker: int) -> None:
    rng = random.Random(f"telegram-{worker}-{args.seed}")
    replies = Replies(fake, "chat_id")
    citizen = 0
    url = f"{stack.webhook_url}/webhooks/telegram/webhook"
    headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET, "Content-Type": "application/json"}
    for i in range(args.count // args.workers):
        update_id = args.seed * 10_000_000 + worker * 1_000_000 + i
        if i and i % args.per_citizen == 0:
            citizen += 1
        user = 900_000_000 + worker * 100_000 + citizen
        if rng.random() < 0.05:
            body, text = malformed_json_bodies(rng), None
        else:
            text = message(rng, limit=1500)
            update = {
                "update_id": update_id,
                "message": {
                    "message_id": i + 1,
                    "date": int(time.time()),
                    "from": {"id": user, "is_bot": False, "first_name": "Warga"},
                    "chat": {"id": user, "type": "private", "first_name": "Warga"},
                    "text": text,
                },
            }
            body = json.dumps(update).encode()
        mark = len(fake.calls)
        started = time.monotonic()
        try:
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                tally.status(response.status)
        except Exception:
            tally.transport_errors += 1
            continue
        if text is None or response.status != 200 or not text.strip():
            continue
        first = await replies.after(str(user), mark, REPLY_TIMEOUT)
        if first is None:
            tally.no_reply += 1
            citizen += 1  # handed to an officer (silent by design): a new citizen
        elif _within_cap("telegram", text):
            tally.turn(first - started, text)
        else:
            tally.over_cap += 1


async def fuzz_twilio(session, stack, fake, args, tally: Tally, worker: int) -> None:
    from twilio.request_validator import RequestValidator

    rng = random.Random(f"twilio-{worker}-{args.seed}")
    signer = RequestValidator(TW_TOKEN)
    replies = Replies(fake, "To")
    citizen = 0
    url = f"{stack.webhook_url}/webhooks/twilio/webhook"
    for i in range(args.count // args.workers):
        if i and i % args.per_citizen == 0:
            citizen += 1
        phone = f"+62813{worker:02d}{citizen:06d}"
        # A form post carries UTF-8 bytes: a lone surrogate cannot reach Twilio's webhook.
        text = message(rng, limit=1000).encode("utf-8", "replace").decode("utf-8")
        fields = {
            "MessageSid": f"SM{args.seed:06d}{worker:04d}{i:022d}",
            "AccountSid": TW_SID,
            "From": phone,
            "To": "+14155550100",
            "Body": text,
            "NumMedia": "0",
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        if rng.random() < 0.05:  # signed, but odd fields: media count junk, unknown keys
            fields.update({"NumMedia": "x", "MediaUrl0": "not a url", "Extra": "1" * 100})
        signature = signer.compute_signature(PUBLIC + "/webhooks/twilio/webhook", fields)
        headers = {
            "X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        mark = len(fake.calls)
        started = time.monotonic()
        try:
            async with session.post(url, data=urlencode(fields), headers=headers) as response:
                await response.read()
                tally.status(response.status)
        except Exception:
            tally.transport_errors += 1
            continue
        if response.status != 200 or not text.strip():
            continue
        first = await replies.after(phone, mark, REPLY_TIMEOUT)
        if first is None:
            tally.no_reply += 1
            citizen += 1  # handed to an officer (silent by design): a new citizen
        elif _within_cap("sms", text):
            tally.turn(first - started, text)
        else:
            tally.over_cap += 1


async def run(stack, telegram, twilio, args) -> list[Tally]:
    import aiohttp

    timeout = aiohttp.ClientTimeout(total=120)
    tallies = []
    async with aiohttp.ClientSession(timeout=timeout) as session:
        # Warm-up: the first turn of a fresh server loads lazily; it is not a citizen's wait.
        async with session.post(
            f"{stack.url}/webhooks/rest/webhook",
            json={"sender": "fuzz-warmup", "message": "halo"},
            headers={"Authorization": f"Bearer {REST_TOKEN}"},
        ) as response:
            await response.read()
        for name in args.only:
            tally = Tally(name)
            started = time.monotonic()
            workers = range(args.workers)
            if name == "rest":
                jobs = [fuzz_rest(session, stack, args, tally, w) for w in workers]
            elif name == "webchat":
                jobs = [fuzz_webchat(stack, args, tally, w) for w in workers]
            elif name == "telegram":
                jobs = [fuzz_telegram(session, stack, telegram, args, tally, w) for w in workers]
            else:
                jobs = [fuzz_twilio(session, stack, twilio, args, tally, w) for w in workers]
            await asyncio.gather(*jobs)
            tally.wall = time.monotonic() - started
            tallies.append(tally)
            print(tally.line(), flush=True)
            for seconds, text in tally.slowest:
                print(f"{'':9}   slow: {seconds * 1000:6.0f} ms  {text!r}", flush=True)
    return tallies


def crashes_and_tracebacks(stack) -> tuple[list[str], int]:
    died = [name for name, proc in stack.procs.items() if proc.poll() is not None]
    return died, stack.log_text().count("Traceback (most recent call last)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fuzz every public entry point (loopback)")
    parser.add_argument("--count", type=int, default=10_000, help="messages per entry point")
    parser.add_argument("--workers", type=int, default=2, help="citizens per entry point")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--per-citizen",
        type=int,
        default=50,
        help="messages per citizen before the worker becomes a new one (a conversation's "
        "length is the performance issue's subject, not this run's)",
    )
    parser.add_argument("--only", default=",".join(ENTRY_POINTS))
    parser.add_argument("--model", help="model archive (default: train if stale)")
    args = parser.parse_args(argv)
    args.only = [n for n in args.only.split(",") if n]

    stack, telegram, twilio = start_loopback_stack(
        args.model,
        "layani-fuzz-",
        {
            "LAYANI_REST_ENABLED": "1",
            "LAYANI_REST_TOKEN": REST_TOKEN,
            # The fuzz citizens send far more than a person would; limits are tested elsewhere.
            "LAYANI_RATE_LIMIT": "0",
            "LAYANI_WEBCHAT_SESSION_LIMIT": "0",
            "LAYANI_REST_RATE_LIMIT": "0",
        },
    )
    header = (
        f"{'entry':9} {'reqs':>7} {'2xx':>6} {'4xx':>5} {'5xx':>5} {'xport':>5} {'no-reply':>8} "
        f"{'>cap':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} {'req/s':>6}"
    )
    print(header, flush=True)
    try:
        tallies = asyncio.run(run(stack, telegram, twilio, args))
        died, tracebacks = crashes_and_tracebacks(stack)
    finally:
        stack.stop()
        telegram.stop()
        twilio.stop()
    workdir = Path(stack.logs["rasa"]).parent
    server_errors = sum(t.server_errors for t in tallies)
    p99 = max((percentile(t.turn_times, 99) for t in tallies if t.turn_times), default=0.0)
    print(
        f"\n5xx: {server_errors}; crashed processes: {died or 'none'}; tracebacks in logs: "
        f"{tracebacks}; worst p99 within the length cap: {p99 * 1000:.0f} ms (target < 1000)"
    )
    print(f"Logs kept in {workdir}")
    failed = server_errors or died or tracebacks or p99 >= 1.0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
