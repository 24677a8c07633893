"""Ticket service: ids, idempotency, owner-only reads, transitions, SLA, console filters, schema."""

from __future__ import annotations

import datetime as dt
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from services import ticket_status
from storage import db, sla, tickets
from storage.ids import ALPHABET


@pytest.fixture()
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'layani.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("RASA_URL", "http://127.0.0.1:9")  # nothing listens: notifications fail
    db.upgrade_database(url)
    yield url
    db.dispose_engines()


def _complaint(**overrides):
    values = dict(
        kind="complaint",
        owner_key="rest:warga-1",
        sender_id="warga-1",
        category_or_service="jalan_rusak",
        description="Jalan depan SDN 3 berlubang besar",
        location="depan SDN 3 Cibeunying",
    )
    values.update(overrides)
    return tickets.create_ticket(**values)


def test_complaint_gets_random_adu_id_routed_agency_and_due_date(database):
    first, second = _complaint(), _complaint()
    pattern = re.compile(rf"^ADU-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}$")
    assert pattern.match(first.id) and pattern.match(second.id)
    assert first.id != second.id
    assert first.agency == "dinas_pupr"  # catalogue route of jalan_rusak
    assert first.status == "diterima" and first.created
    assert first.due_at is not None and first.due_at > first.created_at


def test_application_gets_pmh_id_and_needs_an_agency(database):
    view = _complaint(kind="application", category_or_service="skck", agency="polri")
    assert view.id.startswith("PMH-")
    with pytest.raises(tickets.InvalidTicket):
        _complaint(kind="application", category_or_service="skck")


def test_unknown_category_is_rejected(database):
    with pytest.raises(tickets.InvalidTicket):
        _complaint(category_or_service="tidak_ada")


def test_same_idempotency_key_creates_one_ticket(database):
    first = _complaint(idempotency_key="complaint:rest:warga-1:s1")
    again = _complaint(idempotency_key="complaint:rest:warga-1:s1", description="lain")
    assert again.id == first.id and not again.created
    assert again.description == first.description
    assert tickets.count_tickets() == 1


def test_concurrent_duplicates_create_one_ticket(database):
    barrier = threading.Barrier(6)

    def submit(_):
        barrier.wait()
        return _complaint(idempotency_key="double-tap").id

    with ThreadPoolExecutor(6) as pool:
        ids = set(pool.map(submit, range(6)))
    assert len(ids) == 1
    assert tickets.count_tickets() == 1


def test_only_owner_reads_and_stranger_gets_same_answer_as_missing(database):
    view = _complaint()
    assert tickets.get_for_owner(view.id.lower(), "rest:warga-1").id == view.id
    assert tickets.get_for_owner(view.id.replace("-", " "), "rest:warga-1").id == view.id
    assert tickets.get_for_owner(view.id, "rest:orang-lain") is None
    assert tickets.get_for_owner("ADU-0000-0000", "rest:warga-1") is None
    assert tickets.get_for_owner("bukan nomor", "rest:warga-1") is None


def test_list_for_owner_is_newest_first_and_only_own(database):
    ids = [_complaint(description=f"laporan nomor {i}").id for i in range(3)]
    _complaint(owner_key="rest:lain", sender_id="lain")
    mine = tickets.list_for_owner("rest:warga-1", limit=5)
    assert [t.id for t in mine] == list(reversed(ids))
    assert len(tickets.list_for_owner("rest:warga-1", limit=2)) == 2


def test_status_moves_forward_with_history_and_public_note(database):
    view = _complaint()
    tickets.change_status(view.id, "diverifikasi", "Sudah dicek petugas")
    tickets.change_status(view.id, "diproses", "")
    done = tickets.change_status(view.id, "selesai", "Lubang sudah ditambal")
    assert done.status == "selesai"
    assert [h.status for h in done.history if h.event == "status"] == [
        "diterima",
        "diverifikasi",
        "diproses",
        "selesai",
    ]
    assert done.last_note == "Lubang sudah ditambal"
    assert all(h.at for h in done.history)


@pytest.mark.parametrize(
    "path, bad",
    [
        ((), "diproses"),
        ((), "selesai"),
        (("diverifikasi",), "diterima"),
        (("ditolak",), "diverifikasi"),
        (("diverifikasi", "diproses", "selesai"), "ditolak"),
    ],
)
def test_invalid_transitions_are_refused(database, path, bad):
    view = _complaint()
    for status in path:
        tickets.change_status(view.id, status)
    with pytest.raises(tickets.InvalidTransition):
        tickets.change_status(view.id, bad)


def test_reject_from_any_open_status(database):
    for steps in ((), ("diverifikasi",), ("diverifikasi", "diproses")):
        view = _complaint()
        for status in steps:
            tickets.change_status(view.id, status)
        assert tickets.change_status(view.id, "ditolak", "Bukan wewenang").status == "ditolak"


def test_change_status_of_missing_ticket(database):
    with pytest.raises(tickets.TicketNotFound):
        tickets.change_status("ADU-0000-0000", "diverifikasi")


def test_failed_notification_is_recorded_not_raised(database):
    view = _complaint()
    changed = ticket_status.change_status(view.id, "diverifikasi", "Dicek")
    assert changed.status == "diverifikasi"
    assert changed.history[-1].event == "notify_failed"
    assert changed.last_note == "Dicek"


def test_sla_skips_weekends_and_holidays():
    friday = dt.date(2026, 11, 27)
    assert sla.add_working_days(friday, 1) == dt.date(2026, 11, 30)  # Monday
    assert sla.add_working_days(friday, 5) == dt.date(2026, 12, 4)
    # 2026-12-24/25: cuti bersama and Christmas in the SKB 3 Menteri calendar lokal-id ships.
    assert sla.add_working_days(dt.date(2026, 12, 23), 1) == dt.date(2026, 12, 28)
    # Years without a calendar still skip weekends.
    assert sla.add_working_days(dt.date(2030, 1, 4), 1) == dt.date(2030, 1, 7)


def test_sla_per_category_and_configurable(monkeypatch, tmp_path):
    assert sla.sla_days("jalan_rusak") == 5
    assert sla.sla_days("pohon_tumbang") == 2
    monkeypatch.setenv("LAYANI_SLA_DAYS", "7")
    assert sla.sla_days("jalan_rusak") == 7
    custom = tmp_path / "sla.yml"
    custom.write_text("categories:\n  jalan_rusak: 10\n")
    monkeypatch.setenv("LAYANI_SLA_FILE", str(custom))
    assert sla.sla_days("jalan_rusak") == 10
    assert sla.sla_days("pohon_tumbang") == 7


def test_due_at_is_end_of_working_day_in_wib():
    # Thursday 18:00 UTC is already Friday 01:00 in Jakarta: one working day later is Monday
    # (counting from the UTC date would give Friday).
    created = dt.datetime(2026, 11, 26, 18, 0)
    due = sla.due_at(created, 1)
    assert sla.local_date(due) == dt.date(2026, 11, 30)
    assert due == dt.datetime(2026, 11, 30, 16, 59)  # 23:59 WIB


def test_console_filters(database):
    a = _complaint()
    b = _complaint(
        category_or_service="sampah", description="Sampah numpuk di TPS", location="Pasar Kosambi"
    )
    tickets.change_status(b.id, "diverifikasi")
    assert {t.id for t in tickets.search_tickets(agency="dinas_pupr")} == {a.id}
    assert {t.id for t in tickets.search_tickets(status="diverifikasi")} == {b.id}
    assert {t.id for t in tickets.search_tickets(text="kosambi")} == {b.id}
    assert {t.id for t in tickets.search_tickets(ticket_id=a.id.lower())} == {a.id}
    assert {t.id for t in tickets.search_tickets(agencies=["dinas_lingkungan_hidup"])} == {b.id}
    assert tickets.count_tickets(kind="complaint") == 2
    assert tickets.count_tickets(kind="application") == 0


def test_migrations_match_the_models(database):
    """The Alembic schema has every column the models declare."""
    from storage.models import Base

    inspector = sa.inspect(db.get_engine(database))
    for table in ("tickets", "ticket_status_history"):
        columns = {c["name"] for c in inspector.get_columns(table)}
        assert columns == set(Base.metadata.tables[table].columns.keys())
    unique = inspector.get_unique_constraints("tickets") + [
        i for i in inspector.get_indexes("tickets") if i.get("unique")
    ]
    assert any(u["column_names"] == ["idempotency_key"] for u in unique)


def test_migrate_module_upgrades_database_url(tmp_path, monkeypatch):
    import subprocess
    import sys

    from layani.paths import ROOT

    url = f"sqlite:///{tmp_path / 'm.db'}"
    env = {"DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-m", "storage.migrate"], cwd=ROOT, env=env, check=True)
    engine = sa.create_engine(url)
    assert "tickets" in sa.inspect(engine).get_table_names()
    engine.dispose()
