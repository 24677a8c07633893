"""Normalisation of informal Indonesian chat text, shared by the classifier and the extractors.

Citizens write "udh 2 mgg gk diangkut", "jln bolong bgt", "sampahnyaaa": we lower-case, expand
common abbreviations, squash letters repeated three times or more, and drop the clitics -nya/-lah
so "sampahnya" matches "sampah".
"""

from __future__ import annotations

import re

_SLANG = {
    "gak": "tidak",
    "ga": "tidak",
    "gk": "tidak",
    "nggak": "tidak",
    "ngga": "tidak",
    "enggak": "tidak",
    "tdk": "tidak",
    "tak": "tidak",
    "g": "tidak",
    "kagak": "tidak",
    "udah": "sudah",
    "udh": "sudah",
    "sdh": "sudah",
    "dah": "sudah",
    "blm": "belum",
    "belom": "belum",
    "bgt": "banget",
    "yg": "yang",
    "dgn": "dengan",
    "dg": "dengan",
    "krn": "karena",
    "karna": "karena",
    "tp": "tapi",
    "tpi": "tapi",
    "jg": "juga",
    "lg": "lagi",
    "sm": "sama",
    "utk": "untuk",
    "untk": "untuk",
    "dr": "dari",
    "klo": "kalau",
    "kalo": "kalau",
    "sy": "saya",
    "aku": "saya",
    "gw": "saya",
    "gue": "saya",
    "jln": "jalan",
    "jl": "jalan",
    "jln.": "jalan",
    "dpn": "depan",
    "dkt": "dekat",
    "deket": "dekat",
    "bbrp": "beberapa",
    "hr": "hari",
    "mgg": "minggu",
    "bln": "bulan",
    "thn": "tahun",
    "org": "orang",
    "pd": "pada",
    "ada2": "ada",
    "trs": "terus",
    "trus": "terus",
    "msh": "masih",
    "masi": "masih",
    "mati2": "mati",
    "bnyk": "banyak",
    "byk": "banyak",
    "pns": "pegawai",
    "ktp-el": "ktp",
    "ektp": "e ktp",
    "e-ktp": "e ktp",
    "lampunya": "lampu",
    "numpuk2": "numpuk",
    "gorong2": "gorong gorong",
    "lempar2": "lempar lempar",
    "kos2an": "kos kosan",
    "rs.": "rs",
    "puskes": "puskesmas",
    "antri": "antrian",
    "ngantri": "antrian",
    "ngantre": "antrean",
    "bolonggg": "bolong",
    "item": "hitam",
    "gede": "besar",
    "mampat": "mampet",
    "rubuh": "roboh",
    "ambrul": "ambrol",
    "ambruk": "ambruk",
    "pungutan2": "pungutan",
    "nyampah": "sampah",
}
_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_REPEAT = re.compile(r"([a-z])\1{2,}")
_CLITIC = re.compile(r"(?<=[a-z]{3})(nya|lah|kah)$")


def tokens(text: str) -> list[str]:
    """Normalised word list of `text` (see module docstring)."""
    words: list[str] = []
    for raw in _TOKEN.findall((text or "").lower()):
        raw = _REPEAT.sub(r"\1", raw)
        if raw in _SLANG:
            words.extend(_SLANG[raw].split())
            continue
        # Indonesian reduplication "lampu-lampu", "gorong-gorong": keep both halves.
        parts = raw.split("-")
        for part in parts:
            if not part:
                continue
            part = _SLANG.get(part, part)
            if len(part) > 5:
                part = _CLITIC.sub("", part)
            words.extend(part.split())
    return words


def normalise(text: str) -> str:
    return " ".join(tokens(text))
