"""The transparency figures on real PostgreSQL (production profile) equal those on SQLite.

PostgreSQL computes the medians and within-target counts in SQL (percentile_cont, GROUPING
SETS), SQLite in Python: the same fake data in both must give the same published figures,
suppressed and exact, per agency and overall.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from storage import transparency as tr
from storage.db import dispose_engines, get_engine, upgrade_database
from tooling.transparency_seed import insert

pytestmark = pytest.mark.integration


def _fill(url: str, now: dt.datetime) -> None:
    upgrade_database(url)
    with get_engine(url).begin() as conn:
        conn.execute(sa.text("DELETE FROM ratings"))
        conn.execute(sa.text("DELETE FROM ticket_status_history"))
        conn.execute(sa.text("DELETE FROM tickets"))
        insert(conn, 1500, now)


def _same_ids(monkeypatch) -> None:
    import itertools

    counter = itertools.count()
    monkeypatch.setattr(
        "tooling.transparency_seed.new_ticket_id",
        lambda prefix: f"{prefix}-{next(counter):09d}"[:16],
    )


@pytest.mark.parametrize("suppress", [True, False])
def test_postgresql_and_sqlite_publish_the_same_figures(
    pg_database_url, tmp_path, monkeypatch, suppress
):
    now = dt.datetime(2026, 6, 30, 12, 0)
    monkeypatch.setattr(tr, "utcnow", lambda: now)
    sqlite_url = f"sqlite:///{tmp_path / 'same.db'}"
    _same_ids(monkeypatch)
    _fill(pg_database_url, now)
    _same_ids(monkeypatch)
    _fill(sqlite_url, now)
    period = tr.parse_period(None, None, None, now=now.date())
    try:
        pg = tr.publish(tr.collect(period, url=pg_database_url), suppress=suppress)
        lite = tr.publish(tr.collect(period, url=sqlite_url), suppress=suppress)
    finally:
        dispose_engines()
    pg.pop("generated_at")
    lite.pop("generated_at")
    assert pg["complaints"]["total"] not in (0, "<5")
    assert pg["complaints"]["median_days_to_resolve"] is not None
    assert pg == lite
