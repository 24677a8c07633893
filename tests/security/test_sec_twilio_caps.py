"""Twilio webhook: a stranger's huge or many-field form is refused before it costs anything.

Before (d051186) the gateway decoded any form up to 1 MB and signed it for every candidate URL
before refusing a bad signature: about 1.8 s of its only event loop per post, during which no
provider got an acknowledgement. Now the body size, the signature header and the field count
are decided on the raw bytes (413 / 403), and only a bounded form is decoded and signed.
What an attacker would notice: a 4xx at once, and the gateway still answering everyone else.
What Twilio would notice: its real, signed posts are still accepted.
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support.fakes_providers import FakeTelegram  # noqa: E402
from support.gateway_stand_in import (  # noqa: E402
    TG_TOKEN,
    FakeRasa,
    post_twilio,
    sms,
    start_gateway,
    wait_for,
)

FORGED = "AAAAAAAAAAAAAAAAAAAAAAAAAAA="  # well-formed (base64 of 20 bytes), not Twilio's
# The attack: just under the old 1,000,000-byte request limit, 120,000 fields.
HUGE_FIELDS = [(str(i), "x") for i in range(120_000)]  # 968,889 bytes


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    rasa, telegram = FakeRasa().start(), FakeTelegram(TG_TOKEN).start()
    workdir = tmp_path_factory.mktemp("twilio_caps")
    proc, url = start_gateway(workdir, rasa, telegram, LAYANI_RATE_LIMIT="100/60")
    yield SimpleNamespace(url=url, rasa=rasa, pid=proc.pid)
    proc.terminate()
    proc.wait(20)
    rasa.stop()
    telegram.stop()


def cpu_seconds(pid: int) -> float:
    """CPU time the gateway process has used (user + system): what a request costs it,
    whatever else the shared machine is doing."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def health_seconds(gw) -> float:
    started = time.perf_counter()
    assert httpx.get(f"{gw.url}/health", timeout=30).status_code == 200
    return time.perf_counter() - started


def test_a_huge_forged_form_is_refused_at_once_and_does_not_stall_other_citizens(gateway):
    body = urlencode(HUGE_FIELDS)
    cpu_before = cpu_seconds(gateway.pid)
    for _ in range(5):
        reply = post_twilio(gateway, body, signature=FORGED)
        assert reply.status_code == 413
    cpu = cpu_seconds(gateway.pid) - cpu_before
    # The old gateway spent about 0.8 s of CPU on each of these; the new one a few ms.
    assert cpu < 0.5, f"five rejections cost the gateway {cpu:.2f} s of CPU"
    # Four at once, while a provider's health probe waits: it is not kept behind them (the
    # old gateway made it wait for all four, over 3 s even on a quiet machine).
    with ThreadPoolExecutor(5) as pool:
        posts = [pool.submit(post_twilio, gateway, body, FORGED) for _ in range(4)]
        probe = pool.submit(health_seconds, gateway)
        assert [p.result().status_code for p in posts] == [413] * 4
        assert probe.result() < 2.0
    assert gateway.rasa.calls == []


def test_too_many_fields_is_refused_even_when_correctly_signed(gateway):
    # 201 fields: within the size cap, and signed with the real auth token. Twilio never sends
    # that many, so nobody pays for decoding them.
    fields = list(sms("+6281300000701", "SM701").items())
    fields += [(f"Extra{i}", "x") for i in range(201 - len(fields))]
    assert post_twilio(gateway, fields).status_code == 413
    # 200 fields, also signed: still a message.
    accepted = list(sms("+6281300000702", "SM702", "halo 702").items())
    accepted += [(f"Extra{i}", "x") for i in range(200 - len(accepted))]
    assert post_twilio(gateway, accepted).status_code == 200
    wait_for(lambda: gateway.rasa.envelopes("+6281300000702"))
    assert gateway.rasa.envelopes("+6281300000702")[0]["text"] == "halo 702"
    assert gateway.rasa.envelopes("+6281300000701") == []


def test_an_oversized_signed_form_is_413_and_a_real_one_is_accepted(gateway):
    padded = sms("+6281300000703", "SM703", "halo", Padding="x" * 70_000)
    assert post_twilio(gateway, padded).status_code == 413
    # Forged or unsigned posts of normal size are still 403 and never reach the assistant.
    normal = sms("+6281300000704", "SM704")
    assert post_twilio(gateway, normal, signature=None).status_code == 403
    assert post_twilio(gateway, normal, signature=FORGED).status_code == 403
    assert post_twilio(gateway, normal, signature="not-base64").status_code == 403
    # A real post, blank fields and all (what Twilio sends), is accepted and handed over.
    real = sms("whatsapp:+6281300000705", "SM705", "halo 705", FromZip="", FromCity="")
    assert post_twilio(gateway, real).status_code == 200
    wait_for(lambda: gateway.rasa.envelopes("+6281300000705"))
    time.sleep(0.3)
    for sender in ("+6281300000703", "+6281300000704"):
        assert gateway.rasa.envelopes(sender) == []
