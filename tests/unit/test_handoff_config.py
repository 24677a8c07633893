"""Office hours, queue estimate and sensitive-topic matching (layani/policies/handoff.yml)."""

from __future__ import annotations

import datetime as dt

import pytest

from layani.policies.handoff_config import HandoffConfigError, load_config, parse_config

WIB = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture(scope="module")
def conf():
    return load_config()


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=WIB)


def test_office_hours_follow_the_configured_week(conf):
    assert conf.is_open(at(2026, 11, 30, 10, 0))  # Monday 10:00 WIB
    assert not conf.is_open(at(2026, 11, 30, 7, 59))
    assert not conf.is_open(at(2026, 11, 30, 16, 0))  # closing time is exclusive
    assert conf.is_open(at(2026, 12, 4, 16, 15))  # Friday closes at 16:30
    assert not conf.is_open(at(2026, 11, 28, 10, 0))  # Saturday
    assert not conf.is_open(at(2026, 12, 25, 10, 0))  # holiday (Friday)


def test_naive_times_are_read_as_utc(conf):
    # 03:00 UTC is 10:00 WIB on a Monday.
    assert conf.is_open(dt.datetime(2026, 11, 30, 3, 0))


def test_next_opening_skips_weekend_and_holidays(conf):
    friday_evening = at(2026, 11, 27, 17, 0)
    opening = conf.next_opening(friday_evening)
    assert (opening.date(), opening.hour, opening.minute) == (dt.date(2026, 11, 30), 8, 0)
    assert conf.describe_opening(opening) == "Senin, 30 November 2026 pukul 08.00 WIB"
    christmas_eve = at(2026, 12, 24, 18, 0)  # Thursday; Friday 25th is a holiday
    assert conf.next_opening(christmas_eve).date() == dt.date(2026, 12, 28)
    early_monday = at(2026, 11, 30, 6, 30)
    assert conf.next_opening(early_monday).date() == dt.date(2026, 11, 30)


def test_wait_estimate_grows_with_the_queue(conf):
    assert conf.estimated_wait_minutes(1) == 5
    assert conf.estimated_wait_minutes(3) == 15
    assert conf.estimated_wait_minutes(0) == 5


@pytest.mark.parametrize(
    "text",
    [
        "Saya ingin BUNUH  DIRI",
        "aku pengen mati aja",
        "tolong saya diancam tetangga",
        "ibu korban KDRT",
    ],
)
def test_sensitive_keywords_match_whole_words_in_any_case(conf, text):
    assert conf.is_sensitive_text(text)


@pytest.mark.parametrize(
    "text",
    ["mau perpanjang SIM", "pembunuhan karakter di medsos itu istilah", "kdrtx", "", None],
)
def test_ordinary_messages_are_not_sensitive(conf, text):
    assert not conf.is_sensitive_text(text)


def test_sensitive_intent_counts_without_keywords(conf):
    assert conf.is_sensitive("sensitive_topic", "tolong")
    assert not conf.is_sensitive("greet", "halo")


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"office_hours": {"monday": ["08:00", "16:00"]}}, "unknown day"),
        ({"office_hours": {"mon": ["16:00", "08:00"]}}, "closes before"),
        ({"office_hours": {"mon": ["8am", "16:00"]}}, "HH:MM"),
        ({"holidays": ["25-12-2026"]}, "holidays"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
    ],
)
def test_malformed_settings_name_the_field(bad, field):
    with pytest.raises(HandoffConfigError, match=field):
        parse_config(bad)
