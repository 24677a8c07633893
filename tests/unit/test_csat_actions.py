"""Rating and comment actions (actions/csat.py) against a real SQLite store: what the citizen
gets back, and what is stored, for a digit, a button, a stranger, and a comment."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import Fernet
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import csat
from storage import db, ratings


@pytest.fixture(autouse=True)
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'layani.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("LAYANI_PII_KEY", Fernet.generate_key().decode())
    db.upgrade_database(url)
    yield url
    db.dispose_engines()


def tracker(
    text: str,
    intent: str = "csat_rate",
    sender: str = "+6281234567890",
    input_channel: str = "twilio",
    channel: str = "sms",
    entities: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
) -> Tracker:
    parse = {"intent": {"name": intent, "confidence": 0.9}, "entities": entities or []}
    latest = {"text": text, "metadata": {"channel": channel}, **parse}
    event = {"event": "user", "text": text, "parse_data": parse, "input_channel": input_channel}
    loop = {"name": active_loop} if active_loop else {}
    return Tracker(sender, {}, latest, [event], False, None, loop, "action_listen")


async def run(action, trk: Tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, trk, {})
    return [m.get("response") for m in dispatcher.messages], events


def _ask(owner="phone:+6281234567890", ref="ADU-AAAA-0001", channel="sms"):
    ratings.request_rating(owner, "ticket", ref, "dinas_pupr", channel)


def _is_fallback(events) -> bool:
    return any(e.get("name") == csat.FALLBACK_ACTION for e in events)


@pytest.mark.parametrize(
    "text, score",
    [
        ("4", 4),
        (" 5 ", 5),
        ("1.", 1),
        ("nilai 3", 3),
        ("4 dari 5", 4),
        ("bintang 2", 2),
        ("saya kasih 5 bintang", 5),
        ("Nilai saya 4 ya", 4),
    ],
)
def test_scores_read_from_what_citizens_type(text, score):
    assert csat.score_of(tracker(text)) == score


@pytest.mark.parametrize(
    "text",
    [
        "0",
        "6",
        "9",
        "12",
        "45",
        "nilai 3 atau 4",
        "bagus",
        # The CSAT model classifies this as csat_rate (measured): a digit, but not a rating.
        "lampu mati sudah 3 hari",
        "jalan rusak di rt 3",
        "3 hari",
    ],
)
def test_texts_that_are_not_a_score(text):
    assert csat.score_of(tracker(text)) is None


def test_typed_text_is_read_itself_not_from_a_tagged_digit():
    tagged = [{"entity": "csat_score", "value": "3"}]
    assert csat.score_of(tracker("nilai 3 atau 4", entities=tagged)) is None
    payload = '/csat_rate{"csat_score": "3"}'
    assert csat.score_of(tracker(payload, entities=tagged)) == 3
    assert (
        csat.score_of(tracker(payload, entities=[{"entity": "csat_score", "value": "9"}])) is None
    )


async def test_sms_digit_with_a_pending_question_is_recorded_and_thanked():
    _ask()
    responses, events = await run(csat.ActionCsatRate(), tracker("4"))
    assert responses == ["utter_csat_thanks"] and events == []
    rating = ratings.get_rating("ticket", "ADU-AAAA-0001")
    assert (rating.score, rating.channel, rating.agency) == (4, "sms", "dinas_pupr")


async def test_digit_without_a_question_is_a_normal_message():
    responses, events = await run(csat.ActionCsatRate(), tracker("4"))
    assert responses == [] and _is_fallback(events)
    assert ratings.ratings_for_agency(None) == []


async def test_out_of_range_digit_is_a_normal_message_even_with_a_question():
    _ask()
    responses, events = await run(csat.ActionCsatRate(), tracker("7"))
    assert responses == [] and _is_fallback(events)
    assert ratings.get_rating("ticket", "ADU-AAAA-0001") is None


async def test_button_for_someone_elses_ticket_rates_nothing():
    _ask(owner="telegram:111", ref="ADU-AAAA-0002", channel="telegram")
    entities = [
        {"entity": "csat_score", "value": "1"},
        {"entity": "csat_subject", "value": "ticket:ADU-AAAA-0002"},
    ]
    trk = tracker("/csat_rate", sender="222", input_channel="telegram", entities=entities)
    responses, events = await run(csat.ActionCsatRate(), trk)
    assert _is_fallback(events) and ratings.get_rating("ticket", "ADU-AAAA-0002") is None
    own = tracker("/csat_rate", sender="111", input_channel="telegram", entities=entities)
    responses, _ = await run(csat.ActionCsatRate(), own)
    assert responses == ["utter_csat_thanks"]
    assert ratings.get_rating("ticket", "ADU-AAAA-0002").score == 1


async def test_rest_caller_cannot_pose_as_a_phone_with_metadata():
    _ask()  # asked over SMS: owner phone:+6281234567890
    trk = tracker("4", sender="+6281234567890", input_channel="rest", channel="sms")
    _, events = await run(csat.ActionCsatRate(), trk)
    assert _is_fallback(events) and ratings.get_rating("ticket", "ADU-AAAA-0001") is None


async def test_comment_after_a_rating_is_stored_and_needs_the_keyword_text():
    _ask()
    await run(csat.ActionCsatRate(), tracker("2"))
    responses, _ = await run(csat.ActionCsatComment(), tracker("komentar", "csat_comment"))
    assert responses == ["utter_csat_comment_empty"]
    text = "KOMENTAR: antrean terlalu lama, petugas ramah"
    responses, _ = await run(csat.ActionCsatComment(), tracker(text, "csat_comment"))
    assert responses == ["utter_csat_comment_saved"]
    assert (
        ratings.get_rating("ticket", "ADU-AAAA-0001").comment
        == "antrean terlalu lama, petugas ramah"
    )


async def test_comment_without_a_rating_is_a_normal_message():
    _ask()  # asked, not yet answered
    responses, events = await run(
        csat.ActionCsatComment(), tracker("komentar bagus", "csat_comment")
    )
    assert responses == [] and _is_fallback(events)


async def test_digit_during_a_form_is_never_a_rating():
    _ask()
    _, events = await run(csat.ActionCsatRate(), tracker("1", active_loop="complaint_form"))
    assert _is_fallback(events) and ratings.get_rating("ticket", "ADU-AAAA-0001") is None
