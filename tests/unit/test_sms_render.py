"""SMS keywords and GSM-7 transliteration."""

from __future__ import annotations

import pytest

from layani import sms
from layani.gsm7 import is_gsm7


@pytest.mark.parametrize(
    "text,expected",
    [
        ("MENU", "/help"),
        ("menu", "/help"),
        ("Batal", "/cancel"),
        ("PETUGAS", "/request_human"),
        ("LANJUT", "/faq_more"),
        ("STATUS", "/check_status"),
        ("status adu-7k3m-q9xr", '/check_status{"ticket_id": "ADU-7K3M-Q9XR"}'),
        ("STATUS PMH 7K3M Q9XR", '/check_status{"ticket_id": "PMH-7K3M-Q9XR"}'),
        ("batal nikah", None),
        ("menu apa saja", None),
        ("status laporan saya", None),
        ("halo", None),
    ],
)
def test_keywords(text, expected):
    assert sms.keyword_payload(text) == expected


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("Jum’at", "Jum'at"),
        ("“gratis”", '"gratis"'),
        ("08.00–15.00", "08.00-15.00"),
        ("tunggu…", "tunggu..."),
        ("Terima kasih 🙏😊", "Terima kasih"),
        ("café", "café"),  # é is in GSM-7
        ("façade", "facade"),
        ("a\u00a0b", "a b"),
    ],
)
def test_to_gsm7(raw, expected):
    out = sms.to_gsm7(raw)
    assert out == expected and is_gsm7(out)
