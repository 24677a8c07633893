"""Fake complaints, applications, status histories and ratings for the transparency page.

Used by `layani demo seed` (a few hundred rows in an embedded install, so a newcomer sees a
populated page) and by the benchmark (`python -m tooling.transparency_bench`, 100,000 tickets in
PostgreSQL). Rows are inserted in bulk with Core `executemany`, not through `create_ticket`:
one transaction per status change would take minutes at benchmark scale.

Every row is clearly fake: the description starts with DEMO_MARK, `data` holds {"demo": true},
the owner key and sender are `demo:<n>`, and no name, phone number or location is written.
`remove` deletes exactly these rows again.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

import sqlalchemy as sa

from layani.catalogue import load_catalogue
from storage.ids import new_ticket_id

DEMO_MARK = "[DEMO]"
DEMO_OWNER_PREFIX = "demo:"
SERVICES = (
    ("ktp_el", "dukcapil"),
    ("kartu_keluarga", "dukcapil"),
    ("akta_kelahiran", "dukcapil"),
    ("akta_kematian", "dukcapil"),
    ("pindah_datang", "dukcapil"),
)
SCORE_WEIGHTS = (0.07, 0.08, 0.2, 0.35, 0.3)


def complaint_routes() -> list[tuple[str, str]]:
    """(category, agency) of every complaint category in the catalogue."""
    cats = load_catalogue().complaint_categories
    return sorted((c, str(info["route"])) for c, info in cats.items() if info.get("route"))


def generate(
    n: int, now: dt.datetime, weeks: int = 12, seed: int = 14
) -> Iterator[tuple[dict, list[dict], dict | None]]:
    """(ticket, its status history rows, its rating or None) for `n` fake tickets."""
    rng = random.Random(seed)
    routes = complaint_routes()
    span = weeks * 7 * 86400
    for i in range(n):
        created = now - dt.timedelta(seconds=rng.randrange(span))
        complaint = rng.random() < 0.8
        if complaint:
            category, agency = rng.choice(routes)
        else:
            category, agency = rng.choice(SERVICES)
        tid = new_ticket_id("ADU" if complaint else "PMH")
        sla_days = rng.choice((2, 3, 5, 7, 14))
        due = created + dt.timedelta(days=sla_days)
        history = [_history(tid, "diterima", created)]
        status, at = "diterima", created
        for step in ("diverifikasi", "diproses", "selesai"):
            at = at + dt.timedelta(hours=rng.expovariate(1 / (24 * sla_days / 3)))
            if at >= now or rng.random() < 0.12:
                break
            if step == "diverifikasi" and rng.random() < 0.06:
                status = "ditolak"
                history.append(_history(tid, status, at))
                break
            status = step
            history.append(_history(tid, status, at))
        ticket = {
            "id": tid,
            "kind": "complaint" if complaint else "application",
            "owner_key": f"{DEMO_OWNER_PREFIX}{i}",
            "channel": "rest",
            "sender_id": f"{DEMO_OWNER_PREFIX}{i}",
            "agency": agency,
            "category_or_service": category,
            "description": f"{DEMO_MARK} Data contoh, bukan laporan warga.",
            "anonymous": False,
            "data": {"demo": True},
            "status": status,
            "due_at": due,
            "created_at": created,
            "updated_at": history[-1]["at"],
        }
        rating = None
        if complaint and status in ("selesai", "ditolak") and rng.random() < 0.6:
            rated_at = min(now, history[-1]["at"] + dt.timedelta(hours=rng.uniform(0.1, 48)))
            rating = {
                "subject_kind": "ticket",
                "subject_ref": tid,
                "agency": agency,
                "score": rng.choices((1, 2, 3, 4, 5), SCORE_WEIGHTS)[0],
                "comment": None,
                "channel": "rest",
                "created_at": rated_at,
                "updated_at": rated_at,
            }
        yield ticket, history, rating


def _history(ticket_id: str, status: str, at: dt.datetime) -> dict:
    return {
        "ticket_id": ticket_id,
        "event": "status",
        "status": status,
        "note": None,
        "actor": "demo",
        "at": at,
    }


def insert(conn: sa.engine.Connection, n: int, now: dt.datetime, batch: int = 5000) -> int:
    """Insert `n` fake tickets with histories and ratings; returns the number of ratings."""
    from storage.models import Ticket, TicketStatusHistory
    from storage.ratings import Rating

    tickets, history, ratings = [], [], []
    rated = 0

    def flush() -> None:
        if tickets:
            conn.execute(sa.insert(Ticket.__table__), tickets)
        if history:
            conn.execute(sa.insert(TicketStatusHistory.__table__), history)
        if ratings:
            conn.execute(sa.insert(Rating.__table__), ratings)
        tickets.clear()
        history.clear()
        ratings.clear()

    for ticket, rows, rating in generate(n, now):
        tickets.append(ticket)
        history.extend(rows)
        if rating:
            ratings.append(rating)
            rated += 1
        if len(tickets) >= batch:
            flush()
    flush()
    return rated


def remove(conn: sa.engine.Connection) -> int:
    """Delete every fake ticket with its history and rating; returns the number of tickets."""
    demo = "SELECT id FROM tickets WHERE owner_key LIKE :owner"
    params = {"owner": DEMO_OWNER_PREFIX + "%"}
    conn.execute(
        sa.text(f"DELETE FROM ratings WHERE subject_kind = 'ticket' AND subject_ref IN ({demo})"),
        params,
    )
    conn.execute(sa.text(f"DELETE FROM ticket_status_history WHERE ticket_id IN ({demo})"), params)
    result = conn.execute(sa.text("DELETE FROM tickets WHERE owner_key LIKE :owner"), params)
    return int(result.rowcount or 0)
