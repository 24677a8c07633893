"""Ratings storage (storage/ratings.py): one rating per subject, replacement, the 7-day window,
score bounds, sealed comments, agency scoping, and the question sent after a finished complaint."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from layani.gsm7 import is_gsm7, segment_count
from layani.notify import render_message
from services import ticket_status
from storage import db, ratings, tickets

PHONE_OWNER = "phone:+6281234567890"


@pytest.fixture()
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'layani.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("LAYANI_PII_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("RASA_URL", "http://127.0.0.1:9")  # nothing listens
    monkeypatch.setenv("LAYANI_OUTBOUND_TOKEN", "rahasia-uji")
    db.upgrade_database(url)
    yield url
    db.dispose_engines()


def _raw(url: str, sql: str) -> list[tuple]:
    with db.get_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


def test_one_rating_per_subject_and_a_later_one_replaces_it(database):
    ratings.record_rating("ticket", "ADU-AAAA-1111", 2, "sms", agency="dinas_pupr")
    ratings.record_rating("handoff", "ADU-AAAA-1111", 5, "telegram", agency="dinas_pupr")
    ratings.record_rating("ticket", "ADU-AAAA-1111", 4, "sms")
    rows = _raw(
        database, "SELECT subject_kind, subject_ref, score, agency FROM ratings ORDER BY id"
    )
    assert rows == [
        ("ticket", "ADU-AAAA-1111", 4, "dinas_pupr"),
        ("handoff", "ADU-AAAA-1111", 5, "dinas_pupr"),
    ]


def test_replacing_the_score_keeps_the_earlier_comment(database):
    ratings.record_rating("ticket", "ADU-AAAA-2222", 1, "sms", comment="lambat sekali")
    view = ratings.record_rating("ticket", "ADU-AAAA-2222", 3, "sms")
    assert (view.score, view.comment) == (3, "lambat sekali")


@pytest.mark.parametrize("score", [0, 6, -1, "4", 4.0, True, None])
def test_scores_outside_one_to_five_are_refused(database, score):
    with pytest.raises(ratings.InvalidRating):
        ratings.record_rating("ticket", "ADU-AAAA-3333", score, "sms")
    assert _raw(database, "SELECT COUNT(*) FROM ratings") == [(0,)]


def test_the_database_itself_refuses_a_score_of_nine(database):
    with pytest.raises(sa.exc.IntegrityError), db.get_engine(database).begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO ratings (subject_kind, subject_ref, score, channel, created_at,"
                " updated_at) VALUES ('ticket', 'X', 9, 'sms', '2026-01-01', '2026-01-01')"
            )
        )


def test_unknown_subject_kind_is_refused(database):
    with pytest.raises(ratings.InvalidRating):
        ratings.record_rating("application", "PMH-AAAA-1111", 4, "sms")


def test_comment_is_sealed_in_the_database_and_opened_for_staff(database):
    secret = "Petugas Budi, HP 081234567890, sangat membantu"
    ratings.record_rating("ticket", "ADU-AAAA-4444", 5, "sms", agency="dinas_pupr", comment=secret)
    [(stored,)] = _raw(database, "SELECT comment FROM ratings")
    assert stored and secret not in stored and "081234567890" not in stored
    [view] = ratings.ratings_for_agency(["dinas_pupr"])
    assert view.comment == secret


def test_requests_hold_no_phone_number_in_clear(database):
    ratings.request_rating(PHONE_OWNER, "ticket", "ADU-AAAA-5555", "dinas_pupr", "sms")
    dump = json.dumps(_raw(database, "SELECT * FROM rating_requests"), default=str)
    assert "81234567890" not in dump
    assert ratings.pending_for(PHONE_OWNER) is not None


def test_request_is_answerable_for_seven_days_only(database):
    asked = dt.datetime(2026, 12, 1, 8, 0)
    ratings.request_rating(PHONE_OWNER, "ticket", "ADU-AAAA-6666", "dinas_pupr", "sms", now=asked)
    almost = asked + dt.timedelta(days=7) - dt.timedelta(seconds=1)
    assert ratings.pending_for(PHONE_OWNER, now=almost).subject_ref == "ADU-AAAA-6666"
    assert ratings.pending_for(PHONE_OWNER, now=asked + dt.timedelta(days=7)) is None
    assert ratings.purge_expired_requests(now=asked + dt.timedelta(days=8)) == 1


def test_a_citizen_cannot_answer_someone_elses_request(database):
    ratings.request_rating(PHONE_OWNER, "ticket", "ADU-AAAA-7777", "dinas_pupr", "sms")
    assert ratings.pending_for("telegram:999") is None
    assert ratings.pending_for("telegram:999", subject=("ticket", "ADU-AAAA-7777")) is None
    assert ratings.pending_for(PHONE_OWNER, subject=("ticket", "ADU-AAAA-7777")) is not None


def test_latest_question_wins_when_two_are_pending(database):
    t0 = dt.datetime(2026, 12, 1, 8, 0)
    ratings.request_rating(PHONE_OWNER, "ticket", "ADU-AAAA-0001", "a", "sms", now=t0)
    ratings.request_rating(PHONE_OWNER, "handoff", "12", "b", "sms", now=t0 + dt.timedelta(hours=1))
    pending = ratings.pending_for(PHONE_OWNER, now=t0 + dt.timedelta(hours=2))
    assert (pending.subject_kind, pending.subject_ref) == ("handoff", "12")


def test_staff_lists_are_scoped_by_agency(database):
    ratings.record_rating("ticket", "ADU-AAAA-0010", 5, "sms", agency="dinas_pupr")
    ratings.record_rating("ticket", "ADU-AAAA-0011", 1, "sms", agency="dinas_lingkungan_hidup")
    assert [r.subject_ref for r in ratings.ratings_for_agency(["dinas_pupr"])] == ["ADU-AAAA-0010"]
    assert len(ratings.ratings_for_agency(None)) == 2
    assert ratings.ratings_for_agency([]) == []
    summary = ratings.summary_for_agency(["dinas_lingkungan_hidup"])
    assert summary["responses"] == 1 and summary["average"] == 1.0
    assert summary["distribution"]["1"] == 1 and summary["distribution"]["5"] == 0


def test_sms_question_is_one_gsm7_segment_without_buttons():
    text, buttons = render_message(
        "utter_csat_ask_ticket", "sms", ticket_id="ADU-7KQ2-M9XD", subject="ticket:ADU-7KQ2-M9XD"
    )
    assert "ADU-7KQ2-M9XD" in text and "1" in text and "5" in text
    assert is_gsm7(text) and segment_count(text) == 1 and buttons == []
    handoff_text, handoff_buttons = render_message("utter_csat_ask_handoff", "sms", subject="x")
    assert is_gsm7(handoff_text) and segment_count(handoff_text) == 1 and handoff_buttons == []
    for name in ("utter_csat_thanks", "utter_csat_comment_saved", "utter_csat_comment_empty"):
        reply, _ = render_message(name, "sms", score=4)
        assert is_gsm7(reply) and segment_count(reply) == 1, name


def test_telegram_and_web_chat_questions_have_five_buttons_naming_the_subject():
    for channel in ("telegram", "socketio", None):
        _, buttons = render_message(
            "utter_csat_ask_ticket",
            channel,
            ticket_id="ADU-7KQ2-M9XD",
            subject="ticket:ADU-7KQ2-M9XD",
        )
        assert [b["title"][0] for b in buttons] == ["1", "2", "3", "4", "5"]
        payload = buttons[3]["payload"]
        assert payload.startswith("/csat_rate")
        assert json.loads(payload[len("/csat_rate") :]) == {
            "csat_score": "4",
            "csat_subject": "ticket:ADU-7KQ2-M9XD",
        }


class _Outbound(BaseHTTPRequestHandler):
    received: list = []
    accept: int = 1000  # answer 502 (provider refused) after this many messages

    def do_POST(self):  # noqa: N802 - http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(200 if len(type(self).received) <= type(self).accept else 502)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"delivered": true}')

    def log_message(self, *args):
        pass


@pytest.fixture()
def outbound(monkeypatch):
    _Outbound.received = []
    _Outbound.accept = 1000
    server = HTTPServer(("127.0.0.1", 0), _Outbound)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("RASA_URL", f"http://127.0.0.1:{server.server_port}")
    yield _Outbound
    server.shutdown()


def _complaint(channel="sms"):
    return tickets.create_ticket(
        kind="complaint",
        owner_key=PHONE_OWNER,
        sender_id="+6281234567890",
        channel=channel,
        category_or_service="jalan_rusak",
        description="Jalan depan SDN 3 berlubang besar",
        location="depan SDN 3 Cibeunying",
    )


def test_finishing_a_complaint_asks_for_a_rating(database, outbound):
    ticket = _complaint()
    ticket_status.change_status(ticket.id, "diverifikasi")
    assert len(outbound.received) == 1  # the status message only
    assert ratings.pending_for(PHONE_OWNER) is None
    ticket_status.change_status(ticket.id, "diproses")
    ticket_status.change_status(ticket.id, "selesai")
    status_message, question = outbound.received[-2:]
    assert "selesai" in status_message["text"]
    assert ticket.id in question["text"] and "buttons" not in question  # SMS: a digit reply
    pending = ratings.pending_for(PHONE_OWNER)
    assert (pending.subject_ref, pending.agency) == (ticket.id, "dinas_pupr")


def test_rejected_complaint_on_telegram_is_asked_with_buttons(database, outbound):
    ticket = _complaint(channel="telegram")
    ticket_status.change_status(ticket.id, "ditolak", note="Bukan kewenangan kota")
    question = outbound.received[-1]
    assert len(question["buttons"]) == 5 and ticket.id in question["buttons"][0]["payload"]


def test_no_request_is_kept_when_the_question_could_not_be_sent(database, outbound):
    ticket = _complaint()
    outbound.accept = 1  # the status message goes out, the question is refused
    ticket_status.change_status(ticket.id, "ditolak")
    assert len(outbound.received) == 2
    assert ratings.pending_for(PHONE_OWNER) is None


def test_applications_are_not_asked(database, outbound):
    view = tickets.create_ticket(
        kind="application",
        owner_key=PHONE_OWNER,
        sender_id="+6281234567890",
        channel="sms",
        category_or_service="skck",
        agency="polri",
        description="",
    )
    ticket_status.change_status(view.id, "ditolak")
    assert len(outbound.received) == 1 and ratings.pending_for(PHONE_OWNER) is None


def test_migration_matches_the_models(database):
    """The Alembic branch `ratings` creates every column the models declare, and the unique
    subject constraint the transparency page and the replace rule rely on."""
    from storage.models import Base

    inspector = sa.inspect(db.get_engine(database))
    for table in ("ratings", "rating_requests"):
        columns = {c["name"] for c in inspector.get_columns(table)}
        assert columns == set(Base.metadata.tables[table].columns.keys()), table
    unique = inspector.get_unique_constraints("ratings")
    assert any(u["column_names"] == ["subject_kind", "subject_ref"] for u in unique)


def test_simultaneous_first_answers_leave_one_rating(database):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        views = list(
            pool.map(
                lambda score: ratings.record_rating("ticket", "ADU-AAAA-9999", score, "telegram"),
                [1, 2, 3, 4],
            )
        )
    assert {v.score for v in views} == {1, 2, 3, 4}
    assert _raw(database, "SELECT COUNT(*) FROM ratings") == [(1,)]


def test_erasing_a_citizens_data_removes_their_rating_comments_but_keeps_the_scores(database):
    """ "hapus data saya": the free-text comments (which may name the citizen) and pending rating
    questions go; the scores stay as anonymous figures; another citizen's comment is untouched."""
    from storage import erasure
    from storage.db import session_scope
    from storage.handoff import enqueue

    own = _complaint()
    other = tickets.create_ticket(
        kind="complaint",
        owner_key="phone:+6281299990000",
        sender_id="+6281299990000",
        channel="sms",
        category_or_service="jalan_rusak",
        description="Lampu jalan mati",
        location="Gang Melati",
    )
    with session_scope(database) as session:
        handoff_id = enqueue(
            session, "+6281234567890", "sms", "dukcapil", "request_human"
        ).handoff_id
    ratings.record_rating("ticket", own.id, 2, "sms", comment="Saya Budi, petugasnya lambat")
    ratings.record_rating("handoff", str(handoff_id), 4, "sms", comment="Bu Sari ramah")
    ratings.record_rating("ticket", other.id, 5, "sms", comment="Cepat sekali")
    ratings.request_rating(PHONE_OWNER, "ticket", own.id, "dinas_pupr", "sms")

    report = erasure.erase_citizen_data(
        sender_id="+6281234567890", owner_key=PHONE_OWNER, label="+62812****7890", channel="sms"
    )

    assert report.rating_comments_deleted == 2
    assert report.rating_requests_deleted == 1
    assert ratings.get_rating("ticket", own.id).comment is None
    assert ratings.get_rating("ticket", own.id).score == 2
    assert ratings.get_rating("handoff", str(handoff_id)).comment is None
    assert ratings.get_rating("ticket", other.id).comment == "Cepat sekali"
    assert ratings.pending_for(PHONE_OWNER) is None
