"""`make bench-bare`: Layani against the bot `rasa init` makes, side by side in one run.

Why: a Rasa turn has a floor (the framework's own NLU, policies and tracker work). The bare
`rasa init` bot on the same Rasa is that floor; Layani's figures mean something only as a ratio
to it, measured on the same machine in the same run (absolute times on a shared 2-core machine
move from run to run).

What it does, on loopback only:
1. Trains the bare bot with `rasa init --no-prompt` in a temporary folder (or reuses
   `--bare-dir`), and uses Layani's current model (training it if stale, or `--model`).
2. Starts both with their REST channel (Layani: action server, Rasa server, gateway and
   console as `make run` starts them; bare: `rasa run`) and loads them in turn, round after
   round (`--rounds`), so the idle one costs nothing while the other is measured and both see
   the same machine; the spread over rounds is printed.
3. Drives both with the same generator and the same citizen message mix (greetings, FAQ
   questions, menu, thanks, goodbye):
   - one citizen, one message after the other: reply p50/p99;
   - N concurrent citizens (closed loop): throughput (replies per second);
   - offered load at 40 % of the measured saturation (open loop): reply p50/p99;
   - one long conversation: p50 of messages 1-30 against the last 30;
   - RSS of every process of the bot after load (sum).
4. Prints both columns and the ratios; `--json` writes them.

Usage: make bench-bare, or
  python -m tooling.bench_bare [--rounds 3] [--citizens 20] [--messages 400] [--long 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from layani.paths import ROOT
from tooling.bench import percentile

# The citizen mix: what citizens send most (docs/performance.md). Both bots get exactly these.
MESSAGE_MIX = [
    "halo",
    "syarat bikin skck apa aja?",
    "menu",
    "cara perpanjang sim gimana",
    "berapa biaya bikin paspor",
    "makasih ya",
    "selamat pagi min",
    "ktp saya hilang, gimana ngurusnya",
    "daftar bpjs kesehatan caranya gimana",
    "terima kasih banyak",
    "bisa bantu apa aja?",
    "syarat akta kelahiran",
    "dadah",
]


# Marks the tokenisers of both bots drop (no letter or digit): a message plus a different run of
# them is a different text with the same words. `--distinct` uses them so that no text repeats
# and Layani's NLU parse cache (layani/parse_cache.py) never answers from memory.
_MARKS = (".", ",", ";")
_distinct_count = 0


def as_sent(text: str, distinct: bool) -> str:
    """`text`, or with `distinct` a never-repeated variant of it (same words, same NLU input)."""
    global _distinct_count
    if not distinct:
        return text
    _distinct_count += 1
    number, marks = _distinct_count, []
    while number:
        number, digit = divmod(number, len(_MARKS))
        marks.append(_MARKS[digit])
    return f"{text} {' '.join(marks)}"


def rss_mb(pid: int) -> float:
    """RSS of one process in MB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def tree_pids(pid: int) -> list[int]:
    """`pid` and all its descendants (a launcher's children count towards its memory)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Target:
    """One running bot: where to post, how to authenticate, which processes it holds."""

    name: str
    url: str
    headers: dict[str, str]
    pids: dict[str, int]
    empty_replies: int = 0
    distinct: bool = False
    seen: set = field(default_factory=set)  # texts sent so far
    repeats: int = 0  # messages whose exact text was sent before (parse-cache hits, Layani)
    sent: int = 0
    stop: object = None
    figures: dict[str, float] = field(default_factory=dict)

    def cpu(self) -> dict[str, float]:
        """CPU seconds used so far by each process of the bot (with its children)."""
        return {
            name: sum(cpu_seconds(p) for p in tree_pids(pid)) for name, pid in self.pids.items()
        }

    def rss(self) -> dict[str, float]:
        return {name: sum(rss_mb(p) for p in tree_pids(pid)) for name, pid in self.pids.items()}


async def send(session, target: Target, sender: str, text: str) -> float:
    """One REST turn; the reply is the HTTP response. Returns seconds; raises on failure."""
    text = as_sent(text, target.distinct)
    target.sent += 1
    target.repeats += text in target.seen
    target.seen.add(text)
    started = time.monotonic()
    async with session.post(
        f"{target.url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        headers=target.headers,
        timeout=aiohttp.ClientTimeout(total=120),
    ) as response:
        body = await response.read()
        if response.status != 200:
            raise RuntimeError(f"{target.name}: HTTP {response.status}: {body[:200]!r}")
        if not json.loads(body):
            target.empty_replies += 1
    return time.monotonic() - started


async def one_citizen(session, target: Target, count: int, run: str) -> list[float]:
    times = []
    for i in range(count):
        # A new conversation every full round of the mix, like a citizen coming back later.
        sender = f"{run}-solo-{i // len(MESSAGE_MIX)}"
        times.append(await send(session, target, sender, MESSAGE_MIX[i % len(MESSAGE_MIX)]))
    return times


async def concurrent(session, target: Target, citizens: int, total: int, run: str):
    """Closed loop: each citizen sends its next message when it got the reply to the last."""
    per_citizen = max(1, total // citizens)
    times: list[float] = []

    async def citizen(c: int) -> None:
        for i in range(per_citizen):
            sender = f"{run}-c{c}-{i // len(MESSAGE_MIX)}"
            text = MESSAGE_MIX[(i + c) % len(MESSAGE_MIX)]
            times.append(await send(session, target, sender, text))

    started = time.monotonic()
    await asyncio.gather(*(citizen(c) for c in range(citizens)))
    return times, len(times) / (time.monotonic() - started)


async def open_loop(session, target: Target, rate: float, seconds: float, run: str):
    """Messages start at a fixed rate whatever the bot does; returns reply times."""
    count = max(10, int(rate * seconds))
    times: list[float] = []
    t0 = time.monotonic()

    async def one(i: int) -> None:
        times.append(
            await send(session, target, f"{run}-o{i % 50}-{i // 500}", MESSAGE_MIX[i % 13])
        )

    tasks = []
    for i in range(count):
        delay = t0 + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(one(i)))
    await asyncio.gather(*tasks)
    return times


async def long_conversation(session, target: Target, length: int, run: str):
    times = []
    for i in range(length):
        times.append(await send(session, target, f"{run}-long", MESSAGE_MIX[i % len(MESSAGE_MIX)]))
    return times


async def measure(target: Target, args, saturation: float | None) -> dict[str, float]:
    run = f"b{secrets.token_hex(3)}"
    connector = aiohttp.TCPConnector(limit=args.citizens * 2)
    async with aiohttp.ClientSession(connector=connector) as session:
        await one_citizen(session, target, 10, run + "w")  # warm-up (first-turn compilation)
        solo = await one_citizen(session, target, args.solo, run)
        cpu_before = target.cpu()
        times, throughput = await concurrent(session, target, args.citizens, args.messages, run)
        cpu_used = {name: used - cpu_before.get(name, 0.0) for name, used in target.cpu().items()}
        figures = {
            "solo_p50_ms": percentile(solo, 50) * 1000,
            "solo_p99_ms": percentile(solo, 99) * 1000,
            "throughput_per_s": throughput,
            "concurrent_p50_ms": percentile(times, 50) * 1000,
            # CPU the bot's processes spent per reply: the work of a turn, whatever share of
            # the shared machine the bot got while it was measured.
            "cpu_ms_per_reply": 1000 * sum(cpu_used.values()) / len(times),
            **{
                f"cpu_{name}_ms_per_reply": 1000 * used / len(times)
                for name, used in cpu_used.items()
            },
        }
        rate = 0.4 * (saturation or throughput)
        paced = await open_loop(session, target, rate, args.paced_seconds, run)
        figures.update(
            {
                "paced_rate_per_s": rate,
                "paced_p50_ms": percentile(paced, 50) * 1000,
                "paced_p99_ms": percentile(paced, 99) * 1000,
            }
        )
        if args.long:
            long = await long_conversation(session, target, args.long, run)
            head, tail = long[:30], long[-30:]
            figures["long_first30_p50_ms"] = percentile(head, 50) * 1000
            figures["long_last30_p50_ms"] = percentile(tail, 50) * 1000
            at10 = long[5:15]
            figures["long_at10_p50_ms"] = percentile(at10, 50) * 1000
            figures["long_at300_p50_ms"] = percentile(long[-10:], 50) * 1000
    figures["empty_replies"] = target.empty_replies
    # Every mix text is short and digit-free, and the mix fits the cache: a repeated text is a
    # hit of Layani's parse cache when it is on (layani/parse_cache.py).
    figures["repeated_text_share"] = target.repeats / max(1, target.sent)
    rss = target.rss()
    figures.update({f"rss_{name}_mb": value for name, value in rss.items()})
    figures["rss_total_mb"] = sum(rss.values())
    return figures


def wait_ready(url: str, proc: subprocess.Popen, timeout: float) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}) before it was ready")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError(f"{url} not ready after {timeout:.0f} s")


def bare_bot(bare_dir: Path | None) -> tuple[Path, Path]:
    """(project folder, model) of the `rasa init` bot; trained here unless given."""
    if bare_dir and list((bare_dir / "models").glob("*.tar.gz")):
        return bare_dir, sorted((bare_dir / "models").glob("*.tar.gz"))[-1]
    folder = bare_dir or Path(tempfile.mkdtemp(prefix="layani-bare-"))
    folder.mkdir(parents=True, exist_ok=True)
    rasa = Path(sys.executable).with_name("rasa")
    print(f"Training the `rasa init` bot in {folder} ...", flush=True)
    started = time.monotonic()
    subprocess.run(
        [str(rasa), "init", "--no-prompt", "--init-dir", str(folder)],
        cwd=folder,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    print(f"  trained in {time.monotonic() - started:.0f} s", flush=True)
    return folder, sorted((folder / "models").glob("*.tar.gz"))[-1]


def start_bare(folder: Path, model: Path, port: int) -> Target:
    rasa = Path(sys.executable).with_name("rasa")
    log = open(folder / "bench-rasa.log", "w")
    proc = subprocess.Popen(
        [str(rasa), "run", "-m", str(model), "-p", str(port), "-i", "127.0.0.1"],
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    wait_ready(url + "/", proc, 600)

    def stop() -> None:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)

    return Target("bare rasa init", url, {}, {"rasa": proc.pid}, stop=stop)


def start_layani(model: Path, port_base: int, parse_cache: int | None = None) -> Target:
    from support.stack import start_stack

    workdir = Path(tempfile.mkdtemp(prefix="layani-bench-bare-"))
    token = secrets.token_urlsafe(16)
    env = {
        "LAYANI_REST_ENABLED": "1",
        "LAYANI_REST_TOKEN": token,
        "LAYANI_REST_RATE_LIMIT": "0",  # every bench citizen shares one address
        "LAYANI_RATE_LIMIT": "1000/60",  # the long conversation sends 300 messages in minutes
        "LOG_LEVEL": "WARNING",
        # Fixed ports from --port-base (shared machines hand each user a range).
        "RASA_PORT": str(port_base),
        "ACTION_PORT": str(port_base + 1),
        "WEBHOOK_PORT": str(port_base + 2),
        "CONSOLE_PORT": str(port_base + 3),
    }
    if parse_cache is not None:  # Layani's default otherwise (layani/parse_cache.py)
        env["LAYANI_PARSE_CACHE_SIZE"] = str(parse_cache)
    stack = start_stack(model, workdir, extra_env=env, ready_timeout=900)
    from layani.run import commands as launcher_commands

    console_cmd = launcher_commands("embedded", stack.env, model).get("console")
    console = None
    if console_cmd:
        log = open(workdir / "console.log", "w")
        console = subprocess.Popen(
            console_cmd, env=stack.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )
        wait_ready(f"http://127.0.0.1:{stack.env['CONSOLE_PORT']}/login", console, 120)
    pids = {name: proc.pid for name, proc in stack.procs.items()}
    if console:
        pids["console"] = console.pid

    def stop() -> None:
        if console:
            console.terminate()
            console.wait(30)
        stack.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    return Target("Layani", stack.url, {"Authorization": f"Bearer {token}"}, pids, stop=stop)


ROWS = [
    ("solo_p50_ms", "one citizen, reply p50 (ms)", "lower"),
    ("solo_p99_ms", "one citizen, reply p99 (ms)", "lower"),
    ("throughput_per_s", "N concurrent citizens, replies/s", "higher"),
    ("concurrent_p50_ms", "N concurrent citizens, reply p50 (ms)", "lower"),
    ("cpu_ms_per_reply", "  CPU per reply, all processes of the bot (ms)", "lower"),
    ("cpu_rasa_ms_per_reply", "  CPU per reply, Rasa server (ms)", "lower"),
    ("paced_rate_per_s", "offered at 40 % of Layani's saturation (msg/s)", ""),
    ("paced_p50_ms", "  reply p50 at that load (ms)", "lower"),
    ("paced_p99_ms", "  reply p99 at that load (ms)", "lower"),
    ("long_at10_p50_ms", "one conversation, p50 messages 6-15 (ms)", "lower"),
    ("long_at300_p50_ms", "one conversation, p50 last 10 (ms)", "lower"),
    ("long_first30_p50_ms", "one conversation, p50 first 30 (ms)", "lower"),
    ("long_last30_p50_ms", "one conversation, p50 last 30 (ms)", "lower"),
    ("rss_total_mb", "RSS after load, all processes (MB)", "lower"),
]


def report(bare: dict, layani: dict, args) -> str:
    lines = [
        f"Layani vs the `rasa init` bot, REST, same Rasa, same machine, one run "
        f"({args.citizens} concurrent citizens, {args.messages} messages; long conversation "
        f"{args.long} messages)",
        "",
        "| figure | bare rasa init | Layani | Layani / bare |",
        "|---|---|---|---|",
    ]
    for key, label, _ in ROWS:
        if key not in bare and key not in layani:
            continue
        b, lay = bare.get(key, float("nan")), layani.get(key, float("nan"))
        ratio = lay / b if b else float("nan")
        lines.append(f"| {label} | {b:.1f} | {lay:.1f} | {ratio:.2f}x |")
    for key in sorted(k for k in layani if k.startswith("rss_") and k != "rss_total_mb"):
        lines.append(f"| {key} | {bare.get(key, float('nan')):.0f} | {layani[key]:.0f} | |")
    growth = lambda f: f.get("long_at300_p50_ms", 0) / f.get("long_at10_p50_ms", 1)  # noqa: E731
    ratio = layani["throughput_per_s"] / bare["throughput_per_s"]
    lines += ["", f"Throughput ratio Layani/bare: {ratio:.2f}x (target >= 1.5x)"]
    if "long_at300_p50_ms" in layani:  # --long 0 skips the long conversation
        lines.append(
            "Conversation-length growth (p50 at the last messages / at message 10): "
            f"bare {growth(bare):.2f}x, Layani {growth(layani):.2f}x (target <= 1.5x)"
        )
    lines.append(f"Layani RSS, all processes: {layani['rss_total_mb']:.0f} MB (target <= 1500 MB)")
    lines.append(
        f"Messages whose exact text was sent before: {100 * layani['repeated_text_share']:.1f} % "
        f"({'--distinct' if args.distinct else 'citizen mix'}; the parse cache's hit rate when "
        f"it is on, parse cache size {'default' if args.parse_cache is None else args.parse_cache})"
    )
    return "\n".join(lines)


def median(values: list[float]) -> float:
    return percentile(values, 50)


def combine(rounds: list[dict[str, float]]) -> dict[str, float]:
    """The median of each figure over the rounds."""
    return {key: median([r[key] for r in rounds if key in r]) for key in rounds[0]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Layani against the `rasa init` bot")
    parser.add_argument("--rounds", type=int, default=3, help="Layani, then bare, this often")
    parser.add_argument("--citizens", type=int, default=20)
    parser.add_argument("--messages", type=int, default=400, help="concurrent phase, in all")
    parser.add_argument("--solo", type=int, default=60, help="one-citizen messages")
    parser.add_argument("--paced-seconds", type=float, default=20.0)
    parser.add_argument("--long", type=int, default=300, help="0 skips the long conversation")
    parser.add_argument("--model", help="Layani model (default: train if stale)")
    parser.add_argument("--bare-dir", type=Path, help="reuse a trained `rasa init` folder")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    parser.add_argument(
        "--port-base", type=int, default=7600, help="Layani uses 4 ports from here, bare the 5th"
    )
    parser.add_argument(
        "--parse-cache",
        type=int,
        help="Layani's NLU parse cache size (0: off, every message parsed as if all were new)",
    )
    parser.add_argument(
        "--distinct",
        action="store_true",
        help="no text sent twice: each message gets its own run of punctuation marks (same words)",
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "tests"))

    if args.model:
        model = Path(args.model)
    else:
        from tooling.train import train

        model = train(if_stale=True)
    folder, bare_model = bare_bot(args.bare_dir)

    print(f"Starting Layani ({model.name}) and the bare bot ...", flush=True)
    layani_target = start_layani(model, args.port_base, args.parse_cache)
    bare_target = None
    rounds: dict[str, list[dict[str, float]]] = {"layani": [], "bare": []}
    try:
        bare_target = start_bare(folder, bare_model, args.port_base + 4)
        layani_target.distinct = bare_target.distinct = args.distinct
        for number in range(1, args.rounds + 1):
            print(f"Round {number}/{args.rounds}: Layani ...", flush=True)
            layani = asyncio.run(measure(layani_target, args, None))
            rounds["layani"].append(layani)
            print(f"Round {number}/{args.rounds}: bare bot ...", flush=True)
            bare = asyncio.run(measure(bare_target, args, layani["throughput_per_s"]))
            rounds["bare"].append(bare)
            ratio = layani["throughput_per_s"] / bare["throughput_per_s"]
            print(
                f"  throughput Layani {layani['throughput_per_s']:.1f}/s, "
                f"bare {bare['throughput_per_s']:.1f}/s, ratio {ratio:.2f}x",
                flush=True,
            )
    finally:
        layani_target.stop()
        if bare_target:
            bare_target.stop()
    ratios = [
        lay["throughput_per_s"] / bare["throughput_per_s"]
        for lay, bare in zip(rounds["layani"], rounds["bare"], strict=True)
    ]
    print()
    print(report(combine(rounds["bare"]), combine(rounds["layani"]), args))
    print(
        f"Throughput ratio per round: {', '.join(f'{r:.2f}x' for r in ratios)} "
        f"(median of {len(ratios)} rounds shown above)"
    )
    if args.json:
        Path(args.json).write_text(json.dumps({**rounds, "ratios": ratios}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
