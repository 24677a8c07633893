"""The pack contract's limits, each in one place, with the reason it exists.

Shared by the importer (row validation) and the linter (file validation), so a spreadsheet
that imports cleanly also lints cleanly.
"""

from __future__ import annotations

import datetime as dt
import re

from layani.gsm7 import GSM7_BASIC, GSM7_EXTENDED, segment_count

# A problem found by a rule: (what is wrong, how to fix it).
Finding = tuple[str, str]

# DIET and the ResponseSelector need enough phrasings per topic to generalise to the words
# citizens actually type; below ~20 the held-out accuracy of a topic drops sharply.
MIN_EXAMPLES = 20
# FAQ answers on SMS cost at most two segments (ARCHITECTURE.md: channel variants).
SMS_MAX_SEGMENTS = 2
SMS_MAX_CHARS = 306
# Agency and topic ids are used in intent names (`faq/<topic>`), response names and folders.
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,49}$")
DATE_FORMAT = "YYYY-MM-DD"

# Characters staff paste from word processors that silently switch an SMS to UCS-2 (70 chars
# per segment instead of 160), with their GSM-7 replacement.
GSM7_REPLACEMENTS = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u00a0": " ",
    "\u2022": "-",
    "\u00b7": "-",
    "\t": " ",
}


def id_problem(value: str, what: str) -> Finding | None:
    """Why `value` is not a valid agency/topic id, or None."""
    if not value:
        return f"{what} is empty", f"write the {what}"
    if not ID_PATTERN.match(value):
        return (
            f"{what} '{value}' is not a valid id",
            "use 2-50 lowercase letters, digits or '_', starting with a letter (e.g. pasang_baru)",
        )
    return None


def parse_date(value: object) -> dt.date | None:
    """A reviewed date as a date: ISO `YYYY-MM-DD`, or the `DD/MM/YYYY` spreadsheets produce."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def date_problem(value: object, today: dt.date | None = None) -> Finding | None:
    """Why `value` is not a usable reviewed date, or None. Future dates are typos."""
    if value in (None, ""):
        return "reviewed date is missing", f"write the date the answer was checked ({DATE_FORMAT})"
    parsed = parse_date(value)
    if parsed is None:
        return f"reviewed date '{value}' is not a valid date", f"write it as {DATE_FORMAT}"
    if parsed > (today or dt.date.today()):
        return f"reviewed date {parsed.isoformat()} is in the future", "use the date of the check"
    return None


def sms_problems(text: str) -> list[Finding]:
    """Why `text` is not a valid SMS FAQ answer (GSM-7 only, at most two segments)."""
    problems: list[Finding] = []
    if not text.strip():
        return [("SMS answer is empty", "write a short GSM-7 version of the answer")]
    bad = sorted({ch for ch in text if ch not in GSM7_BASIC and ch not in GSM7_EXTENDED})
    if bad:
        shown = ", ".join(
            f"'{ch}' (U+{ord(ch):04X}"
            + (f", use '{GSM7_REPLACEMENTS[ch]}')" if ch in GSM7_REPLACEMENTS else ")")
            for ch in bad
        )
        problems.append(
            (
                f"SMS answer has characters outside GSM-7: {shown}",
                "replace or remove them (no emoji, curly quotes or long dashes): "
                "one such character "
                "makes every segment hold 70 characters instead of 160",
            )
        )
    segments = segment_count(text)
    if segments > SMS_MAX_SEGMENTS:
        problems.append(
            (
                f"SMS answer is {segments} SMS segments ({len(text)} characters)",
                f"shorten it to at most {SMS_MAX_SEGMENTS} segments "
                f"({SMS_MAX_CHARS} GSM-7 characters)",
            )
        )
    return problems


def source_problem(value: object) -> Finding | None:
    if not str(value or "").strip():
        return (
            "source is missing",
            "give the official URL or regulation the answer comes from "
            "(e.g. https://... or 'Perpres 96/2018')",
        )
    return None
