"""Indonesian date phrases and appointment rules, always against a fixed `today`."""

from __future__ import annotations

import datetime as dt

import pytest

from layani.validators.dates import (
    ImpossibleDate,
    format_date_id,
    parse_time,
    parse_when,
    validate_appointment_date,
    validate_birth_date,
    validate_session,
)

WEDNESDAY = dt.date(2026, 11, 25)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("besok", dt.date(2026, 11, 26)),
        ("lusa", dt.date(2026, 11, 27)),  # dateparser 1.1.8 returns None
        ("besok lusa", dt.date(2026, 11, 27)),
        ("hari ini", WEDNESDAY),
        ("Senin depan", dt.date(2026, 11, 30)),  # dateparser 1.1.8 returns None
        ("senin", dt.date(2026, 11, 30)),
        ("Rabu depan", dt.date(2026, 12, 2)),  # same weekday: a week later, never today
        ("rabu ini", WEDNESDAY),
        ("Jum'at depan", dt.date(2026, 11, 27)),
        ("kamis minggu depan", dt.date(2026, 12, 3)),
        ("hari minggu", dt.date(2026, 11, 29)),
        ("12 Januari", dt.date(2027, 1, 12)),  # next 12 January
        ("12 jan 2027", dt.date(2027, 1, 12)),
        ("tgl 3 desember", dt.date(2026, 12, 3)),
        ("12/1/2026", dt.date(2026, 1, 12)),  # day first, as Indonesians write it
        ("12-01-2026", dt.date(2026, 1, 12)),
        ("1/12", dt.date(2026, 12, 1)),
        ("2026-12-01", dt.date(2026, 12, 1)),
        ("3 hari lagi", dt.date(2026, 11, 28)),
        ("seminggu lagi", dt.date(2026, 12, 2)),
    ],
)
def test_date_phrases(text, expected):
    assert parse_when(text, WEDNESDAY).date == expected


@pytest.mark.parametrize(
    "text, hour, minute",
    [
        ("jam 9 pagi", 9, 0),
        ("jam 3 sore", 15, 0),  # dateparser 1.1.8 reads "jam 3" as 3 March
        ("jam 1 siang", 13, 0),
        ("jam 11 siang", 11, 0),
        ("jam 7 malam", 19, 0),
        ("pukul 10.30", 10, 30),
        ("jam 2", 14, 0),  # office hours
        ("15.00 WIB", 15, 0),
    ],
)
def test_time_phrases(text, hour, minute):
    assert parse_time(text).time == dt.time(hour, minute)


def test_date_and_time_together_and_time_is_not_a_day():
    when = parse_when("lusa jam 3 sore", WEDNESDAY)
    assert when.date == dt.date(2026, 11, 27) and when.time == dt.time(15, 0)
    assert parse_when("jam 3 sore", WEDNESDAY).date is None


@pytest.mark.parametrize("text", ["31 Februari", "30/2/2027", "29 februari 2027", "32/1/2027"])
def test_impossible_dates(text):
    with pytest.raises(ImpossibleDate):
        parse_when(text, WEDNESDAY)
    assert validate_appointment_date(text, WEDNESDAY).error == "utter_invalid_date_impossible"


def test_vague_and_unreadable():
    assert validate_appointment_date("minggu depan", WEDNESDAY).error == "utter_invalid_date_vague"
    assert validate_appointment_date("bulan depan", WEDNESDAY).error == "utter_invalid_date_vague"
    assert (
        validate_appointment_date("kapan saja", WEDNESDAY).error
        == "utter_invalid_date_unrecognised"
    )


def test_appointment_accepts_a_working_day_in_the_window():
    result = validate_appointment_date("besok", WEDNESDAY)
    assert result.ok and result.value == "2026-11-26"
    with_time = validate_appointment_date("Senin depan jam 9 pagi", WEDNESDAY)
    assert with_time.value == "2026-11-30" and with_time.info == {"session": "pagi"}
    assert validate_appointment_date("lusa jam 3 sore", WEDNESDAY).info == {"session": "siang"}


def test_appointment_never_in_the_past_today_or_beyond_the_window():
    past = validate_appointment_date("kemarin", WEDNESDAY)
    assert past.error == "utter_invalid_appointment_past"
    assert past.params == {"date": "Selasa, 24 November 2026"}
    assert (
        validate_appointment_date("12/1/2026", WEDNESDAY).error == "utter_invalid_appointment_past"
    )
    today = validate_appointment_date("hari ini", WEDNESDAY)
    assert today.error == "utter_invalid_appointment_window"
    assert today.params["first"] == "Kamis, 26 November 2026"
    far = validate_appointment_date("12 Januari", WEDNESDAY)
    assert far.error == "utter_invalid_appointment_window"
    assert far.params["last"] == "Jumat, 25 Desember 2026"


def test_weekends_and_national_holidays_are_refused_with_the_next_working_day():
    saturday = validate_appointment_date("sabtu", WEDNESDAY)
    assert saturday.error == "utter_invalid_appointment_weekend"
    assert saturday.params == {
        "date": "Sabtu, 28 November 2026",
        "next_date": "Senin, 30 November 2026",
    }
    christmas_eve = validate_appointment_date("24 Desember", WEDNESDAY)  # cuti bersama 2026
    assert christmas_eve.error == "utter_invalid_appointment_holiday"
    assert christmas_eve.params["holiday"] == "Kelahiran Yesus Kristus"
    assert christmas_eve.params["next_date"] == "Senin, 28 Desember 2026"  # 25th holiday, weekend
    new_year = validate_appointment_date("1 Januari", dt.date(2026, 12, 20))
    assert new_year.error == "utter_invalid_appointment_holiday"


@pytest.mark.parametrize(
    "text, session",
    [
        ("pagi", "pagi"),
        ("Siang", "siang"),
        ("1", "pagi"),
        ("2", "siang"),
        ("jam 9 pagi", "pagi"),
        ("jam 1 siang", "siang"),
        ("jam 3 sore", "siang"),
        ("sesi siang aja", "siang"),
    ],
)
def test_sessions(text, session):
    assert validate_session(text).value == session


def test_sessions_outside_service_hours():
    late = validate_session("jam 5 sore")
    assert late.error == "utter_invalid_session_hours" and late.params == {"time": "17.00"}
    assert validate_session("jam 6 pagi").error == "utter_invalid_session_hours"
    assert validate_session("malam").error == "utter_invalid_session_hours"
    assert validate_session("terserah").error == "utter_invalid_session"


def test_birth_dates():
    assert validate_birth_date("3 Oktober 2026", WEDNESDAY).value == "2026-10-03"
    assert validate_birth_date("12 januari", WEDNESDAY).value == "2026-01-12"  # last one, not next
    assert validate_birth_date("kemarin", WEDNESDAY).value == "2026-11-24"
    assert validate_birth_date("17/8/1990", WEDNESDAY).value == "1990-08-17"
    assert validate_birth_date("1/1/2027", WEDNESDAY).error == "utter_invalid_birth_date_future"
    assert (
        validate_birth_date("1 Januari 1890", WEDNESDAY).error == "utter_invalid_birth_date_too_old"
    )
    assert (
        validate_birth_date("30 Februari 2020", WEDNESDAY).error == "utter_invalid_date_impossible"
    )
    assert (
        validate_birth_date("entahlah", WEDNESDAY).error == "utter_invalid_birth_date_unrecognised"
    )


def test_format_date_id():
    assert format_date_id(dt.date(2027, 1, 12)) == "Selasa, 12 Januari 2027"
    assert format_date_id(dt.date(2027, 1, 12), with_day=False) == "12 Januari 2027"
