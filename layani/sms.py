"""Rendering bot messages for SMS: GSM-7 text, numbered menus, pages of at most 3 segments.

Why: on SMS every segment is paid for and one non-GSM character (a curly quote, an en dash,
an emoji) switches the whole message to UCS-2, cutting a segment from 153 to 67 characters.
Buttons cannot exist on SMS, and one SMS per button would multiply the cost, so buttons become
one numbered menu in the same SMS ("Balas 1 untuk ..."), and a digit reply maps back to the
button's payload. Text that does not fit 3 segments is paged: the citizen replies LANJUT.

Pure functions, no Rasa imports: connectors, content tests and tools can all use them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from layani.gsm7 import GSM7_BASIC, GSM7_EXTENDED, is_gsm7, segment_count

MAX_SEGMENTS = 3
MENU_LINE = "Balas {n} untuk {title}"
MORE_SUFFIX = "\n(Balas LANJUT untuk lanjutannya)"

# Characters people and editors type that GSM-7 lacks, mapped to the nearest GSM-7 text.
_MAP = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "`": "'",
    "\u00b4": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2012": "-",
    "\u2015": "-",
    "\u2010": "-",
    "\u2011": "-",
    "\u2212": "-",
    "\u2026": "...",
    "\u00a0": " ",
    "\u2002": " ",
    "\u2003": " ",
    "\u2009": " ",
    "\u200a": " ",
    "\u202f": " ",
    "\u2007": " ",
    "\t": " ",
    "\u2022": "-",
    "\u00b7": "-",
    "\u25cf": "-",
    "\u25aa": "-",
    "\u2023": "-",
    "\u2043": "-",
    "\u00d7": "x",
    "\u2192": "->",
    "\u2190": "<-",
    "\u2264": "<=",
    "\u2265": ">=",
    "\u00b0": " derajat",
    "\u2116": "No.",
    "\u00ae": "(R)",
    "\u00a9": "(C)",
    "\u2122": "(TM)",
    "\u00bd": "1/2",
    "\u00bc": "1/4",
    "\u00be": "3/4",
    "\u00b2": "2",
    "\u00b3": "3",
    "\u00e7": "c",
    "\u00c0": "A",
    "\u00c1": "A",
    "\u00c2": "A",
    "\u00c8": "E",
    "\u00ca": "E",
    "\u00cc": "I",
    "\u00cd": "I",
    "\u00d2": "O",
    "\u00d3": "O",
    "\u00d9": "U",
    "\u00da": "U",
    "\u00e1": "a",
    "\u00e2": "a",
    "\u00e3": "a",
    "\u00ea": "e",
    "\u00eb": "e",
    "\u00ed": "i",
    "\u00ee": "i",
    "\u00ef": "i",
    "\u00f3": "o",
    "\u00f4": "o",
    "\u00f5": "o",
    "\u00fa": "u",
    "\u00fb": "u",
    "\u00fd": "y",
    "\u00ff": "y",
    "\u0131": "i",
    "\r": "",
    "\u200b": "",
    "\u200c": "",
    "\u200d": "",
    "\ufe0f": "",
    "\u2060": "",
    "\ufeff": "",
}


def to_gsm7(text: str) -> str:
    """Transliterate to GSM-7: smart quotes, dashes, ellipsis mapped; emoji and the rest dropped."""
    out: list[str] = []
    for ch in text:
        if ch in GSM7_BASIC or ch in GSM7_EXTENDED:
            out.append(ch)
        elif ch in _MAP:
            out.append(_MAP[ch])
        else:
            base = "".join(
                c for c in unicodedata.normalize("NFKD", ch) if c in GSM7_BASIC or c in _MAP
            )
            out.append("".join(_MAP.get(c, c) for c in base))
    result = "".join(out)
    result = re.sub(r"[ ]{2,}", " ", result)
    result = re.sub(r" +\n", "\n", result)
    result = re.sub(r"\n{3,}", "\n\n", result)
    return result.strip()


def menu_lines(titles: Sequence[str]) -> str:
    return "\n".join(MENU_LINE.format(n=i, title=to_gsm7(t)) for i, t in enumerate(titles, 1))


def fits(text: str, max_segments: int = MAX_SEGMENTS) -> bool:
    return is_gsm7(text) and segment_count(text) <= max_segments


def _longest_prefix(text: str, suffix: str, max_segments: int) -> int:
    # No page holds more than 160 characters per segment: searching further only costs time.
    lo, hi = 1, min(len(text), 160 * max_segments)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(text[:mid] + suffix, max_segments):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _split_to_fit(text: str, suffix: str, max_segments: int) -> list[str]:
    """Greedy split at whitespace; a page (plus `suffix`) never exceeds `max_segments`."""
    pages: list[str] = []
    current = ""
    for token in re.split(r"(\s+)", text):
        candidate = current + token
        if fits(candidate.rstrip() + suffix, max_segments):
            current = candidate
            continue
        if current.strip():
            pages.append(current.rstrip())
        current = token.lstrip()
        while current and not fits(current + suffix, max_segments):
            cut = _longest_prefix(current, suffix, max_segments)  # one absurdly long word
            pages.append(current[:cut])
            current = current[cut:]
    if current.strip():
        pages.append(current.strip())
    return pages


@dataclass
class Rendered:
    """What to send now and what waits for LANJUT."""

    pages: list[str]
    menu: dict[str, str] = field(default_factory=dict)  # "1" -> payload

    @property
    def first(self) -> str:
        return self.pages[0] if self.pages else ""


def render(
    texts: Sequence[str],
    buttons: Sequence[dict[str, str]] | None = None,
    max_segments: int = MAX_SEGMENTS,
) -> Rendered:
    """All of one turn's messages as SMS pages; buttons as one numbered menu on the last page.

    Every page is GSM-7 and at most `max_segments` segments; every page but the last ends with
    the LANJUT hint. The menu is never split from the page it belongs to.
    """
    body = "\n\n".join(t for t in (to_gsm7(x) for x in texts) if t)
    buttons = list(buttons or [])
    menu_text = menu_lines([b.get("title", "") for b in buttons]) if buttons else ""
    menu = {str(i): b.get("payload") or b.get("title", "") for i, b in enumerate(buttons, 1)}
    full = "\n".join(x for x in (body, menu_text) if x)
    if fits(full, max_segments):
        return Rendered([full] if full else [], menu)
    if menu_text and not fits(menu_text, max_segments):
        # Titles too long for one SMS: keep the numbers and shorten the titles.
        short = [b.get("title", "")[:24] for b in buttons]
        menu_text = menu_lines(short)
    pages = _split_to_fit(body, MORE_SUFFIX, max_segments) if body else []
    if menu_text:
        if pages and fits(pages[-1] + "\n" + menu_text, max_segments):
            pages[-1] = pages[-1] + "\n" + menu_text
        else:
            pages.append(menu_text)
    pages = [p + MORE_SUFFIX for p in pages[:-1]] + pages[-1:]
    return Rendered(pages, menu)


# Ticket ids: ADU-XXXX-XXXX (complaints) and PMH-XXXX-XXXX (applications), Crockford base32.
# Matched against the stripped text, with no two `\s*` side by side: the former pattern's
# `\s*:?\s*(...)?\s*$` retried every split of a run of spaces ("CEK" + 2,000 spaces took 6 s).
_STATUS = re.compile(
    r"^(?:STATUS|CEK\s+STATUS|CEK)\s*(?::\s*)?((?:ADU|PMH)[-\s]?[A-Z0-9]{4}[-\s]?[A-Z0-9]{4})?$",
    re.I,
)
KEYWORDS = {
    "MENU": "/help",
    "BANTUAN": "/help",
    "BATAL": "/cancel",
    "PETUGAS": "/request_human",
    "LANJUT": "/faq_more",
}


def keyword_payload(text: str) -> str | None:
    """The Rasa payload for an SMS keyword (MENU, BATAL, PETUGAS, STATUS <id>, LANJUT), or None.

    Only a message that *is* the keyword counts, so "batal nikah" is still read as text.
    """
    word = text.strip().upper().rstrip(".!")
    if word in KEYWORDS:
        return KEYWORDS[word]
    match = _STATUS.match(text.strip())
    if match and text.strip().upper().startswith(("STATUS", "CEK")):
        ticket = match.group(1)
        if not ticket:
            return "/check_status" if word in ("STATUS", "CEK STATUS") else None
        ticket = re.sub(r"[\s-]", "", ticket).upper()
        ticket = f"{ticket[:3]}-{ticket[3:7]}-{ticket[7:]}"
        return '/check_status{"ticket_id": "' + ticket + '"}'
    return None
