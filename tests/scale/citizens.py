"""Simulated citizens for the scale test: REST conversations through the load balancer.

Each citizen sends its messages one after the other and waits for each reply, as a person in a
chat does. A message whose replica dies under it (connection reset, nginx 502) or that is
refused for load (503) is sent again through the load balancer, with a short back-off.

"Lost" (what the test counts): a message for which the citizen never got a reply (HTTP 200
with at least one bot message) after every attempt. A retried message the first replica had
already processed before dying shows up twice in the conversation; that is counted as a
"repeated turn", reported, and allowed (the citizen did send it twice), while the complaint
it might have submitted twice must still be one ticket (idempotency key).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import httpx

from storage.ids import find_ticket_id

# The citizen mix of tooling/bench_bare.py (greeting, FAQ questions, menu, thanks).
CHATTER = [
    "halo",
    "syarat bikin skck apa aja?",
    "menu",
    "cara perpanjang sim gimana",
    "berapa biaya bikin paspor",
    "makasih ya",
    "selamat pagi min",
    "daftar bpjs kesehatan caranya gimana",
    "terima kasih banyak",
    "bisa bantu apa aja?",
    "syarat akta kelahiran",
]
# A complaint as tests/integration/test_complaint_flow.py drives it: answers keyed by the
# word of the question the form asks.
COMPLAINT_START = "mau lapor"
COMPLAINT_TEXT = "jalan depan SDN 3 Cibeunying bolong gede, udah 2 bulan"
COMPLAINT_ANSWERS = {
    "kategori": "ya",
    "lokasi": "depan SDN 3 Cibeunying, Kecamatan Cimenyan, Kabupaten Bandung",
    "foto": "lewati",
    "akun": "tanpa nama",
}
SUMMARY_MARK = "Mohon periksa laporan Anda"
RETRY_STATUSES = {500, 502, 503, 504}
MAX_ATTEMPTS = 10


@dataclass
class Turn:
    text: str
    replies: list[str] = field(default_factory=list)
    attempts: int = 0
    statuses: list[str] = field(default_factory=list)
    replicas: list[str] = field(default_factory=list)
    seconds: float = 0.0
    done_at: float = 0.0

    @property
    def lost(self) -> bool:
        return not self.replies


@dataclass
class Citizen:
    sender: str
    complains: bool
    turns: list[Turn] = field(default_factory=list)
    ticket_id: str | None = None
    complaint_error: str = ""


async def send(client: httpx.AsyncClient, url: str, token: str, sender: str, text: str) -> Turn:
    turn = Turn(text)
    started = time.monotonic()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        turn.attempts = attempt
        try:
            response = await client.post(
                f"{url}/webhooks/rest/webhook",
                json={"sender": sender, "message": text},
                headers={"Authorization": f"Bearer {token}"},
                timeout=180,
            )
            turn.statuses.append(str(response.status_code))
            turn.replicas.append(response.headers.get("x-layani-replica", ""))
            if response.status_code == 200:
                turn.replies = [m.get("text") or "" for m in response.json()]
                if turn.replies:
                    break
            elif response.status_code not in RETRY_STATUSES:
                break  # a 4xx is the client's fault: sending it again would not help
        except httpx.TransportError as exc:
            turn.statuses.append(type(exc).__name__)
        await asyncio.sleep(min(8.0, 0.5 * 2 ** (attempt - 1)))
    turn.seconds = time.monotonic() - started
    turn.done_at = time.monotonic()
    return turn


async def converse(
    client: httpx.AsyncClient,
    url: str,
    token: str,
    citizen: Citizen,
    messages: int,
    on_turn,
) -> None:
    """`messages` turns; a complaining citizen files one complaint among its chatter."""

    async def say(text: str) -> str:
        turn = await send(client, url, token, citizen.sender, text)
        citizen.turns.append(turn)
        on_turn(turn)
        return "\n".join(turn.replies)

    i = 0
    if citizen.complains:
        await say(CHATTER[0])
        reply = await say(COMPLAINT_START)
        reply = await say(COMPLAINT_TEXT)
        answers = dict(COMPLAINT_ANSWERS)
        while SUMMARY_MARK not in reply and len(citizen.turns) < messages - 2:
            key = next((k for k in answers if k in reply.lower()), None)
            if key is None:
                citizen.complaint_error = f"unexpected question: {reply[:200]!r}"
                break
            reply = await say(answers.pop(key))
        if SUMMARY_MARK in reply:
            reply = await say("kirim")
            citizen.ticket_id = find_ticket_id(reply)
            if not citizen.ticket_id:
                citizen.complaint_error = f"no ticket id in {reply[:200]!r}"
    while len(citizen.turns) < messages:
        await say(CHATTER[(i + len(citizen.sender)) % len(CHATTER)])
        i += 1


async def drive(
    url: str,
    token: str,
    citizens: list[Citizen],
    messages: int,
    concurrency: int,
    on_turn=lambda turn: None,
) -> float:
    """Run every citizen, `concurrency` at a time; return the wall time in seconds."""
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(limits=limits) as client:

        async def one(citizen: Citizen) -> None:
            async with gate:
                await converse(client, url, token, citizen, messages, on_turn)

        started = time.monotonic()
        await asyncio.gather(*(one(c) for c in citizens))
        return time.monotonic() - started
