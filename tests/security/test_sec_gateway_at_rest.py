"""What the gateway keeps after answering a provider holds no NIK or phone number in clear.

Before (d051186) the gateway's Redis journal (messages acknowledged but not yet handed over)
and the dead-letter file (messages the assistant failed on) held the citizen's text and phone
number as plain JSON, for as long as nobody cleaned up: a Redis dump or a copied file gave
them away. Now both are sealed with the personal-data key (only masked text stays readable),
journal entries expire, old dead letters are dropped, and replay still works: the restarted
gateway and `python -m channels.gateway.dead_letters replay` hand over the original message.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest

from channels.layer.outbound import DeadLetterLog

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support.fakes_providers import FakeTelegram  # noqa: E402
from support.gateway_stand_in import (  # noqa: E402
    PII_KEY,
    TG_TOKEN,
    TURN_TOKEN,
    FakeRasa,
    post_telegram,
    post_twilio,
    sms,
    start_gateway,
    update,
    wait_for,
)
from support.stack import ROOT  # noqa: E402

NIK = "3273010101900001"
KK = "3273012345678901"
PHONE = "+6281300000901"
OTHER_PHONE = "081298765432"
TEXT = f"Saya mau lapor. NIK {NIK}, KK {KK}, hubungi {OTHER_PHONE}"
CLEAR = (NIK, KK, PHONE, PHONE.lstrip("+"), OTHER_PHONE)


def assert_no_clear_text(blob: str) -> None:
    for value in CLEAR:
        assert value not in blob, f"{value} stored in clear"


@pytest.fixture()
def stand_ins():
    rasa, telegram = FakeRasa().start(), FakeTelegram(TG_TOKEN).start()
    yield rasa, telegram
    rasa.stop()
    telegram.stop()


def test_dead_letters_hold_no_identity_numbers_and_can_be_redelivered(stand_ins, tmp_path):
    rasa, telegram = stand_ins
    proc, url = start_gateway(tmp_path, rasa, telegram)
    try:
        rasa.broken = 1  # the assistant fails on this turn: it is dead-lettered, not repeated
        assert post_twilio(SimpleNamespace(url=url), sms(PHONE, "SM901", TEXT)).status_code == 200
        dead = tmp_path / "dead_letters.jsonl"
        wait_for(lambda: dead.exists() and "SM901" in dead.read_text())
    finally:
        proc.terminate()
        proc.wait(20)
    stored = dead.read_text()
    assert_no_clear_text(stored)
    line = json.loads(stored.splitlines()[0])
    assert line["text"].startswith("Saya mau lapor. NIK ") and line["direction"] == "inbound"
    assert oct(dead.stat().st_mode & 0o777) == "0o600"
    assert rasa.envelopes(PHONE) == []

    # The operator redelivers it once the cause is fixed: the assistant gets the original.
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "RASA_URL": rasa.url,
        "LAYANI_TURN_TOKEN": TURN_TOKEN,
        "LAYANI_PII_KEY": PII_KEY,
        "LAYANI_DEAD_LETTER_FILE": str(dead),
    }
    command = [sys.executable, "-m", "channels.gateway.dead_letters"]
    listed = subprocess.run([*command, "list"], env=env, cwd=ROOT, capture_output=True, text=True)
    assert listed.returncode == 0 and "SM901" in listed.stdout
    assert_no_clear_text(listed.stdout)
    replayed = subprocess.run(
        [*command, "replay"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert replayed.returncode == 0, replayed.stderr
    (envelope,) = rasa.envelopes(PHONE)
    assert envelope["text"] == TEXT and envelope["message_id"] == "SM901"
    assert "SM901" not in dead.read_text()  # redelivered: gone from the file


def test_the_redis_journal_is_sealed_expires_and_is_replayed_after_a_crash(
    stand_ins, redis_url, tmp_path
):
    import redis

    rasa, telegram = stand_ins
    rasa.not_ready = 10_000  # the assistant is down: messages wait in the journal
    extra = {"REDIS_URL": redis_url, "LAYANI_GATEWAY_ID": "sec-at-rest"}
    proc, url = start_gateway(tmp_path, rasa, telegram, **extra)
    try:
        gw = SimpleNamespace(url=url)
        assert post_telegram(gw, update(902, TEXT)).json()["status"] == "accepted"
        assert post_twilio(gw, sms(PHONE, "SM902", TEXT)).status_code == 200
        client = redis.Redis.from_url(redis_url)
        key = "layani:gateway:sec-at-rest:pending"
        members = client.zrange(key, 0, -1)
        assert len(members) == 2
        assert_no_clear_text(b"\n".join(members).decode())
        assert 0 < client.ttl(key) <= 24 * 3600  # the journal expires
        client.close()
    finally:
        proc.kill()  # a crash: no drain
        proc.wait(10)
    rasa.not_ready = 0
    proc, url = start_gateway(tmp_path, rasa, telegram, **extra)
    try:
        wait_for(lambda: rasa.envelopes("902") and rasa.envelopes(PHONE), timeout=20)
        assert rasa.envelopes("902")[0]["text"] == TEXT
        assert rasa.envelopes(PHONE)[0]["text"] == TEXT
    finally:
        proc.terminate()
        proc.wait(20)


def test_old_dead_letters_are_dropped_after_the_retention(tmp_path):
    path = tmp_path / "dead_letters.jsonl"
    with mock.patch.dict(os.environ, {"LAYANI_PII_KEY": PII_KEY}):
        log = DeadLetterLog(path, retention_days=30)
        log.write({"channel": "sms", "recipient": PHONE, "payload": {"Body": "lama"}})
        lines = path.read_text().splitlines()
        old = json.loads(lines[0])
        old["epoch"] = int(time.time()) - 31 * 86400
        old["time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(old["epoch"]))
        path.write_text(json.dumps(old) + "\n")
        DeadLetterLog(path, retention_days=30).write(
            {"channel": "sms", "recipient": PHONE, "payload": {"Body": "baru"}}
        )
        kept = DeadLetterLog(path, retention_days=30).read()
    assert [r["payload"]["Body"] for r in kept] == ["baru"]


async def test_citizen_state_in_redis_has_no_phone_number_or_text_in_clear(redis_url):
    import redis

    from channels.layer.kv import RedisKV

    with mock.patch.dict(os.environ, {"LAYANI_PII_KEY": PII_KEY}):
        kv = RedisKV(redis_url)
        await kv.set(f"menu:{PHONE}", {"1": "/help"}, 60)
        await kv.set(f"pages:{PHONE}", [f"Laporan atas NIK {NIK} kami terima."], 60)
        assert await kv.get(f"menu:{PHONE}") == {"1": "/help"}
        assert NIK in (await kv.get(f"pages:{PHONE}"))[0]
        await kv.close()
    client = redis.Redis.from_url(redis_url)
    names = [n for n in client.keys("layani:kv:*")]
    stored = b"\n".join(names + [client.get(n) or b"" for n in names]).decode()
    client.close()
    assert len(names) >= 2
    assert_no_clear_text(stored)
