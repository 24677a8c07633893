"""`make bench`: offered load over the Telegram and Twilio webhooks, and over bare Rasa REST.

What it does, on loopback only:
1. Starts local stand-ins for the Telegram Bot API and Twilio (they record every reply) and a
   Layani stack as `make run` starts it (action server, Rasa server, webhook gateway) with both
   channels enabled. Provider webhooks go to the gateway; REST goes to the Rasa server.
2. For each target (Telegram webhook, Twilio webhook, Rasa's own REST channel) offers the same
   open-loop load: N citizens x M messages, sent at a fixed rate (default 200 messages/s)
   whatever the server does, so slow answers cannot slow the offered load down.
3. Measures, per message: ack latency (HTTP response time of the webhook), reply latency (until
   the provider stand-in received the reply; for REST the reply *is* the HTTP response),
   throughput (turns completed per second), the Rasa server's RSS and the CPU time per message
   of the gateway (the webhook path) and of the Rasa server (the turns).
4. Prints the figures and Layani/REST ratios. Bounded in count and time (`--max-seconds`).

Usage: python -m tooling.bench [--citizens 100] [--messages 5] [--rate 200] [--model PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from layani.paths import ROOT

TG_TOKEN = "7012345678:AAHbenchToken"
TG_SECRET = "bench-secret"
TW_SID = "AC" + "b" * 32
TW_TOKEN = "bench-twilio-token"
PUBLIC = "https://tooling.bench.invalid"
_RUNS = itertools.count(1)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(q / 100 * (len(ordered) - 1)))))
    return ordered[index]


def rss_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of a process in MB, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    to_mb = lambda v: int(v.split()[0]) / 1024  # noqa: E731
    return to_mb(fields.get("VmRSS", "0 kB")), to_mb(fields.get("VmHWM", "0 kB"))


class Result:
    def __init__(self, name: str) -> None:
        self.name = name
        self.acks: list[float] = []
        self.replies: list[float] = []
        self.errors = 0
        self.sent = 0
        self.duration = 0.0
        self.rss = (0.0, 0.0)
        self.cpu_ms = float("nan")
        self.gateway_cpu_ms = float("nan")
        self.gateway_rss = 0.0
        self.run_id = 0
        self.duplicates_replied = 0

    def row(self) -> dict[str, float]:
        return {
            "sent": self.sent,
            "errors": self.errors,
            "ack_p50_ms": percentile(self.acks, 50) * 1000,
            "ack_p99_ms": percentile(self.acks, 99) * 1000,
            "reply_p50_ms": percentile(self.replies, 50) * 1000,
            "reply_p99_ms": percentile(self.replies, 99) * 1000,
            "replied": len(self.replies),
            "throughput_per_s": len(self.replies) / self.duration if self.duration else 0.0,
            "rss_mb": self.rss[0],
            "rss_peak_mb": self.rss[1],
            "server_cpu_ms_per_message": self.cpu_ms,
            "gateway_cpu_ms_per_message": self.gateway_cpu_ms,
            "gateway_rss_mb": self.gateway_rss,
            "replies_to_duplicates": self.duplicates_replied,
        }


async def offer(schedule, send, rate: float) -> None:
    """Open loop: message i starts at t0 + i/rate, without waiting for earlier answers."""
    t0 = time.monotonic()
    tasks = []
    for i, item in enumerate(schedule):
        delay = t0 + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(send(item, t0 + i / rate)))
    await asyncio.gather(*tasks)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run_webhook(
    name, session, stack, fake, citizens, messages, rate, max_seconds, per_turn, replay=None
):
    """Offered load over one provider webhook; replies matched per citizen in order.

    `replay`: the run id of an earlier run to deliver again (every message a duplicate), which
    measures the webhook path alone: authenticate, parse, deduplicate, answer.
    """
    result = Result(f"{name}-redelivery" if replay else name)
    schedule = [(c, m) for m in range(messages) for c in range(citizens)]
    sent_at: dict[str, list[float]] = {}
    base = 810_000_000 if name == "telegram" else 0
    # Fresh update ids / MessageSids per run, or dedup would drop them (unless replaying).
    run_id = replay or next(_RUNS)
    result.run_id = run_id
    cpu_before = cpu_seconds(stack.procs["rasa"].pid)
    gw_before = cpu_seconds(stack.procs["webhooks"].pid)
    fake.clear()

    def request(c: int, m: int) -> tuple[str, str, dict]:
        """(citizen key, URL, aiohttp kwargs) of one provider delivery."""
        if name == "telegram":
            user = base + c
            update = {
                "update_id": run_id * 10_000_000 + m * 100_000 + c,
                "message": {
                    "message_id": m + 1,
                    "date": int(time.time()),
                    "from": {"id": user, "is_bot": False, "first_name": "Warga"},
                    "chat": {"id": user, "type": "private", "first_name": "Warga"},
                    "text": "halo",
                },
            }
            return (
                str(user),
                f"{stack.webhook_url}/webhooks/telegram/webhook",
                {
                    "data": json.dumps(update),
                    "headers": {
                        "X-Telegram-Bot-Api-Secret-Token": TG_SECRET,
                        "Content-Type": "application/json",
                    },
                },
            )
        phone = f"+62813{c:08d}"
        fields = {
            "MessageSid": f"SM{run_id:04d}{m:04d}{c:024d}",
            "AccountSid": TW_SID,
            "From": phone,
            "To": "+14155550100",
            "Body": "halo",
            "NumMedia": "0",
            "FromZip": "",
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        signature = signer.compute_signature(PUBLIC + "/webhooks/twilio/webhook", fields)
        return (
            phone,
            f"{stack.webhook_url}/webhooks/twilio/webhook",
            {
                "data": urlencode(fields),
                "headers": {
                    "X-Twilio-Signature": signature,
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            },
        )

    from twilio.request_validator import RequestValidator

    signer = RequestValidator(TW_TOKEN)
    # Built before the clock starts: signing and encoding are the provider's work, and doing it
    # inside the timed loop delayed later sends on the load generator's own event loop.
    prepared = {item: request(*item) for item in schedule}

    async def send(item, scheduled):
        key, url, kwargs = prepared[item]
        started = scheduled  # latency counts from when the provider would have sent it
        sent_at.setdefault(key, []).append(started)
        try:
            async with session.post(url, **kwargs) as response:
                await response.read()
                if response.status != 200:
                    result.errors += 1
        except Exception:
            result.errors += 1
            return
        result.acks.append(time.monotonic() - started)

    t0 = time.monotonic()
    await offer(schedule, send, rate)
    result.sent = len(schedule)
    expected = 0 if replay else len(schedule) * per_turn
    deadline = t0 + max_seconds
    seen, idle_since = -1, time.monotonic()
    while time.monotonic() < deadline and len(fake.calls) < expected:
        if len(fake.calls) != seen:
            seen, idle_since = len(fake.calls), time.monotonic()
        elif time.monotonic() - idle_since > 30:  # nothing more is coming
            break
        await asyncio.sleep(0.2)
    by_key: dict[str, list[float]] = {}
    for call in fake.calls:
        if call.method in ("sendMessage", "Messages"):
            key = str(call.data.get("chat_id") or call.data.get("To"))
            by_key.setdefault(key, []).append(call.at)
    last = t0
    for key, starts in sent_at.items():
        arrivals = sorted(by_key.get(key, []))
        for j, start in enumerate(sorted(starts)):
            k = j * per_turn
            if k < len(arrivals):
                result.replies.append(arrivals[k] - start)
                last = max(last, arrivals[min(len(arrivals) - 1, k + per_turn - 1)])
    result.duration = last - t0
    result.rss = rss_mb(stack.procs["rasa"].pid)
    result.cpu_ms = (cpu_seconds(stack.procs["rasa"].pid) - cpu_before) * 1000 / len(schedule)
    result.gateway_cpu_ms = (
        (cpu_seconds(stack.procs["webhooks"].pid) - gw_before) * 1000 / len(schedule)
    )
    result.gateway_rss = rss_mb(stack.procs["webhooks"].pid)[0]
    if replay:
        await asyncio.sleep(1.0)
        result.replies = []  # a replay must produce no reply at all
        result.duplicates_replied = len(fake.calls)
    return result


async def run_rest(session, stack, citizens, messages, rate, max_seconds):
    result = Result("rest")
    schedule = [(c, m) for m in range(messages) for c in range(citizens)]
    t0 = time.monotonic()
    last = [t0]
    cpu_before = cpu_seconds(stack.procs["rasa"].pid)

    async def send(item, scheduled):
        c, _ = item
        started = scheduled
        try:
            async with session.post(
                f"{stack.url}/webhooks/rest/webhook",
                json={"sender": f"bench-rest-{c}", "message": "halo"},
                timeout=max_seconds,
            ) as response:
                await response.read()
                ok = response.status == 200
        except Exception:
            ok = False
        if not ok:
            result.errors += 1
            return
        elapsed = time.monotonic() - started
        result.acks.append(elapsed)  # REST answers only when the turn is done: ack == reply
        result.replies.append(elapsed)
        last[0] = max(last[0], time.monotonic())

    await offer(schedule, send, rate)
    result.sent = len(schedule)
    result.duration = last[0] - t0
    result.rss = rss_mb(stack.procs["rasa"].pid)
    result.cpu_ms = (cpu_seconds(stack.procs["rasa"].pid) - cpu_before) * 1000 / len(schedule)
    return result


async def measure(stack, telegram, twilio, args) -> list[Result]:
    import aiohttp

    # Like the providers: Telegram opens at most 100 connections per webhook (we ask for 40);
    # latency is measured from the scheduled send time, so waiting for a connection counts.
    connector = aiohttp.TCPConnector(limit=args.connections)
    timeout = aiohttp.ClientTimeout(total=args.max_seconds)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        # Warm-up, and how many outbound messages one "halo" turn produces per channel.
        warm = await run_webhook("telegram", session, stack, telegram, 2, 1, 10, 60, 1)
        sends = [c for c in telegram.calls if c.method == "sendMessage"]  # not getMe
        tg_per_turn = max(1, round(len(sends) / 2)) if warm.replies else 1
        await run_webhook("twilio", session, stack, twilio, 2, 1, 10, 60, 1)
        results = []
        for name, fake, per_turn in (("telegram", telegram, tg_per_turn), ("twilio", twilio, 1)):
            results.append(
                await run_webhook(
                    name,
                    session,
                    stack,
                    fake,
                    args.citizens,
                    args.messages,
                    args.rate,
                    args.max_seconds,
                    per_turn,
                )
            )
            await asyncio.sleep(2)
        # The same Telegram load delivered again: the webhook path alone (all duplicates).
        results.append(
            await run_webhook(
                "telegram",
                session,
                stack,
                telegram,
                args.citizens,
                args.messages,
                args.rate,
                30,
                0,
                replay=results[0].run_id,
            )
        )
        results.append(
            await run_rest(
                session, stack, args.citizens, args.messages, args.rate, args.max_seconds
            )
        )
    return results


def report(results: list[Result], args) -> str:
    rows = {r.name: r.row() for r in results}
    lines = [
        f"Offered load: {args.citizens} citizens x {args.messages} messages = "
        f"{args.citizens * args.messages} per target at {args.rate:.0f} messages/s (loopback)",
        "",
        f"{'target':10} {'sent':>5} {'err':>4} {'ack p50':>9} {'ack p99':>9} {'reply p50':>10} "
        f"{'reply p99':>10} {'replied':>8} {'turns/s':>8} {'RSS MB':>7} {'CPU/msg':>8} "
        f"{'gw CPU/msg':>10}",
    ]
    for name, r in rows.items():
        lines.append(
            f"{name:10} {r['sent']:5d} {r['errors']:4d} "
            f"{r['ack_p50_ms']:8.1f}ms {r['ack_p99_ms']:8.1f}ms "
            f"{r['reply_p50_ms']:9.0f}ms {r['reply_p99_ms']:9.0f}ms {r['replied']:8d} "
            f"{r['throughput_per_s']:8.1f} {r['rss_mb']:7.0f} "
            f"{r['server_cpu_ms_per_message']:6.2f}ms {r['gateway_cpu_ms_per_message']:8.2f}ms"
        )
    rest = rows.get("rest")
    if rest:
        lines.append("")
        lines.append(
            "Ratios to bare Rasa REST (lower is better for latency, higher for throughput):"
        )
        for name in ("telegram", "twilio"):
            r = rows.get(name)
            if not r:
                continue
            ratio = lambda a, b: (a / b) if b else float("nan")  # noqa: E731
            lines.append(
                f"  {name:9} ack p99 x{ratio(r['ack_p99_ms'], rest['ack_p99_ms']):.2g}  "
                f"reply p99 x{ratio(r['reply_p99_ms'], rest['reply_p99_ms']):.2f}  "
                f"throughput x{ratio(r['throughput_per_s'], rest['throughput_per_s']):.2f}"
            )
    replay = rows.get("telegram-redelivery")
    if replay:
        lines.append("")
        lines.append(
            f"Redelivered updates answered: {replay['replies_to_duplicates']} "
            f"(must be 0); webhook path alone: ack p50 {replay['ack_p50_ms']:.1f} ms, "
            f"p99 {replay['ack_p99_ms']:.1f} ms, {replay['gateway_cpu_ms_per_message']:.2f} ms "
            "gateway CPU per request"
        )
    lines.append(
        "RSS MB and CPU/msg: the Rasa server (turns); gw CPU/msg: the webhook gateway "
        f"(RSS {max(r.gateway_rss for r in results):.0f} MB)"
    )
    lines.append(
        f"Machine load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    target = max((rows[n]["ack_p99_ms"] for n in ("telegram", "twilio") if n in rows), default=0)
    lines.append("")
    lines.append(
        f"Webhook ack p99 target < 50 ms at {args.rate:.0f}/s: "
        f"{'MET' if target < 50 else 'NOT MET'} ({target:.1f} ms)"
    )
    return "\n".join(lines)


def start_loopback_stack(model_arg: str | None, prefix: str, extra_env: dict[str, str]):
    """A Layani stack as `make run` starts it, with both providers configured against local
    stand-ins that record every reply: (stack, fake Telegram, fake Twilio). Shared by
    `make bench` and `make fuzz`; `model_arg` None trains the model if stale."""
    sys.path.insert(0, str(ROOT / "tests"))
    from support.fakes_providers import FakeTelegram, FakeTwilio
    from support.stack import start_stack

    if model_arg:
        model = Path(model_arg)
    else:
        from tooling.train import train

        model = train(if_stale=True)
    telegram, twilio = FakeTelegram(TG_TOKEN).start(), FakeTwilio(TW_SID, TW_TOKEN).start()
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    env = {
        "TELEGRAM_BOT_TOKEN": TG_TOKEN,
        "TELEGRAM_SECRET_TOKEN": TG_SECRET,
        "TELEGRAM_API_BASE_URL": telegram.url,
        "TWILIO_ACCOUNT_SID": TW_SID,
        "TWILIO_AUTH_TOKEN": TW_TOKEN,
        "TWILIO_SMS_NUMBER": "+14155550100",
        "TWILIO_WHATSAPP_NUMBER": "+14155238886",
        "TWILIO_API_BASE_URL": twilio.url,
        "PUBLIC_BASE_URL": PUBLIC,
        "LOG_LEVEL": "WARNING",
        "LAYANI_DEAD_LETTER_FILE": str(workdir / "dead_letters.jsonl"),
        **extra_env,
    }
    print(f"Starting Layani with {model.name} (workdir {workdir})...", flush=True)
    try:
        stack = start_stack(model, workdir, extra_env=env, ready_timeout=900)
    except Exception:
        telegram.stop()
        twilio.stop()
        raise
    return stack, telegram, twilio


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Channel webhook benchmark (loopback)")
    parser.add_argument("--citizens", type=int, default=100)
    parser.add_argument("--messages", type=int, default=5, help="per citizen (<= rate limit)")
    parser.add_argument("--rate", type=float, default=200.0, help="offered messages per second")
    parser.add_argument("--connections", type=int, default=100, help="client connections")
    parser.add_argument("--max-seconds", type=float, default=240.0, help="bound per target")
    parser.add_argument("--model", help="model archive (default: train if stale)")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    stack, telegram, twilio = start_loopback_stack(
        args.model,
        "layani-bench-",
        {
            "LAYANI_RATE_LIMIT": f"{max(20, args.messages + 5)}/60",
            "LAYANI_REST_RATE_LIMIT": "0",  # all bench REST clients share one address
        },
    )
    try:
        results = asyncio.run(measure(stack, telegram, twilio, args))
    finally:
        stack.stop()
        telegram.stop()
        twilio.stop()
    text = report(results, args)
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps({r.name: r.row() for r in results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
