"""Generated citizen messages for `make fuzz`: what real and hostile senders type.

Why a generator of our own and not only hypothesis: the fuzz run drives real servers over HTTP
and socket.io with a fixed seed, so a failing message can be replayed by its index. The kinds
mirror the attacks and accidents seen on public chat services: repeated-letter runs (the
normaliser's old 2^k blow-up), very long texts, mixed scripts, zero-width and right-to-left
marks, emoji, long digit runs and identity numbers in every grouping, markup and injection
strings, Rasa's `/intent{json}` syntax, control characters, lone surrogates and blank text.

`message(rng)` returns text; `malformed_*` return raw request bodies that must get a 4xx.
"""

from __future__ import annotations

import json
import random
import string

CITIZEN_TEXTS = (
    "halo",
    "selamat pagi",
    "menu",
    "syarat bikin ktp apa aja?",
    "ktp sy ilang hrs gmn",
    "cara perpanjang SIM gimana ya",
    "mau lapor jalan rusak di depan rumah",
    "lampu jalan mati sudah seminggu",
    "cek status ADU-7K3M-Q9PX",
    "saya mau bicara dengan petugas",
    "makasih ya",
    "bikin skck dimana",
    "bpjs kesehatan saya tidak aktif",
    "mau bikin surat domisili",
    "NIK saya 3273010101900001",
    "no hp sy 081234567890",
    "carane ngurus kk piye",
    "punten, kumaha daftar bpjs",
    "tolooooong banjir masuk rumah",
    "batal",
    "ya",
    "tidak",
)
SCRIPTS = (
    "مرحبا كيف حالك",  # Arabic
    "你好，我的身份证丢了",  # Chinese
    "ꦱꦸꦒꦺꦁꦲꦺꦁꦁꦭꦩ꧀",  # Javanese script
    "नमस्ते",  # Devanagari
    "Привет",  # Cyrillic
    "สวัสดีครับ",  # Thai
)
INVISIBLE = ("\u200b", "\u200c", "\u200d", "\ufeff", "\u200f", "\u202e", "\u2066", "\u00ad")
EMOJI = ("😀", "🙏", "🔥", "🇮🇩", "👨‍👩‍👧", "❤️", "🚑", "🏠")
INJECTIONS = (
    "'; DROP TABLE tickets;--",
    "<script>alert(1)</script>",
    "{{7*7}}${7*7}",
    "%s%s%s%n%x",
    "${jndi:ldap://example.invalid/a}",
    "../../../../etc/passwd",
    "/restart",
    "/session_start",
    '/start_application{"application_service":"domisili"}',
    '/request_human{"urgent":true}',
    '/inform{"nik":"3273010101900001"}',
    "/nlu_fallback",
    '{"sender":"+6281234567890"}',
    "\x00\x01\x02\x1b[31m",
)
NIK_FORMATS = (
    "3273010101900001",
    "327301 010190 0001",
    "3273.01.010190.0001",
    "3273  0101  0190  0001",
    "3273-0101-9000-01",
)


def _runs(rng: random.Random) -> str:
    letters = rng.choices(string.ascii_lowercase, k=rng.randint(10, 40))
    return "".join(c * rng.randint(2, 6) for c in letters)


def _long(rng: random.Random, limit: int) -> str:
    words = [rng.choice(CITIZEN_TEXTS) for _ in range(400)]
    text = " ".join(words)
    size = rng.choice((limit - 10, limit, limit + 1, 5000, 10_000))
    return (text * (size // max(1, len(text)) + 1))[:size]


def _sprinkle(rng: random.Random, text: str, marks: tuple[str, ...]) -> str:
    return "".join(c + (rng.choice(marks) if rng.random() < 0.3 else "") for c in text)


def _typo(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 3)):
        if len(chars) > 2:
            i = rng.randrange(len(chars) - 1)
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars)


def message(rng: random.Random, limit: int = 1500) -> str:
    """One generated message; about a third are ordinary citizen texts with typos."""
    kind = rng.randrange(12)
    if kind <= 3:
        return _typo(rng, rng.choice(CITIZEN_TEXTS))
    if kind == 4:
        return _runs(rng)
    if kind == 5:
        return _long(rng, limit)
    if kind == 6:
        return rng.choice(SCRIPTS) + " " + rng.choice(CITIZEN_TEXTS)
    if kind == 7:
        return _sprinkle(rng, rng.choice(CITIZEN_TEXTS), INVISIBLE)
    if kind == 8:
        return _sprinkle(rng, rng.choice(CITIZEN_TEXTS), EMOJI) + "".join(rng.choices(EMOJI, k=5))
    if kind == 9:
        digits = "".join(rng.choices(string.digits, k=rng.randint(20, 600)))
        return rng.choice(("nik sy ", "no kk ", "", "hp ")) + rng.choice(NIK_FORMATS + (digits,))
    if kind == 10:
        return rng.choice(INJECTIONS)
    # Control characters, a lone surrogate (valid JSON escape, invalid Unicode), or blank text.
    return rng.choice(("\ud800 halo", "\t\r\n", "   ", "a\x00b", "\x7f" * 50, "\u0301" * 200))


def malformed_json_bodies(rng: random.Random) -> bytes:
    """A body a JSON endpoint must refuse with a 4xx (never a 500)."""
    choices = (
        b"{",
        b"[]",
        b"null",
        b'{"sender": 5, "message": "halo"}',
        b'{"sender": "x", "message": ["halo"]}',
        b'{"sender": "x"}',
        b'{"message": "halo"}',
        b'{"sender": "' + b"x" * 5000 + b'", "message": "halo"}',
        json.dumps({"sender": "x", "message": {"text": "halo"}}).encode(),
        b"\xff\xfe\x00garbage",
        b'{"update_id": "abc", "message": 7}',
        b'{"update_id": 1, "message": {"text": {"a": 1}, "chat": null, "from": "x"}}',
    )
    return rng.choice(choices)
