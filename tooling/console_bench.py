"""`python -m tooling.console_bench`: how fast the console answers with a realistic backlog.

Seeds a throw-away SQLite database (default 500 open handoffs and 3,000 tickets across two
agencies), runs the real console app on a local port and prints latency percentiles for the
pages an officer polls or opens all day: the queue fragment (polled every 3 s by every open
queue tab), the ticket list, a ticket detail and a login (argon2 verification).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
import time
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

PASSWORD = "bench-password-123"


def seed(url: str, handoffs: int, tickets_count: int) -> str:
    from storage import console as accounts
    from storage import handoff as queue
    from storage import tickets
    from storage.db import session_scope, upgrade_database

    upgrade_database(url)
    with session_scope(url) as s:
        accounts.create_agency(s, "dinas_pupr", "Dinas PUPR")
        accounts.create_agency(s, "dukcapil", "Dukcapil")
        accounts.create_user(s, "bench", PASSWORD, "officer", "dinas_pupr")
        for i in range(handoffs):
            agency = "dinas_pupr" if i % 2 else "dukcapil"
            queue.enqueue(s, f"bench-{i}", "telegram", agency, "request_human", urgent=i % 50 == 0)
    first = ""
    for i in range(tickets_count):
        view = tickets.create_ticket(
            kind="complaint",
            owner_key=f"telegram:{i}",
            sender_id=str(i),
            category_or_service="jalan_rusak" if i % 2 else "adminduk",
            description=f"Laporan nomor {i}",
            channel="telegram",
            url=url,
        )
        if i % 2 and not first:
            first = view.id
    return first


async def measure(client: TestClient, path: str, rounds: int) -> list:
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = await client.get(path)
        await response.read()
        assert response.status == 200, (path, response.status)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def report(name: str, timings: list) -> None:
    ordered = sorted(timings)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    print(
        f"{name:<28} p50 {statistics.median(ordered):7.1f} ms"
        f"   p95 {p95:7.1f} ms   n={len(ordered)}"
    )


async def run(handoffs: int, tickets_count: int, rounds: int) -> None:
    from console.app import ConsoleConfig, create_app
    from storage.db import dispose_engines

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        started = time.perf_counter()
        ticket_id = seed(url, handoffs, tickets_count)
        print(
            f"seeded {handoffs} handoffs, {tickets_count} tickets"
            f" in {time.perf_counter() - started:.1f} s"
        )
        conf = ConsoleConfig(url, "http://127.0.0.1:9", "bench")
        async with TestClient(TestServer(create_app(conf))) as client:
            logins = []
            for _ in range(5):
                client.session.cookie_jar.clear()
                page = await client.get("/login")
                token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text()).group(1)
                start = time.perf_counter()
                response = await client.post(
                    "/login",
                    data={"username": "bench", "password": PASSWORD, "csrf_token": token},
                    allow_redirects=False,
                )
                logins.append((time.perf_counter() - start) * 1000)
                assert response.status == 303
            report("login (argon2id)", logins)
            report("queue fragment (poll)", await measure(client, "/handoffs/queue", rounds))
            report("ticket list (50 rows)", await measure(client, "/tickets", rounds))
            report(
                "ticket list, filtered",
                await measure(client, "/tickets?status=diterima&q=99", rounds),
            )
            report("ticket detail", await measure(client, f"/tickets/{ticket_id}", rounds))
        dispose_engines()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--handoffs", type=int, default=500)
    parser.add_argument("--tickets", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(run(args.handoffs, args.tickets, args.rounds))


if __name__ == "__main__":
    main()
