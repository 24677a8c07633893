"""Restricted personal data: encryption, role-based reading, retention, keys, migration."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from storage import personal_data
from storage.applications import application_data, submit_application

NIK = "3273010101900001"
PHONE = "+6281234567890"


@pytest.fixture()
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'layani.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("LAYANI_PII_KEY", Fernet.generate_key().decode())
    from storage.db import upgrade_database

    upgrade_database(url)
    return url


def _submit(draft: str = "d1", agency: str = "kelurahan"):
    return submit_application(
        service="domisili",
        agency=agency,
        owner_key="rest:warga",
        sender_id="warga",
        channel="rest",
        draft_id=draft,
        data={"service": "domisili", "applicant_name": "Budi Santoso"},
        personal={"applicant_nik": NIK, "applicant_phone": PHONE},
    )


class Staff:
    def __init__(self, role: str, agency_id: str | None = None):
        self.role, self.agency_id = role, agency_id


def test_same_draft_submitted_twice_is_one_ticket(database):
    first, second = _submit(), _submit()
    assert first.id == second.id and first.created and not second.created
    with sa.create_engine(database).connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM tickets")).scalar() == 1
        assert conn.execute(sa.text("SELECT count(*) FROM ticket_personal_data")).scalar() == 2


def test_identity_numbers_never_go_into_public_data(database):
    with pytest.raises(personal_data.PersonalDataError):
        submit_application(
            service="domisili",
            agency="kelurahan",
            owner_key="rest:w",
            sender_id="w",
            channel="rest",
            draft_id="x",
            data={"applicant_nik": NIK},
            personal={},
        )
    with pytest.raises(personal_data.PersonalDataError):
        personal_data.store("PMH-0000-0000", {"address": "Jl. Merdeka"})


def test_only_admins_and_the_agency_s_officers_see_full_numbers(database):
    ticket = _submit()
    full = {"applicant_nik": NIK, "applicant_phone": PHONE}
    masked = {"applicant_nik": "************0001", "applicant_phone": "+62********890"}
    assert personal_data.read_for_staff(ticket.id, Staff("admin")) == full
    assert personal_data.read_for_staff(ticket.id, Staff("officer", "kelurahan")) == full
    assert personal_data.read_for_staff(ticket.id, Staff("officer", "dukcapil")) == masked
    assert personal_data.read_for_staff(ticket.id, Staff("auditor")) == masked
    assert application_data(ticket.id)["applicant_nik"] == "************0001"


def test_ciphertext_needs_the_key_and_keys_can_rotate(database, monkeypatch):
    ticket = _submit()
    old_key = personal_data.settings.load().pii_encryption_key
    monkeypatch.setenv("LAYANI_PII_KEY", Fernet.generate_key().decode())
    with pytest.raises(personal_data.UndecryptableValue):
        personal_data.read(ticket.id)
    monkeypatch.setenv("LAYANI_PII_KEY", f"{Fernet.generate_key().decode()},{old_key}")
    assert personal_data.read(ticket.id)["applicant_nik"] == NIK


def test_a_key_is_required_outside_the_embedded_profile(monkeypatch):
    monkeypatch.setenv("LAYANI_PII_KEY", "")
    with pytest.raises(personal_data.MissingKey):
        personal_data.cipher("postgresql://postgres@127.0.0.1:5432/none")
    monkeypatch.setenv("LAYANI_PII_KEY", "not-a-key")
    with pytest.raises(personal_data.MissingKey):
        personal_data.cipher("sqlite:///x.db")


def test_embedded_profile_generates_one_key_file(tmp_path, monkeypatch):
    monkeypatch.setenv("LAYANI_PII_KEY", "")
    monkeypatch.setattr(personal_data, "VAR_DIR", tmp_path)
    first = personal_data.cipher("sqlite:///x.db")
    token = first.encrypt(b"3273010101900001")
    again = personal_data.cipher("sqlite:///x.db")
    assert again.decrypt(token) == b"3273010101900001"
    key_file = tmp_path / "pii.key"
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_retention_purges_identity_numbers_but_keeps_the_ticket(database):
    from storage.tickets import change_status

    closed, open_recent = _submit("a"), _submit("b")
    for status in ("diverifikasi", "diproses", "selesai"):
        change_status(closed.id, status)
    now = dt.datetime.utcnow()
    assert personal_data.purge_expired(now=now) == 0
    later = now + dt.timedelta(days=personal_data.RETENTION_DAYS_AFTER_CLOSE + 1)
    assert personal_data.purge_expired(now=later) == 2
    assert personal_data.read(closed.id) == {}
    assert personal_data.read(open_recent.id)["applicant_nik"] == NIK
    much_later = now + dt.timedelta(days=personal_data.MAX_RETENTION_DAYS + 1)
    assert personal_data.purge_expired(now=much_later) == 2
    with sa.create_engine(database).connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM tickets")).scalar() == 2


def test_migration_matches_the_model(database):
    inspector = sa.inspect(sa.create_engine(database))
    columns = {c["name"] for c in inspector.get_columns("ticket_personal_data")}
    assert columns == {c.name for c in personal_data.TicketPersonalData.__table__.columns}
    assert inspector.get_pk_constraint("ticket_personal_data")["constrained_columns"] == [
        "ticket_id",
        "field",
    ]
    (fk,) = inspector.get_foreign_keys("ticket_personal_data")
    assert fk["referred_table"] == "tickets"
