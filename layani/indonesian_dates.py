"""How dates are written for citizens, in one place: "Senin, 12 Januari 2026".

Python's %A/%B depend on the machine's locale, which is rarely id_ID on servers, so month and
day names are spelled out here and used by every message that shows a date.
"""

from __future__ import annotations

import datetime as dt

MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


def format_date(value: dt.date, with_day: bool = False) -> str:
    """ "12 Januari 2026", or "Senin, 12 Januari 2026" with `with_day`."""
    text = f"{value.day} {MONTHS[value.month - 1]} {value.year}"
    return f"{DAYS[value.weekday()]}, {text}" if with_day else text
