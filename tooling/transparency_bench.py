"""Benchmark of the transparency page on PostgreSQL: `python -m tooling.transparency_bench`.

Not a timed test (timings on a shared 2-core machine say little about pass/fail): it creates a
scratch database on the local server (default base URL postgresql://127.0.0.1:5432/test, trust
auth), migrates it with Alembic (so the 0301 indexes are what is measured), fills it with
100,000 fake tickets with status histories and ratings (`tooling.transparency_seed`), then
requests `/transparansi` and `/transparansi.json` through the real console app over HTTP:

- cold: the figures cache disabled, every request runs the aggregate queries;
- warm: the normal cache (CACHE_SECONDS), what visitors mostly get.

It prints p50/p95/max per case and drops the scratch database afterwards. Target: p95 under
300 ms cold on PostgreSQL (docs/transparency.md has the figures measured here).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

import sqlalchemy as sa


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def _measure(url: str, path: str, n: int) -> list[float]:
    from aiohttp.test_utils import TestClient, TestServer

    from console.app import ConsoleConfig, create_app
    from console.views_public import RATE_KEY

    app = create_app(ConsoleConfig(url, "http://127.0.0.1:9", "bench", "bench"))
    app[RATE_KEY].limit = 0  # the per-address limit would stop a benchmark from one address
    times = []
    async with TestClient(TestServer(app)) as client:
        for _ in range(n):
            start = time.perf_counter()
            response = await client.get(path)
            await response.read()
            assert response.status == 200, response.status
            times.append((time.perf_counter() - start) * 1000)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="postgresql://127.0.0.1:5432/test")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--cold", type=int, default=40, help="requests per case, cache off")
    parser.add_argument("--warm", type=int, default=200, help="requests per case, cache on")
    parser.add_argument("--keep", action="store_true", help="do not drop the scratch database")
    args = parser.parse_args(argv)

    from cryptography.fernet import Fernet

    from storage import transparency
    from storage.db import dispose_engines, get_engine, upgrade_database
    from storage.models import utcnow
    from tooling.transparency_seed import insert

    name = f"layani_tp_bench_{os.getpid()}"
    admin = sa.create_engine(args.base_url, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = str(sa.engine.make_url(args.base_url).set(database=name))
    os.environ.setdefault("LAYANI_PII_KEY", Fernet.generate_key().decode())
    try:
        upgrade_database(url)
        start = time.perf_counter()
        with get_engine(url).begin() as conn:
            rated = insert(conn, args.tickets, utcnow())
        with get_engine(url).connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
        with get_engine(url).connect() as conn:
            history = conn.execute(sa.text("SELECT COUNT(*) FROM ticket_status_history")).scalar()
        print(
            f"Filled {args.tickets} tickets, {history} status rows, {rated} ratings "
            f"in {time.perf_counter() - start:.1f} s (database {name})"
        )
        results = []
        for label, max_age, n in (("cold", 0.0, args.cold), ("warm", 30.0, args.warm)):
            transparency.CACHE_SECONDS = max_age
            transparency.clear_cache()
            for path in ("/transparansi", "/transparansi.json"):
                times = asyncio.run(_measure(url, path, n))
                results.append((label, path, times))
        print(f"{'case':<6} {'path':<20} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for label, path, times in results:
            print(
                f"{label:<6} {path:<20} {len(times):>4} {statistics.median(times):>8.1f} "
                f"{_percentile(times, 0.95):>8.1f} {max(times):>8.1f}"
            )
    finally:
        dispose_engines()
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
