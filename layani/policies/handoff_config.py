"""Handoff settings (`handoff.yml`): office hours, queue estimate, sensitive topics.

Shared by the Rasa server (the policy spots sensitive keywords) and the action server (what the
citizen is told about waiting). Pure functions of the settings and a clock, so they are tested
without a model.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from re import Pattern
from zoneinfo import ZoneInfo

import yaml

from layani.indonesian_dates import format_date

DEFAULT_FILE = Path(__file__).resolve().parent / "handoff.yml"
_DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class HandoffConfigError(ValueError):
    """The handoff settings file is malformed (the message names the field)."""


def _parse_time(value: str, where: str) -> dt.time:
    match = re.fullmatch(r"(\d{1,2})[:.](\d{2})", str(value).strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise HandoffConfigError(f"{where}: expected HH:MM, got {value!r}")
    return dt.time(int(match.group(1)), int(match.group(2)))


def _keyword_pattern(keywords: list[str]) -> Pattern[str] | None:
    words = [re.escape(" ".join(k.lower().split())) for k in keywords if str(k).strip()]
    if not words:
        return None
    # Spaces inside a keyword match any run of whitespace; \b keeps "kdrt" out of other words.
    body = "|".join(w.replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"\b(?:{body})\b", re.IGNORECASE)


@dataclass(frozen=True)
class HandoffConfig:
    timezone: ZoneInfo
    timezone_label: str
    office_hours: dict[int, tuple[dt.time, dt.time]]  # weekday (Mon=0) -> (open, close)
    holidays: frozenset[dt.date]
    minutes_per_conversation: int
    default_agency: str
    sensitive_intents: frozenset[str]
    sensitive_keywords: tuple[str, ...] = field(default=())
    _pattern: Pattern[str] | None = field(default=None, repr=False, compare=False)

    def is_sensitive_text(self, text: str | None) -> bool:
        return bool(text and self._pattern and self._pattern.search(text))

    def is_sensitive(self, intent: str | None, text: str | None) -> bool:
        return (intent in self.sensitive_intents) or self.is_sensitive_text(text)

    def local(self, now: dt.datetime | None = None) -> dt.datetime:
        """`now` (aware, or naive UTC) in the office time zone."""
        now = now or dt.datetime.now(dt.timezone.utc)
        if now.tzinfo is None:
            now = now.replace(tzinfo=dt.timezone.utc)
        return now.astimezone(self.timezone)

    def is_open(self, now: dt.datetime | None = None) -> bool:
        local = self.local(now)
        hours = self.office_hours.get(local.weekday())
        if hours is None or local.date() in self.holidays:
            return False
        return hours[0] <= local.time() < hours[1]

    def next_opening(self, now: dt.datetime | None = None) -> dt.datetime:
        """The next time officers start work after `now` (local time zone)."""
        local = self.local(now)
        for days_ahead in range(0, 60):
            day = local.date() + dt.timedelta(days=days_ahead)
            hours = self.office_hours.get(day.weekday())
            if hours is None or day in self.holidays:
                continue
            opening = dt.datetime.combine(day, hours[0], tzinfo=self.timezone)
            if opening > local:
                return opening
        raise HandoffConfigError("no office hours in the next 60 days")

    def describe_opening(self, moment: dt.datetime) -> str:
        """E.g. "Senin, 30 November 2026 pukul 08.00 WIB" (citizen-facing, Indonesian)."""
        return (
            f"{format_date(moment.date(), with_day=True)} "
            f"pukul {moment:%H.%M} {self.timezone_label}"
        )

    def estimated_wait_minutes(self, position: int) -> int:
        """Position x minutes per conversation, rounded up to 5 (never below 5)."""
        raw = max(1, position) * self.minutes_per_conversation
        return max(5, int(math.ceil(raw / 5.0)) * 5)


def parse_config(data: dict) -> HandoffConfig:
    try:
        zone = ZoneInfo(str(data.get("timezone", "Asia/Jakarta")))
    except Exception as exc:  # ZoneInfoNotFoundError or a bad key type
        raise HandoffConfigError(f"timezone: {exc}") from exc
    hours: dict[int, tuple[dt.time, dt.time]] = {}
    for key, value in (data.get("office_hours") or {}).items():
        if key not in _DAY_KEYS:
            raise HandoffConfigError(
                f"office_hours: unknown day {key!r} (use {', '.join(_DAY_KEYS)})"
            )
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise HandoffConfigError(f"office_hours.{key}: expected [open, close]")
        opening = _parse_time(value[0], f"office_hours.{key}")
        closing = _parse_time(value[1], f"office_hours.{key}")
        if closing <= opening:
            raise HandoffConfigError(f"office_hours.{key}: closes before it opens")
        hours[_DAY_KEYS.index(key)] = (opening, closing)
    try:
        holidays = frozenset(dt.date.fromisoformat(str(d)) for d in data.get("holidays") or [])
    except ValueError as exc:
        raise HandoffConfigError(f"holidays: {exc}") from exc
    sensitive = data.get("sensitive") or {}
    keywords = tuple(str(k) for k in sensitive.get("keywords") or [])
    return HandoffConfig(
        timezone=zone,
        timezone_label=str(data.get("timezone_label", "WIB")),
        office_hours=hours,
        holidays=holidays,
        minutes_per_conversation=int(data.get("minutes_per_conversation", 5)),
        default_agency=str(data.get("default_agency", "umum")),
        sensitive_intents=frozenset(sensitive.get("intents") or []),
        sensitive_keywords=keywords,
        _pattern=_keyword_pattern(list(keywords)),
    )


@lru_cache(maxsize=8)
def load_config(path: str | None = None) -> HandoffConfig:
    """Settings from `path`, else `LAYANI_HANDOFF_CONFIG`, else the bundled `handoff.yml`."""
    if path is None:
        from layani import settings

        path = settings.load().handoff_config or str(DEFAULT_FILE)
    file = Path(path)
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise HandoffConfigError(f"cannot read handoff settings {file}: {exc}") from exc
    return parse_config(data)
