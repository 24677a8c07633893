"""No NIK, KK or phone number in clear in the conversation store of a real stack (issue 13.4).

A domisili application over REST, as a citizen types it (the NIK grouped with spaces, the phone
with spaces), with the Rasa server killed and restarted in the middle of the form. Then the
tracker database file is read byte by byte, as someone holding a copy of it would: before this
wave Rasa's SQL store held the NIK three times (message text, parse data, slot). The
application must still complete with the right numbers: the slots were sealed, not lost.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

pytestmark = pytest.mark.integration

NIK = "3273010101900001"
PHONE_E164 = "+6281234567890"
# Every form in which the numbers were typed or stored; none may be in the file.
IN_CLEAR = [NIK, "3273 0101 0190 0001", "327301010190", "81234567890", "0812 3456 7890"]


@pytest.fixture(scope="module")
def stack(model_path, tmp_path_factory):
    from support.stack import start_stack

    key = Fernet.generate_key().decode()
    workdir = tmp_path_factory.mktemp("tracker_pii")
    running = start_stack(model_path, workdir, extra_env={"LAYANI_PII_KEY": key})
    running.pii_key = key
    try:
        yield running
    finally:
        running.stop()


def say(stack, sender: str, text: str, *expected: str) -> str:
    joined = "\n".join(stack.texts(sender, text))
    for part in expected:
        assert part in joined, f"{part!r} not in the reply to {text!r}:\n{joined}"
    return joined


def database_files(stack) -> bytes:
    db = Path(stack.env["RASA_TRACKER_DB"])
    return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))


def test_domisili_application_leaves_no_number_in_the_tracker_file(stack):
    sender = f"pii-{uuid.uuid4().hex[:8]}"
    say(stack, sender, "saya mau mengajukan surat keterangan domisili", "nama lengkap Anda")
    say(stack, sender, "budi santoso", "tanggal lahir Anda")
    say(stack, sender, "1 Januari 1990", "Berapa NIK Anda")
    say(stack, sender, "3273 0101 0190 0001", "alamat tempat tinggal")

    stack.restart("rasa")  # the NIK must survive in the store, sealed

    say(stack, sender, "Jl. Merdeka No. 5 Sukasari RT 3 RW 5", "keperluan apa")
    say(stack, sender, "melamar pekerjaan", "Nomor HP")
    summary = say(stack, sender, "0812 3456 7890", "Ringkasan permohonan", "NIK: ************0001")
    assert NIK not in summary
    replies = say(stack, sender, "ya", "Permohonan Anda sudah kami terima dengan nomor PMH-")
    ticket_id = re.search(r"PMH-[0-9A-Z]{4}-[0-9A-Z]{4}", replies).group(0)

    # The application store got the real numbers (the restart lost nothing).
    engine = sa.create_engine(stack.env["DATABASE_URL"])
    with engine.connect() as conn:
        rows = dict(
            conn.execute(
                sa.text("SELECT field, ciphertext FROM ticket_personal_data WHERE ticket_id = :t"),
                {"t": ticket_id},
            ).all()
        )
    engine.dispose()
    fernet = Fernet(stack.pii_key.encode())
    assert fernet.decrypt(rows["applicant_nik"].encode()).decode() == NIK
    assert fernet.decrypt(rows["applicant_phone"].encode()).decode() == PHONE_E164

    # The conversation is in the store, readable for staff, without the numbers.
    conversation = stack.conversation_id(sender)
    stored = database_files(stack)
    assert conversation.encode() in stored and b"melamar pekerjaan" in stored
    for secret in IN_CLEAR:
        assert secret.encode() not in stored, secret
    # Nor through Rasa's own API, which reads the same rows (text masked, slots opened only
    # inside the server).
    events = stack.tracker(sender)["events"]
    texts = " ".join(e.get("text") or "" for e in events if e["event"] in ("user", "bot"))
    assert "************0001" in texts and NIK not in texts
