"""Due dates: a per-category time limit in working days, counted in Indonesian working time.

Citizens are promised "N hari kerja". Days are counted from the day after the report in WIB
(Asia/Jakarta), skipping Saturdays, Sundays and, for years `lokal-id` has a calendar for,
national holidays and cuti bersama (SKB 3 Menteri). The due time is the end of that working
day (23:59 WIB), stored as naive UTC like every other time.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import yaml

from layani import settings

WIB = dt.timezone(dt.timedelta(hours=7), "WIB")
DEFAULT_SLA_FILE = Path(__file__).resolve().parent / "sla.yml"


@lru_cache(maxsize=8)
def _load_file(path: str) -> dict[str, int]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return {str(k): int(v) for k, v in (data.get("categories") or {}).items()}


def sla_days(category: str) -> int:
    """Working days allowed for `category`: the SLA file's entry, else the default."""
    conf = settings.load()
    categories = _load_file(conf.sla_file or str(DEFAULT_SLA_FILE))
    if category in categories:
        return categories[category]
    return conf.sla_default_days


def is_working_day(day: dt.date) -> bool:
    if day.weekday() >= 5:
        return False
    try:
        import lokal

        if day.year in lokal.HOLIDAY_YEARS:
            return bool(lokal.is_working_day(day))
    except ImportError:  # the calendar is an improvement, not a requirement
        pass
    return True


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (`start` itself is not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    remaining = days
    while remaining > 0:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def due_at(created_utc: dt.datetime, days: int) -> dt.datetime:
    """Naive-UTC end of the working day that is `days` working days after `created_utc`."""
    local_day = created_utc.replace(tzinfo=dt.timezone.utc).astimezone(WIB).date()
    due_day = add_working_days(local_day, days)
    end_local = dt.datetime.combine(due_day, dt.time(23, 59), tzinfo=WIB)
    return end_local.astimezone(dt.timezone.utc).replace(tzinfo=None)


def local_date(utc_naive: dt.datetime) -> dt.date:
    """The WIB calendar date of a naive-UTC time (what citizens are shown)."""
    return utc_naive.replace(tzinfo=dt.timezone.utc).astimezone(WIB).date()
