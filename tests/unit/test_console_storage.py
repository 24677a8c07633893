"""Console accounts and the handoff queue at the storage level (no web server)."""

from __future__ import annotations

import datetime as dt

import pytest

from storage import console as accounts
from storage import handoff as queue
from storage.db import dispose_engines, session_scope, upgrade_database

PASSWORD = "kata-sandi-rahasia-1"


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    path = tmp_path_factory.mktemp("console-storage") / "db.sqlite"
    upgrade_database(f"sqlite:///{path}")
    with session_scope(f"sqlite:///{path}") as s:
        accounts.create_agency(s, "dinas_pupr", "Dinas PUPR")
        accounts.create_user(s, "budi", PASSWORD, "officer", "dinas_pupr")
    yield f"sqlite:///{path}"
    dispose_engines()


def test_passwords_are_stored_as_argon2id_hashes_only(url):
    with session_scope(url) as s:
        user = accounts.find_user(s, "budi")
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


@pytest.mark.parametrize(
    "username, password, role, agency, message",
    [
        ("x", PASSWORD, "officer", "dinas_pupr", "username"),
        ("siti", "pendek", "officer", "dinas_pupr", "at least"),
        ("siti", PASSWORD, "superuser", None, "role"),
        ("siti", PASSWORD, "officer", None, "needs an agency"),
        ("siti", PASSWORD, "officer", "dinas_ghaib", "unknown agency"),
        ("budi", PASSWORD, "officer", "dinas_pupr", "already exists"),
    ],
)
def test_bad_accounts_are_refused_with_a_reason(url, username, password, role, agency, message):
    with pytest.raises(accounts.ConsoleError, match=message):
        with session_scope(url) as s:
            accounts.create_user(s, username, password, role, agency)


def test_lock_expires_after_fifteen_minutes(url):
    now = dt.datetime(2026, 11, 30, 3, 0)
    with session_scope(url) as s:
        for _ in range(accounts.MAX_FAILED_LOGINS):
            result = accounts.authenticate(s, "budi", "salah", now=now)
        assert result.locked_until == now + accounts.LOCKOUT
        assert (
            accounts.authenticate(s, "budi", PASSWORD, now=now + dt.timedelta(minutes=14)).staff
            is None
        )
        assert accounts.authenticate(s, "budi", PASSWORD, now=now + dt.timedelta(minutes=16)).staff


def test_sessions_expire_when_idle_and_store_only_a_digest(url):
    with session_scope(url) as s:
        staff = accounts.authenticate(s, "budi", PASSWORD).staff
        token = accounts.create_session(s, staff)
        assert s.get(accounts.StaffSession, token) is None  # the raw token is not a key
    start = accounts.utcnow()
    with session_scope(url) as s:
        assert accounts.load_session(s, token, now=start + dt.timedelta(minutes=29)).staff == staff
    with session_scope(url) as s:
        later = start + dt.timedelta(minutes=29) + accounts.SESSION_IDLE + dt.timedelta(seconds=1)
        assert accounts.load_session(s, token, now=later) is None
    with session_scope(url) as s:
        assert accounts.load_session(s, token) is None  # deleted, not just refused


def test_disabling_a_user_ends_their_sessions(url):
    with session_scope(url) as s:
        accounts.create_user(s, "tono", PASSWORD, "auditor")
        staff = accounts.authenticate(s, "tono", PASSWORD).staff
        token = accounts.create_session(s, staff)
        accounts.update_user(s, accounts.find_user(s, "tono"), active=False)
    with session_scope(url) as s:
        assert accounts.load_session(s, token) is None
        assert accounts.authenticate(s, "tono", PASSWORD).staff is None


def test_queue_order_urgent_first_then_oldest_per_agency(url):
    with session_scope(url) as s:
        a = queue.enqueue(s, "q-a", "telegram", "dinas_pupr", "request_human")
        b = queue.enqueue(s, "q-b", "sms", "dinas_pupr", "fallback")
        other = queue.enqueue(s, "q-other", "sms", "dukcapil", "request_human")
        urgent = queue.enqueue(s, "q-urgent", "whatsapp", "dinas_pupr", "sensitive", urgent=True)
        assert (a.position, b.position, other.position, urgent.position) == (1, 2, 1, 1)
        assert queue.queue_position(s, queue.get(s, a.handoff_id)) == 2
        assert [r.sender_id for r in queue.list_open(s, "dinas_pupr")] == ["q-urgent", "q-a", "q-b"]
        again = queue.enqueue(s, "q-b", "sms", "dinas_pupr", "request_human")
        assert (again.handoff_id, again.created) == (b.handoff_id, False)
        row = queue.get(s, a.handoff_id)
        queue.record_reply(s, row, "budi")
        assert (row.status, row.assigned_to) == ("active", "budi")
        assert (
            queue.queue_position(s, queue.get(s, b.handoff_id)) == 2
        )  # answered rows leave the line
        assert queue.close(s, row, "resolved", "budi") is True
        assert queue.close(s, row, "resolved", "budi") is False  # no second "resolved" message
        with pytest.raises(ValueError):
            queue.close(s, queue.get(s, b.handoff_id), "deleted", "budi")


def test_migrations_create_every_column_the_models_declare(url):
    import sqlalchemy as sa

    from storage.db import get_engine
    from storage.models import Base

    inspector = sa.inspect(get_engine(url))
    tables = (
        "console_agencies",
        "console_users",
        "console_sessions",
        "console_audit_log",
        "handoffs",
    )
    for table in tables:
        columns = {c["name"] for c in inspector.get_columns(table)}
        assert columns == set(Base.metadata.tables[table].columns.keys()), table


def test_bulk_positions_agree_with_one_by_one_positions(url):
    with session_scope(url) as s:
        for i in range(6):
            queue.enqueue(
                s, f"bulk-{i}", "sms", "dinas_pupr" if i % 2 else "dukcapil", "other", urgent=i == 4
            )
        rows = queue.list_open(s)
        assert queue.positions(rows) == {
            r.id: queue.queue_position(s, r) for r in rows if r.status == "waiting"
        }


def test_attempts_during_a_lock_count_but_do_not_extend_it_and_expiry_starts_over(url):
    now = dt.datetime(2026, 12, 1, 3, 0)
    with session_scope(url) as s:
        accounts.create_user(s, "sari", PASSWORD, "auditor")
    with session_scope(url) as s:
        for _ in range(accounts.MAX_FAILED_LOGINS + 2):
            accounts.authenticate(s, "sari", "salah", now=now)
        user = accounts.find_user(s, "sari")
        assert (user.failed_logins, user.locked_until) == (7, now + accounts.LOCKOUT)
        later = now + accounts.LOCKOUT + dt.timedelta(minutes=1)
        assert accounts.authenticate(s, "sari", "salah", now=later).locked_until is None
        user = accounts.find_user(s, "sari")
        assert (user.failed_logins, user.locked_until) == (1, None)  # a fresh count, no lock
        assert accounts.authenticate(s, "sari", PASSWORD, now=later).staff is not None
        assert accounts.find_user(s, "sari").failed_logins == 0


@pytest.mark.parametrize("seed", range(8))
def test_one_row_positions_agree_with_the_listed_queue_order_under_a_mixed_flood(url, seed):
    """Head start, anonymous urgency cap and the anonymous cap ahead, computed two ways."""
    import random

    rng = random.Random(seed)
    agency = f"acak{seed}"
    start = dt.datetime(2026, 12, 1, 1, 0)
    with session_scope(url) as s:
        for i in range(40):
            place = queue.enqueue(
                s,
                f"acak-{seed}-{i}",
                rng.choice(["rest", "socketio", "telegram", "sms", "whatsapp"]),
                agency,
                "sensitive",
                urgent=rng.random() < 0.4,
            )
            row = queue.get(s, place.handoff_id)
            row.created_at = start + dt.timedelta(minutes=rng.choice([0, 1, 5, 14, 15, 16, 30]))
            if rng.random() < 0.15:
                queue.record_reply(s, row, "budi")
        s.flush()
        rows = queue.list_open(s, agency)
        assert queue.positions(rows) == {
            r.id: queue.queue_position(s, r) for r in rows if r.status == "waiting"
        }
