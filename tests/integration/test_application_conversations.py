"""Scripted application conversations over REST against the real stack (Rasa + action server).

Each form is filled the way a citizen would: with wrong answers (and the bot's specific reply),
a correction, an FAQ question in the middle and a cancel. Completed applications are read back
from the stack's database: exactly one `PMH-...` ticket each, with the right public fields and
the identity numbers only in the encrypted table. The last test runs every conversation (if not
run yet) and searches the Rasa and action server logs (DEBUG) for any full NIK, KK or phone.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from layani.validators.dates import format_date_id, is_working_day

pytestmark = pytest.mark.integration

WIB = dt.timezone(dt.timedelta(hours=7))
NIK_BUDI = "3273010101900001"  # Bandung, man, 1 January 1990
NIK_SITI = "3578015203950002"  # Surabaya, woman, 12 March 1995
NIK_AYAH = "5171011210880004"  # Denpasar, man
NIK_IBU = "5171015505920003"  # Denpasar, woman (55 = 15 + 40)
KK = "5171011203150007"
PHONE_TYPED = "0812 3456 7890"
PHONE_E164 = "+6281234567890"
PHONE_2 = "085712345678"
# Everything personal typed in these conversations; none may appear in full in a log.
SECRETS = [
    NIK_BUDI,
    NIK_SITI,
    NIK_AYAH,
    NIK_IBU,
    KK,
    "81234567890",
    "85712345678",
    "3273 0101 0190 0001",
    "327301010190001",  # the mistyped NIK (one digit short) gives most of it away too
]

_transcripts: dict[str, list[tuple[str, list[str]]]] = {}


def today() -> dt.date:
    return dt.datetime.now(WIB).date()


class Chat:
    """One citizen talking to the stack; every turn is kept for the failure message."""

    def __init__(self, stack, name: str):
        self.stack, self.sender = stack, f"{name}-{uuid.uuid4().hex[:8]}"
        self.turns: list[tuple[str, list[str]]] = []
        _transcripts[name] = self.turns

    def say(self, text: str, *expected: str) -> list[str]:
        replies = self.stack.texts(self.sender, text)
        self.turns.append((text, replies))
        joined = "\n".join(replies)
        for part in expected:
            assert part in joined, f"{part!r} not in reply to {text!r}:\n{self.transcript()}"
        return replies

    def transcript(self) -> str:
        return "\n".join(f"> {t}\n" + "\n".join(f"  {r}" for r in rs) for t, rs in self.turns)


def tickets_of(stack, sender: str) -> list[sa.engine.Row]:
    engine = sa.create_engine(stack.env["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            return conn.execute(
                sa.text(
                    "SELECT id, kind, agency, category_or_service, status, data, "
                    "description, owner_key FROM tickets WHERE sender_id = :s"
                ),
                {"s": stack.conversation_id(sender)},
            ).all()
    finally:
        engine.dispose()


def personal_fields(stack, ticket_id: str) -> dict[str, str]:
    engine = sa.create_engine(stack.env["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            return dict(
                conn.execute(
                    sa.text(
                        "SELECT field, ciphertext FROM ticket_personal_data WHERE ticket_id = :t"
                    ),
                    {"t": ticket_id},
                ).all()
            )
    finally:
        engine.dispose()


def ticket_id_in(replies: list[str]) -> str:
    match = re.search(r"PMH-[0-9A-Z]{4}-[0-9A-Z]{4}", "\n".join(replies))
    assert match, replies
    return match.group(0)


def appointment_day() -> dt.date:
    """A working day two or more days ahead (never "besok", which may be a Friday edge)."""
    day = today() + dt.timedelta(days=2)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def run_domisili(stack) -> str:
    chat = Chat(stack, "domisili")
    chat.say(
        "saya mau mengajukan surat keterangan domisili",
        "Surat Keterangan Domisili",
        "nama lengkap Anda",
    )
    chat.say("budi santoso", "tanggal lahir Anda")
    chat.say("1 Januari 1990", "Berapa NIK Anda")
    chat.say("327301010190001", "NIK harus 16 angka; yang Anda kirim 15 angka")
    chat.say("3273 0101 0190 0001", "alamat tempat tinggal")
    chat.say("Jl. Merdeka No. 5 Sukasari", "RT dan RW")
    chat.say("Jl. Merdeka No. 5 Sukasari RT 3 RW 5", "keperluan apa")
    chat.say("melamar pekerjaan", "Nomor HP")
    # A detour to an FAQ and back: the question is answered, then the same question returns.
    replies = chat.say("apa saja syarat membuat akta kelahiran?", "Kita lanjutkan", "Nomor HP")
    assert not any("nomor HP dalam angka" in r for r in replies), chat.transcript()
    chat.say("021 5551234", "telepon rumah atau kantor")
    replies = chat.say(
        PHONE_TYPED,
        "Ringkasan permohonan Surat Keterangan Domisili",
        "NIK: ************0001",
        "Budi Santoso",
        "RT 003/RW 005",
    )
    assert not any(NIK_BUDI in r or "81234567890" in r for r in replies)
    # Correction from the summary; the new date contradicts the NIK and is refused kindly.
    chat.say("ubah tanggal lahir", "tanggal lahir", "Kapan tanggal lahir Anda")
    chat.say("2 Januari 1990", "Tanggal lahir di NIK")
    chat.say("1/1/1990", "Ringkasan permohonan", "1 Januari 1990")
    replies = chat.say("ya", "Permohonan Anda sudah kami terima dengan nomor PMH-")
    ticket_id = ticket_id_in(replies)

    rows = tickets_of(stack, chat.sender)
    assert len(rows) == 1, chat.transcript()
    row = rows[0]
    data = json.loads(row.data) if isinstance(row.data, str) else row.data
    assert (row.id, row.kind, row.agency, row.category_or_service, row.status) == (
        ticket_id,
        "application",
        "kelurahan",
        "domisili",
        "diterima",
    )
    assert row.owner_key == f"rest:{chat.sender}"
    assert data["applicant_name"] == "Budi Santoso"
    assert data["applicant_birth_date"] == "1990-01-01"
    assert data["applicant_address"] == "Jl. Merdeka No. 5 Sukasari, RT 003/RW 005"
    assert data["domisili_purpose"] == "Melamar pekerjaan"
    assert "applicant_nik" not in data and NIK_BUDI not in json.dumps(data)
    encrypted = personal_fields(stack, ticket_id)
    assert set(encrypted) == {"applicant_nik", "applicant_phone"}
    assert NIK_BUDI not in json.dumps(encrypted)

    # The number works for status look-ups, for its owner only.
    status = chat.say(f"cek status {ticket_id}")
    assert ticket_id in "\n".join(status), chat.transcript()
    stranger = Chat(stack, "stranger").say(f"cek status {ticket_id}")
    assert "diterima" not in "\n".join(stranger).lower()
    return ticket_id


def run_antrean(stack) -> str:
    chat = Chat(stack, "antrean")
    chat.say(
        "mau ambil antrean dukcapil", "antrean layanan di kantor Dukcapil", "nama lengkap Anda"
    )
    chat.say("Siti Aminah", "Berapa NIK Anda")
    chat.say("9901015203950002", "bukan kode provinsi")
    chat.say(NIK_SITI, "Layanan apa")
    chat.say("ktp saya hilang", "Tanggal berapa Anda ingin datang")
    chat.say("sabtu", "akhir pekan")
    chat.say("kemarin", "sudah lewat")
    # "eh salah, NIK-nya ..." while the date is asked: the NIK changes, the date is asked again.
    chat.say(f"eh salah, NIK-nya {NIK_BUDI}", "NIK sudah saya ubah", "Tanggal berapa")
    day = appointment_day()
    chat.say(f"{day.day}/{day.month}/{day.year} jam 9 pagi", "Nomor HP")
    replies = chat.say(
        PHONE_2,
        "Ringkasan antrean Dukcapil",
        "NIK: ************0001",
        "KTP-el hilang atau rusak",
        format_date_id(day),
        "pagi (08.00-12.00)",
    )
    assert not any(PHONE_2 in r for r in replies)
    replies = chat.say("ya", "Antrean Anda sudah tercatat dengan nomor PMH-", format_date_id(day))
    ticket_id = ticket_id_in(replies)

    rows = tickets_of(stack, chat.sender)
    assert len(rows) == 1, chat.transcript()
    data = json.loads(rows[0].data) if isinstance(rows[0].data, str) else rows[0].data
    assert (rows[0].agency, rows[0].category_or_service) == ("dukcapil", "antrean_dukcapil")
    assert data["dukcapil_service"] == "ktp_hilang_rusak"
    assert data["appointment_date"] == day.isoformat()
    assert data["appointment_session"] == "pagi"
    assert set(personal_fields(stack, ticket_id)) == {"applicant_nik", "applicant_phone"}
    return ticket_id


def run_kelahiran_cancelled(stack) -> None:
    chat = Chat(stack, "kelahiran-batal")
    chat.say(
        "saya mau mencatatkan kelahiran anak saya", "pencatatan kelahiran", "nama lengkap anak"
    )
    chat.say("Putri Ayu Lestari", "jenis kelamin")
    chat.say("batal", "Permohonan dibatalkan")
    assert tickets_of(stack, chat.sender) == []
    # After a cancel nothing is left over: a new application starts from the first question.
    chat.say("saya mau mencatatkan kelahiran anak saya", "nama lengkap anak")


def run_kelahiran(stack) -> str:
    chat = Chat(stack, "kelahiran")
    chat.say("mau daftar akta kelahiran", "pencatatan kelahiran", "nama lengkap anak")
    chat.say("Putri Ayu Lestari", "jenis kelamin")
    chat.say("cewek", "Kapan anak lahir")
    tomorrow = today() + dt.timedelta(days=1)
    chat.say(f"{tomorrow.day}/{tomorrow.month}/{tomorrow.year}", "belum terjadi")
    born = today() - dt.timedelta(days=20)
    chat.say(
        f"{born.day} {format_date_id(born, with_day=False).split(' ', 1)[1]}", "kota atau kabupaten"
    )
    chat.say("Denpasar", "NIK ayah")
    chat.say(NIK_IBU, "tercatat untuk perempuan")
    chat.say(NIK_AYAH, "NIK ibu")
    chat.say(NIK_AYAH, "tercatat untuk laki-laki")
    chat.say(NIK_IBU, "nomor Kartu Keluarga")
    chat.say("5199011203150007", "kode wilayah")
    chat.say(KK, "Nomor HP")
    chat.say(
        PHONE_TYPED,
        "Ringkasan pencatatan kelahiran",
        "NIK ayah: ************0004",
        "NIK ibu: ************0003",
        "Nomor KK: ************0007",
        "perempuan",
    )
    chat.say("tidak", "Data mana yang ingin Anda ubah")
    chat.say("tempat lahir", "Di kota atau kabupaten mana")
    chat.say("Kabupaten Badung", "Ringkasan pencatatan kelahiran", "Kabupaten Badung")
    replies = chat.say("ya, sudah benar", "Permohonan Anda sudah kami terima", "SPTJM")
    ticket_id = ticket_id_in(replies)

    rows = tickets_of(stack, chat.sender)
    assert len(rows) == 1, chat.transcript()
    data = json.loads(rows[0].data) if isinstance(rows[0].data, str) else rows[0].data
    assert (rows[0].agency, rows[0].category_or_service) == ("dukcapil", "kelahiran")
    assert data["child_name"] == "Putri Ayu Lestari"
    assert data["child_sex"] == "perempuan"
    assert data["child_birth_date"] == born.isoformat()
    assert data["child_birth_place"] == "Kabupaten Badung"
    assert set(personal_fields(stack, ticket_id)) == {
        "father_nik",
        "mother_nik",
        "kk_number",
        "applicant_phone",
    }
    # Saying "ya" again after submitting must not create a second application.
    chat.say("ya")
    assert len(tickets_of(stack, chat.sender)) == 1
    return ticket_id


CONVERSATIONS: dict[str, Callable] = {
    "domisili": run_domisili,
    "antrean": run_antrean,
    "kelahiran-batal": run_kelahiran_cancelled,
    "kelahiran": run_kelahiran,
}


def test_domisili_letter(rasa_stack):
    run_domisili(rasa_stack)


def test_dukcapil_appointment(rasa_stack):
    run_antrean(rasa_stack)


def test_birth_registration_cancelled_at_any_question(rasa_stack):
    run_kelahiran_cancelled(rasa_stack)


def test_birth_registration(rasa_stack):
    run_kelahiran(rasa_stack)


def test_no_full_identity_number_in_server_logs(rasa_stack):
    for name, conversation in CONVERSATIONS.items():
        if name not in _transcripts:
            conversation(rasa_stack)
    logs = rasa_stack.log_text()
    assert "application_form" in logs  # the DEBUG logs really cover these conversations
    leaked = [secret for secret in SECRETS if secret in logs]
    assert leaked == [], f"full personal data in logs: {leaked}"
    assert "************0001" in logs  # what was typed is logged, masked
