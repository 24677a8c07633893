"""Dates and times written in Indonesian, and the rules for booking an office appointment.

dateparser 1.1.8 (pinned by Rasa's `regex` pin) returns None for "lusa", "Senin depan" and
"jam 3 sore", and reads "12/1" month-first unless told otherwise (../shared/notes/indonesian.md
§3). So a small regex layer handles the everyday phrases first, always relative to an explicit
`today` (tests pass a fixed date), and dateparser with `DATE_ORDER=DMY` is only the fallback.

Interpretations (shown back to the citizen as a full date before anything is stored):
- "besok" +1, "lusa"/"besok lusa" +2, "N hari lagi" +N, "seminggu lagi" +7;
- "Senin" / "Senin depan": the next Monday after today; "Senin ini": this week's Monday
  (today counts); "Senin minggu depan": Monday of next calendar week;
- "minggu depan" / "bulan depan" alone are too vague for a booking and get a specific reply;
- "12 Januari" without a year: the next 12 January for appointments, the last one for births;
- "jam 9 pagi" 09:00, "jam 1 siang" 13:00, "jam 3 sore" 15:00, "jam 7 malam" 19:00; a bare
  "jam 2" is read as office hours (14:00), since offices are closed at 2 a.m.

Bounded work: the answer is citizen text from the open internet. dateparser takes time cubic in
a digit run (400 digits 0.3 s, 4,000 digits 190 s, then a ValueError), so it only sees phrases of
at most MAX_DATEPARSER_CHARS characters without a digit run longer than a date's, and its errors
count as "not a date". The patterns have no adjacent optional parts that could backtrack.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from layani.indonesian_dates import format_date
from layani.validators.result import Result

_MONTH_WORDS = {
    "januari": 1,
    "jan": 1,
    "februari": 2,
    "pebruari": 2,
    "feb": 2,
    "peb": 2,
    "maret": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "mei": 5,
    "juni": 6,
    "jun": 6,
    "juli": 7,
    "jul": 7,
    "agustus": 8,
    "agu": 8,
    "agt": 8,
    "ags": 8,
    "agust": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "oktober": 10,
    "okt": 10,
    "oct": 10,
    "november": 11,
    "nopember": 11,
    "nov": 11,
    "nop": 11,
    "desember": 12,
    "des": 12,
    "dec": 12,
}
_DAY_WORDS = {
    "senin": 0,
    "selasa": 1,
    "rabu": 2,
    "kamis": 3,
    "jumat": 4,
    "jum'at": 4,
    "jumaat": 4,
    "sabtu": 5,
    "minggu": 6,
    "ahad": 6,
}
_MONTH_RE = "|".join(sorted(_MONTH_WORDS, key=len, reverse=True))
_DAY_RE = "|".join(sorted((re.escape(d) for d in _DAY_WORDS), key=len, reverse=True))

_TIME = re.compile(
    r"\b(?:jam|pukul|pkl\.?)\s*(\d{1,2})(?:[.:](\d{2}))?\s*(?:wib\s*)?"
    r"(pagi|siang|sore|petang|malam)?\b"
)
_CLOCK = re.compile(r"\b(\d{1,2})[:.](\d{2})\s*(wib|wita|wit)?\b")
_PERIOD = re.compile(r"\b(pagi|siang|sore|petang|malam)\b")
_TEXT_DATE = re.compile(
    rf"\b(\d{{1,2}})\s*(?:-|\s)\s*({_MONTH_RE})\.?(?:\s*(?:-|\s)\s*(\d{{4}}|\d{{2}}))?\b"
)
_TEXT_DATE_TIGHT = re.compile(rf"\b(\d{{1,2}})({_MONTH_RE})(\d{{4}})?\b")
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[/\-](\d{1,2})(?:[/\-](\d{4}|\d{2}))?\b")
_DOTTED_DATE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})\b")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_IN_DAYS = re.compile(
    r"\b(\d{1,2}|se)\s*(hari|minggu|pekan)\s+(?:lagi|ke\s*depan|dari\s+sekarang)\b"
)
_DAYS_AGO = re.compile(r"\b(\d{1,3})\s*(hari|minggu|bulan|tahun)\s+(?:yang\s+)?lalu\b")
_WEEKDAY = re.compile(
    rf"\b(?:hari\s+)?({_DAY_RE})\b(?:\s+(ini|depan|besok|minggu\s+depan|pekan\s+depan))?"
)
_VAGUE = re.compile(
    r"\b(minggu|pekan|bulan|tahun)\s+(depan|ini|lalu)\b|\b(akhir|awal)\s+(bulan|minggu|tahun)\b"
)

SESSIONS = {"pagi": (dt.time(8, 0), dt.time(12, 0)), "siang": (dt.time(13, 0), dt.time(15, 0))}


@dataclass(frozen=True)
class When:
    """What a phrase said: a date, a clock time, a part of day, or that it was too vague."""

    date: dt.date | None = None
    time: dt.time | None = None
    period: str | None = None
    vague: bool = False


# What dateparser may see: a phrase a date fits in, without a digit run longer than "20200305".
MAX_DATEPARSER_CHARS = 100
_LONG_DIGIT_RUN = re.compile(r"\d{9}")


def _normalise(text: str) -> str:
    text = (text or "").lower().replace("’", "'").replace("`", "'")
    # Not `\s*'?\s*`: two adjacent `\s*` retry every split of a long run of spaces.
    text = re.sub(r"\bjum\s*(?:'\s*)?at\b", "jumat", text)
    text = re.sub(r"\btgl\.?\b", "tanggal", text)
    return re.sub(r"\s+", " ", text).strip()


def _to_24h(hour: int, minute: int, period: str | None) -> dt.time | None:
    if hour > 24 or minute > 59:
        return None
    if period == "pagi" and hour == 12:
        hour = 0
    elif period == "siang" and 1 <= hour <= 6:
        hour += 12
    elif period in ("sore", "petang") and hour < 12:
        hour += 12
    elif period == "malam":
        hour = 0 if hour == 12 else hour + 12 if hour < 12 else hour
    elif period is None and 1 <= hour <= 6:
        hour += 12  # office hours: "jam 2" is two in the afternoon
    if hour == 24:
        hour = 0
    return dt.time(hour, minute)


def parse_time(text: str) -> When:
    """The clock time ("jam 3 sore" -> 15:00) or part of day ("pagi") in a phrase, if any."""
    norm = _normalise(text)
    match = _TIME.search(norm)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        return When(time=_to_24h(hour, minute, match.group(3)), period=match.group(3))
    period = _PERIOD.search(norm)
    period_word = period.group(1) if period else None
    clock = _CLOCK.search(norm)
    if clock and not _DOTTED_DATE.search(norm):
        hour, minute = int(clock.group(1)), int(clock.group(2))
        if hour <= 24 and minute <= 59 and (clock.group(3) or hour > 12 or period_word):
            return When(time=_to_24h(hour, minute, period_word), period=period_word)
    return When(period=period_word)


def _year_for(day: int, month: int, today: dt.date, prefer: str) -> dt.date | None:
    """A date for day/month without a year: the next one (future) or the last one (past)."""
    for year in (today.year, today.year + 1, today.year - 1):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if prefer == "future" and candidate >= today:
            return candidate
        if prefer == "past" and candidate <= today:
            return candidate
    # 29 February in a year where it exists nearest to today.
    for offset in range(1, 8):
        year = today.year + offset if prefer == "future" else today.year - offset
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    return None


def _full_year(raw: str) -> int:
    year = int(raw)
    if len(raw) == 2:
        year += 2000 if year <= 69 else 1900
    return year


def _make(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


class ImpossibleDate(ValueError):
    """The phrase names a calendar date that does not exist ("31 Februari")."""


def _explicit_date(norm: str, today: dt.date, prefer: str) -> dt.date | None:
    for pattern in (_ISO_DATE,):
        m = pattern.search(norm)
        if m:
            value = _make(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if value is None:
                raise ImpossibleDate(m.group(0))
            return value
    for pattern in (_TEXT_DATE, _TEXT_DATE_TIGHT):
        m = pattern.search(norm)
        if m:
            day, month = int(m.group(1)), _MONTH_WORDS[m.group(2)]
            return _day_month_year(day, month, m.group(3), today, prefer, m.group(0))
    for pattern in (_NUMERIC_DATE, _DOTTED_DATE):
        m = pattern.search(norm)
        if m:
            day, month = int(m.group(1)), int(m.group(2))
            return _day_month_year(day, month, m.group(3), today, prefer, m.group(0))
    return None


def _day_month_year(
    day: int, month: int, year: str | None, today: dt.date, prefer: str, raw: str
) -> dt.date:
    if year:
        value = _make(_full_year(year), month, day)
    elif 1 <= month <= 12 and 1 <= day <= 31 and _make(2024, month, day):  # 2024: leap year
        value = _year_for(day, month, today, prefer)
    else:
        value = None
    if value is None:
        raise ImpossibleDate(raw)
    return value


def _relative_date(norm: str, today: dt.date) -> dt.date | None:
    if re.search(r"\bkemarin\s+lusa\b", norm):
        return today - dt.timedelta(days=2)
    if re.search(r"\b(besok\s+)?lusa\b", norm):
        return today + dt.timedelta(days=2)
    if re.search(r"\b(besok|besuk|bsk|esok)\b", norm) and not _WEEKDAY.search(norm):
        return today + dt.timedelta(days=1)
    if re.search(r"\bkemarin\b", norm):
        return today - dt.timedelta(days=1)
    if re.search(r"\b(hari ini|sekarang|saat ini)\b", norm):
        return today
    m = _IN_DAYS.search(norm)
    if m:
        count = 1 if m.group(1) == "se" else int(m.group(1))
        return today + dt.timedelta(days=count * (1 if m.group(2) == "hari" else 7))
    m = _DAYS_AGO.search(norm)
    if m and m.group(2) in ("hari", "minggu"):
        return today - dt.timedelta(days=int(m.group(1)) * (1 if m.group(2) == "hari" else 7))
    return None


def _weekday_date(norm: str, today: dt.date) -> dt.date | None:
    for m in _WEEKDAY.finditer(norm):
        word, qualifier = m.group(1), (m.group(2) or "")
        # "minggu depan" without "hari" means "next week", not "Sunday".
        if word == "minggu" and not m.group(0).startswith("hari") and qualifier in ("depan", "ini"):
            continue
        weekday = _DAY_WORDS[word]
        if qualifier.endswith(("minggu depan", "pekan depan")):
            monday_next_week = today + dt.timedelta(days=7 - today.weekday())
            return monday_next_week + dt.timedelta(days=weekday)
        ahead = (weekday - today.weekday()) % 7
        if qualifier == "ini":
            return today + dt.timedelta(days=ahead)
        return today + dt.timedelta(days=ahead or 7)
    return None


def _dateparser_fallback(text: str, today: dt.date, prefer: str) -> dt.date | None:
    """dateparser's reading of a short phrase; None for long text (see the module doc)."""
    if len(text) > MAX_DATEPARSER_CHARS or _LONG_DIGIT_RUN.search(text):
        return None
    import dateparser

    base = dt.datetime.combine(today, dt.time(12, 0))
    try:
        parsed = dateparser.parse(
            text,
            languages=["id", "en"],
            settings={
                "RELATIVE_BASE": base,
                "DATE_ORDER": "DMY",
                "PREFER_DATES_FROM": prefer,
                "PREFER_DAY_OF_MONTH": "first",
                "REQUIRE_PARTS": ["day"],
            },
        )
    except (ValueError, OverflowError, ArithmeticError):  # a library bug is "not a date"
        return None
    return parsed.date() if parsed else None


def parse_when(text: str, today: dt.date, prefer: str = "future") -> When:
    """Read a date (and a time, if given) from an Indonesian phrase, relative to ``today``.

    Raises:
        ImpossibleDate: the phrase names a day that does not exist, such as 31 Februari.
    """
    norm = _normalise(text)
    clock = parse_time(norm)
    # Remove the time so "jam 3" is never read as a day of the month.
    without_time = _TIME.sub(" ", norm)
    date = _explicit_date(without_time, today, prefer)
    if date is None:
        date = _relative_date(without_time, today)
    if date is None:
        date = _weekday_date(without_time, today)
    if date is None and _VAGUE.search(without_time):
        return When(vague=True, time=clock.time, period=clock.period)
    if date is None and re.search(r"\d|[a-z]{3,}", without_time):
        date = _dateparser_fallback(without_time, today, prefer)
    return When(date=date, time=clock.time, period=clock.period)


def format_date_id(value: dt.date, with_day: bool = True) -> str:
    """ "Senin, 12 Januari 2026": how dates are shown back to citizens."""
    return format_date(value, with_day=with_day)


def _holiday_name(day: dt.date) -> str | None:
    """The national holiday or cuti bersama on ``day`` (SKB 3 Menteri data in lokal-id)."""
    from lokal.holidays import holidays_on

    try:
        found = holidays_on(day)
    except ValueError:  # no official list for that year yet: only weekends are known
        return None
    return found[0].name if found else None


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and _holiday_name(day) is None


def next_working_day(day: dt.date) -> dt.date:
    day += dt.timedelta(days=1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def session_for_time(value: dt.time) -> str | None:
    """Which service session a clock time falls in; None outside service hours."""
    if SESSIONS["pagi"][0] <= value < SESSIONS["pagi"][1]:
        return "pagi"
    if SESSIONS["pagi"][1] <= value <= SESSIONS["siang"][1]:
        return "siang"  # arriving during the 12-13 break means the afternoon session
    return None


def validate_appointment_date(
    text: str, today: dt.date, min_days: int = 1, max_days: int = 30
) -> Result:
    """A working day inside the booking window. ``info`` carries a session if a time was given."""
    try:
        when = parse_when(text, today, prefer="future")
    except ImpossibleDate as exc:
        return Result.invalid("utter_invalid_date_impossible", text=str(exc))
    if when.vague:
        return Result.invalid("utter_invalid_date_vague")
    if when.date is None:
        return Result.invalid("utter_invalid_date_unrecognised")
    day = when.date
    first, last = today + dt.timedelta(days=min_days), today + dt.timedelta(days=max_days)
    if day < today:
        return Result.invalid("utter_invalid_appointment_past", date=format_date_id(day))
    if day < first or day > last:
        return Result.invalid(
            "utter_invalid_appointment_window",
            date=format_date_id(day),
            first=format_date_id(next_working_day(first - dt.timedelta(days=1))),
            last=format_date_id(last),
        )
    if day.weekday() >= 5:
        return Result.invalid(
            "utter_invalid_appointment_weekend",
            date=format_date_id(day),
            next_date=format_date_id(next_working_day(day)),
        )
    holiday = _holiday_name(day)
    if holiday:
        return Result.invalid(
            "utter_invalid_appointment_holiday",
            date=format_date_id(day),
            holiday=holiday,
            next_date=format_date_id(next_working_day(day)),
        )
    info = {}
    session = _session_from_when(when)
    if session:
        info["session"] = session
    return Result.valid(day.isoformat(), **info)


def _session_from_when(when: When) -> str | None:
    if when.time is not None:
        return session_for_time(when.time)
    if when.period in ("pagi", "siang"):
        return when.period
    return None


def validate_session(text: str) -> Result:
    """ "pagi"/"siang", a button payload, "1"/"2", or a time such as "jam 9 pagi"."""
    norm = _normalise(text)
    if norm in ("1", "pagi") or re.fullmatch(r"(sesi\s+)?pagi.*", norm):
        return Result.valid("pagi")
    if norm in ("2", "siang") or re.fullmatch(r"(sesi\s+)?siang.*", norm):
        return Result.valid("siang")
    when = parse_time(norm)
    if when.time is not None:
        session = session_for_time(when.time)
        if session is None:
            return Result.invalid("utter_invalid_session_hours", time=when.time.strftime("%H.%M"))
        return Result.valid(session)
    if when.period in ("pagi", "siang"):
        return Result.valid(when.period)
    if when.period in ("sore", "petang", "malam"):
        return Result.invalid("utter_invalid_session_hours", time=when.period)
    return Result.invalid("utter_invalid_session")


def validate_birth_date(text: str, today: dt.date, max_age_years: int = 120) -> Result:
    """A real date of birth: not in the future, not impossibly long ago."""
    try:
        when = parse_when(text, today, prefer="past")
    except ImpossibleDate as exc:
        return Result.invalid("utter_invalid_date_impossible", text=str(exc))
    if when.date is None or when.vague:
        return Result.invalid("utter_invalid_birth_date_unrecognised")
    if when.date > today:
        return Result.invalid("utter_invalid_birth_date_future", date=format_date_id(when.date))
    if when.date.year < today.year - max_age_years:
        return Result.invalid("utter_invalid_birth_date_too_old", date=format_date_id(when.date))
    return Result.valid(when.date.isoformat())
