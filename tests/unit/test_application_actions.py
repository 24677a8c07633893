"""Application actions run as functions: a tracker built from events, a CollectingDispatcher.

Asserts what the citizen would notice (which response, with which values) and what is stored.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from cryptography.fernet import Fernet
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.applications import fields, services
from actions.applications.flow import (
    ActionApplicationCancel,
    ActionApplicationCorrect,
    ActionApplicationPause,
    ActionApplicationStart,
    ActionApplicationSubmit,
)
from actions.applications.forms import ActionAskApplicationConfirmed, ValidateApplicationForm

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 11, 25)  # a Wednesday
NIK = "3273010101900001"
DOMAIN: dict[str, Any] = yaml.safe_load((ROOT / "bot/domain/applications.yml").read_text())
DOMAIN["responses"]["utter_faq/akta_kelahiran"] = [{"text": "Syarat akta kelahiran ..."}]
DOMAIN["slots"]["handoff_reason"] = {"type": "text", "mappings": [{"type": "custom"}]}

DOMISILI = {
    "application_service": "domisili",
    "application_draft_id": "draft-1",
    "applicant_name": "Budi Santoso",
    "applicant_birth_date": "1990-01-01",
    "applicant_nik": NIK,
    "applicant_address": "Jl. Merdeka No. 5, RT 003/RW 005",
    "domisili_purpose": "Melamar pekerjaan",
    "applicant_phone": "+6281234567890",
}


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(fields, "today_wib", lambda: TODAY)


def tracker(
    slots: dict[str, Any],
    text: str = "",
    requested: str | None = None,
    intent: str = "nlu_fallback",
    confidence: float = 0.9,
    entities: list | None = None,
    response_key: str | None = None,
    extra_events: list | None = None,
) -> Tracker:
    """A tracker as the form sends it: the answer is a trailing SlotSet for `requested`."""
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": entities or [],
    }
    if response_key:
        message["response_selector"] = {"faq": {"response": {"intent_response_key": response_key}}}
    all_slots = {**slots, "requested_slot": requested}
    events: list[dict] = [{"event": "user", "text": text, "parse_data": message}]
    events += extra_events or []
    if requested:
        all_slots[requested] = text
        events.append({"event": "slot", "name": requested, "value": text})
    return Tracker(
        "citizen-1",
        all_slots,
        message,
        events,
        False,
        None,
        {"name": "application_form"},
        "action_listen",
    )


async def validate(t: Tracker) -> tuple[dict[str, Any], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = await ValidateApplicationForm().run(dispatcher, t, DOMAIN)
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}, dispatcher.messages


def responses(messages: list[dict]) -> list[str]:
    return [m["response"] for m in messages]


async def test_required_slots_follow_the_chosen_service():
    form = ValidateApplicationForm()
    dispatcher = CollectingDispatcher()
    domain_slots = form.domain_slots(DOMAIN)
    antrean = await form.required_slots(
        domain_slots, dispatcher, tracker({"application_service": "antrean_dukcapil"}), DOMAIN
    )
    assert antrean == [
        "application_service",
        "applicant_name",
        "applicant_nik",
        "dukcapil_service",
        "appointment_date",
        "appointment_session",
        "applicant_phone",
        "application_confirmed",
    ]
    none = await form.required_slots(domain_slots, dispatcher, tracker({}), DOMAIN)
    assert none[0] == "application_service"


async def test_choosing_a_service_starts_its_questions():
    slots, messages = await validate(
        tracker({}, '/start_application{"application_service":"kelahiran"}', "application_service")
    )
    assert slots["application_service"] == "kelahiran"
    assert slots["requested_slot"] == "child_name"
    assert responses(messages) == ["utter_application_started_kelahiran"]
    slots, _ = await validate(tracker({}, "2", "application_service"))  # SMS numbered menu
    assert slots["application_service"] == "antrean_dukcapil"


async def test_invalid_nik_gets_a_specific_explanation_and_is_asked_again():
    slots, messages = await validate(
        tracker(
            {
                "application_service": "domisili",
                "applicant_name": "Budi",
                "applicant_birth_date": "1990-01-01",
            },
            "327301010190001",
            "applicant_nik",
        )
    )
    assert slots["applicant_nik"] is None
    assert slots["requested_slot"] == "applicant_nik"
    assert messages == [{**messages[0], "response": "utter_invalid_nik_length", "count": 15}]
    assert slots["application_failures"] == {"applicant_nik": 1}


async def test_nik_must_agree_with_the_stated_birth_date():
    slots, messages = await validate(
        tracker(
            {"application_service": "domisili", "applicant_birth_date": "1990-01-02"},
            NIK,
            "applicant_nik",
        )
    )
    assert slots["applicant_nik"] is None
    assert responses(messages) == ["utter_invalid_nik_birth_date_mismatch"]


async def test_third_failure_on_one_field_offers_an_officer():
    base = {"application_service": "domisili", "application_failures": {"applicant_phone": 2}}
    slots, messages = await validate(tracker(base, "021 5551234", "applicant_phone"))
    assert responses(messages) == ["utter_invalid_phone_landline", "utter_application_offer_human"]
    assert slots["application_failures"] == {"applicant_phone": 3}
    second = {"application_service": "domisili", "application_failures": {"applicant_phone": 1}}
    _, messages = await validate(tracker(second, "021 5551234", "applicant_phone"))
    assert responses(messages) == ["utter_invalid_phone_landline"]


async def test_valid_answer_resets_the_failure_count_and_is_normalised():
    base = {"application_service": "domisili", "application_failures": {"applicant_phone": 2}}
    slots, messages = await validate(tracker(base, "0812-3456-7890", "applicant_phone"))
    assert slots["applicant_phone"] == "+6281234567890"
    assert slots["application_failures"] == {}
    assert messages == []


async def test_correction_with_a_new_value_while_another_question_is_asked():
    base = {k: v for k, v in DOMISILI.items() if k != "applicant_phone"}
    text = "eh salah, NIK-nya 3273010101900002"
    slots, messages = await validate(tracker(base, text, "applicant_phone"))
    assert slots["applicant_nik"] == "3273010101900002"
    assert slots["applicant_phone"] is None
    assert slots["requested_slot"] == "applicant_phone"
    assert messages[0]["response"] == "utter_application_field_corrected"
    assert messages[0]["field_label"] == "NIK"


async def test_correction_without_a_value_clears_the_field_and_asks_it_next():
    slots, messages = await validate(
        tracker(
            DOMISILI,
            "ubah tanggal lahir",
            "application_confirmed",
            intent="correct_application_field",
            entities=[{"entity": "application_field", "value": "tanggal_lahir"}],
        )
    )
    assert slots["applicant_birth_date"] is None
    assert slots["application_confirmed"] is None
    assert slots["requested_slot"] == "applicant_birth_date"
    assert responses(messages) == ["utter_application_field_cleared"]


async def test_invalid_corrected_value_is_explained():
    slots, messages = await validate(
        tracker(
            DOMISILI,
            "ganti nomor hp jadi +60123456789",
            "application_confirmed",
            intent="correct_application_field",
        )
    )
    assert slots["applicant_phone"] is None
    assert responses(messages) == ["utter_invalid_phone_foreign"]
    assert slots["requested_slot"] == "applicant_phone"


async def test_a_purpose_mentioning_an_address_is_not_a_correction():
    base = {k: v for k, v in DOMISILI.items() if k not in ("domisili_purpose", "applicant_phone")}
    slots, _ = await validate(
        tracker(base, "ganti alamat di rekening bank", "domisili_purpose", intent="start_complaint")
    )
    assert slots["domisili_purpose"] == "Ganti alamat di rekening bank"
    assert "applicant_address" not in slots  # the stored address is untouched


async def test_faq_question_gets_answered_and_the_same_question_comes_back():
    base = {"application_service": "kelahiran", "child_name": "Ani"}
    slots, messages = await validate(
        tracker(
            base,
            "syaratnya apa aja ya?",
            "child_sex",
            intent="faq",
            response_key="faq/akta_kelahiran",
        )
    )
    assert responses(messages) == ["utter_faq/akta_kelahiran", "utter_application_continue"]
    assert slots["child_sex"] is None
    assert slots["requested_slot"] == "child_sex"
    assert "application_failures" not in slots  # a question is not a wrong answer


async def test_valid_answer_wins_over_a_confused_faq_prediction():
    base = {"application_service": "kelahiran", "child_name": "Ani"}
    slots, messages = await validate(
        tracker(base, "perempuan", "child_sex", intent="faq", response_key="faq/akta_kelahiran")
    )
    assert slots["child_sex"] == "perempuan"
    assert messages == []


async def test_appointment_date_with_a_time_also_answers_the_session():
    base = {
        "application_service": "antrean_dukcapil",
        "applicant_name": "Budi",
        "applicant_nik": NIK,
        "dukcapil_service": "ktp_hilang_rusak",
    }
    slots, _ = await validate(tracker(base, "Senin depan jam 9 pagi", "appointment_date"))
    assert slots["appointment_date"] == "2026-11-30"
    assert slots["appointment_session"] == "pagi"
    assert slots["requested_slot"] == "applicant_phone"


async def test_weekend_appointment_is_refused_with_the_next_working_day():
    base = {"application_service": "antrean_dukcapil"}
    slots, messages = await validate(tracker(base, "sabtu", "appointment_date"))
    assert slots["appointment_date"] is None
    assert messages[0]["response"] == "utter_invalid_appointment_weekend"
    assert messages[0]["next_date"] == "Senin, 30 November 2026"


async def test_confirmation_yes_completes_the_form():
    slots, _ = await validate(
        tracker(DOMISILI, "/affirm", "application_confirmed", intent="affirm")
    )
    assert slots["application_confirmed"] == "ya"
    assert slots["requested_slot"] is None


async def test_confirmation_no_asks_which_field_without_repeating_the_summary():
    slots, messages = await validate(
        tracker(DOMISILI, "tidak", "application_confirmed", intent="deny")
    )
    assert slots["application_confirmed"] is None
    assert responses(messages) == ["utter_ask_which_field"]
    bot_event = {"event": "bot", "metadata": {"utter_action": "utter_ask_which_field"}}
    t = tracker(DOMISILI, "tidak", extra_events=[bot_event])
    dispatcher = CollectingDispatcher()
    await ActionAskApplicationConfirmed().run(dispatcher, t, DOMAIN)
    assert dispatcher.messages == []
    # then a bare field name is enough
    slots, messages = await validate(tracker(DOMISILI, "alamat", "application_confirmed"))
    assert slots["applicant_address"] is None
    assert responses(messages) == ["utter_application_field_cleared"]


async def test_summary_masks_identity_numbers():
    slots = {
        **DOMISILI,
        "application_service": "kelahiran",
        "father_nik": NIK,
        "mother_nik": "3273014101900001",
        "kk_number": "3273011203150007",
        "child_birth_date": "2026-10-03",
    }
    dispatcher = CollectingDispatcher()
    await ActionAskApplicationConfirmed().run(dispatcher, tracker(slots), DOMAIN)
    summary, question = dispatcher.messages
    assert summary["response"] == "utter_application_summary_kelahiran"
    assert summary["father_nik_masked"] == "************0001"
    assert summary["kk_masked"] == "************0007"
    assert summary["phone_masked"] == "+62********890"
    assert summary["child_birth_date_text"] == "3 Oktober 2026"
    flat = repr(summary)
    for secret in (NIK, "3273014101900001", "3273011203150007", "81234567890"):
        assert secret not in flat
    assert question["response"] == "utter_ask_application_confirmed"


async def test_start_resumes_a_draft_or_begins_fresh_with_the_named_service():
    dispatcher = CollectingDispatcher()
    events = await ActionApplicationStart().run(dispatcher, tracker(DOMISILI), DOMAIN)
    assert events == [] and responses(dispatcher.messages) == ["utter_application_resumed"]

    dispatcher = CollectingDispatcher()
    entity = [{"entity": "application_service", "value": "kelahiran"}]
    events = await ActionApplicationStart().run(
        dispatcher, tracker(DOMISILI, "akta kelahiran", entities=entity), DOMAIN
    )
    slots = {e["name"]: e["value"] for e in events}
    assert slots["application_service"] == "kelahiran"
    assert slots["applicant_nik"] is None  # the old draft is gone
    assert slots["application_draft_id"]


async def test_cancel_forgets_everything_and_pause_records_why():
    dispatcher = CollectingDispatcher()
    events = await ActionApplicationCancel().run(dispatcher, tracker(DOMISILI), DOMAIN)
    assert {"event": "active_loop", "name": None, "timestamp": None} in events
    assert all(e["value"] is None for e in events if e["event"] == "slot")
    assert responses(dispatcher.messages) == ["utter_application_cancelled"]

    dispatcher = CollectingDispatcher()
    paused = {
        **DOMISILI,
        "applicant_phone": None,
        "requested_slot": "applicant_phone",
        "application_failures": {"applicant_phone": 3},
    }
    t = tracker(paused)
    t.slots["requested_slot"] = "applicant_phone"
    events = await ActionApplicationPause().run(dispatcher, t, DOMAIN)
    reason = next(e["value"] for e in events if e.get("name") == "handoff_reason")
    assert reason == (
        "Permohonan Surat Keterangan Domisili: kesulitan mengisi nomor HP (3x ditolak)"
    )
    assert not any(e.get("name") == "applicant_nik" for e in events)  # answers are kept


async def test_correction_outside_the_form():
    dispatcher = CollectingDispatcher()
    events = await ActionApplicationCorrect().run(dispatcher, tracker({}), DOMAIN)
    assert events == [] and responses(dispatcher.messages) == [
        "utter_application_nothing_to_correct"
    ]
    dispatcher = CollectingDispatcher()
    events = await ActionApplicationCorrect().run(dispatcher, tracker(DOMISILI), DOMAIN)
    assert {"event": "followup", "name": "application_form", "timestamp": None} in events


@pytest.fixture()
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'layani.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("LAYANI_PII_KEY", Fernet.generate_key().decode())
    from storage.db import upgrade_database

    upgrade_database(url)
    return url


async def test_submit_stores_one_application_with_encrypted_identity_numbers(database):
    from storage import personal_data

    slots = {**DOMISILI, "application_confirmed": "ya"}
    first, second = CollectingDispatcher(), CollectingDispatcher()
    events = await ActionApplicationSubmit().run(first, tracker(slots), DOMAIN)
    await ActionApplicationSubmit().run(second, tracker(slots), DOMAIN)  # a retried action

    ticket_id = first.messages[0]["ticket_id"]
    assert ticket_id.startswith("PMH-") and len(ticket_id) == 13
    assert second.messages[0]["ticket_id"] == ticket_id
    assert responses(first.messages) == [
        "utter_application_submitted",
        "utter_application_requirements_domisili",
    ]
    assert {"event": "slot", "timestamp": None, "name": "applicant_nik", "value": None} in events

    engine = sa.create_engine(database)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT id, kind, agency, category_or_service, owner_key, data, status FROM tickets"
            )
        ).all()
        stored = conn.execute(sa.text("SELECT field, ciphertext FROM ticket_personal_data")).all()
    assert len(rows) == 1
    ticket = rows[0]
    assert (ticket.id, ticket.kind, ticket.agency, ticket.category_or_service, ticket.status) == (
        ticket_id,
        "application",
        "kelurahan",
        "domisili",
        "diterima",
    )
    assert ticket.owner_key == "rest:citizen-1"  # same rule as complaints (layani.identity)
    assert "Melamar pekerjaan" in ticket.data and "Budi Santoso" in ticket.data
    assert NIK not in ticket.data and "81234567890" not in ticket.data
    assert {field for field, _ in stored} == {"applicant_nik", "applicant_phone"}
    assert all(NIK not in c and "81234567890" not in c for _, c in stored)
    assert personal_data.read(ticket_id) == {
        "applicant_nik": NIK,
        "applicant_phone": "+6281234567890",
    }


async def test_submit_without_confirmation_stores_nothing(database):
    dispatcher = CollectingDispatcher()
    assert await ActionApplicationSubmit().run(dispatcher, tracker(DOMISILI), DOMAIN) == []
    with sa.create_engine(database).connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM tickets")).scalar() == 0


async def test_resuming_revalidates_the_draft_quietly_and_goes_to_the_summary():
    """On activation Rasa sends every pre-filled answer through validation again."""
    t = tracker(DOMISILI, "ajukan permohonan", intent="start_application")
    t.events += [
        {"event": "slot", "name": k, "value": v}
        for k, v in DOMISILI.items()
        if k != "application_draft_id"
    ]
    slots, messages = await validate(t)
    assert messages == []
    assert slots["requested_slot"] == "application_confirmed"
    assert {k: slots[k] for k in ("applicant_nik", "applicant_address")} == {
        "applicant_nik": NIK,
        "applicant_address": DOMISILI["applicant_address"],
    }


async def test_a_valid_answer_misread_as_a_correction_is_still_the_answer():
    base = {"application_service": "domisili", "applicant_name": "Budi Santoso"}
    slots, messages = await validate(
        tracker(base, "1 Januari 1990", "applicant_birth_date", intent="correct_application_field")
    )
    assert slots["applicant_birth_date"] == "1990-01-01"
    assert messages == []
    slots, messages = await validate(
        tracker(base, "ubah dong", "applicant_birth_date", intent="correct_application_field")
    )
    assert slots["applicant_birth_date"] is None
    assert responses(messages) == ["utter_ask_which_field"]


async def test_an_invalid_answer_misread_as_a_correction_gets_its_own_explanation():
    base = {"application_service": "kelahiran", "child_name": "Ani", "child_sex": "perempuan"}
    slots, messages = await validate(
        tracker(base, "1/1/2099", "child_birth_date", intent="correct_application_field")
    )
    assert responses(messages) == ["utter_invalid_birth_date_future"]


async def test_numbers_are_never_taken_for_faq_questions():
    base = {"application_service": "domisili"}
    slots, messages = await validate(
        tracker(
            base,
            "021 5551234",
            "applicant_phone",
            intent="faq",
            confidence=0.95,
            response_key="faq/akta_kelahiran",
        )
    )
    assert responses(messages) == ["utter_invalid_phone_landline"]


# --- one record per service drives the form ---------------------------------------------------

SKTM = services.Service(
    id="sktm",
    title="Surat Keterangan Tidak Mampu",
    agency="kelurahan",
    fields=tuple(fields.FIELDS[s] for s in ("applicant_name", "applicant_nik", "applicant_phone")),
    keywords=("sktm", "tidak mampu"),
    named_in_request=r"\bsktm\b",
    started_response="utter_application_started_sktm",
    summary_response="utter_application_summary_sktm",
    submitted_response="utter_application_submitted",
    requirements_response="utter_application_requirements_sktm",
    detail=lambda values: f"atas nama {values.get('applicant_name')}",
)


@pytest.fixture()
def sktm(monkeypatch):
    """A fourth service added the documented way: one record, nothing else in the code."""
    monkeypatch.setitem(services.SERVICES, "sktm", SKTM)
    return SKTM


async def test_a_new_service_record_is_asked_summarised_and_stored(sktm, database):
    from storage.tickets import get_for_owner

    form = ValidateApplicationForm()
    asked = await form.required_slots(
        form.domain_slots(DOMAIN),
        CollectingDispatcher(),
        tracker({"application_service": "sktm"}),
        DOMAIN,
    )
    assert asked == [
        "application_service",
        "applicant_name",
        "applicant_nik",
        "applicant_phone",
        "application_confirmed",
    ]
    slots, messages = await validate(
        tracker({}, '/start_application{"application_service":"sktm"}', "application_service")
    )
    assert responses(messages) == ["utter_application_started_sktm"]
    assert slots["requested_slot"] == "applicant_name"

    answers = {
        "application_service": "sktm",
        "application_draft_id": "draft-sktm",
        "applicant_name": "Siti Aminah",
        "applicant_nik": NIK,
        "applicant_phone": "+6281234567890",
    }
    dispatcher = CollectingDispatcher()
    await ActionAskApplicationConfirmed().run(dispatcher, tracker(answers), DOMAIN)
    summary = dispatcher.messages[0]
    assert summary["response"] == "utter_application_summary_sktm"
    assert summary["nik_masked"] == "************0001" and NIK not in repr(summary)

    dispatcher = CollectingDispatcher()
    await ActionApplicationSubmit().run(
        dispatcher, tracker({**answers, "application_confirmed": "ya"}), DOMAIN
    )
    assert responses(dispatcher.messages) == [
        "utter_application_submitted",
        "utter_application_requirements_sktm",
    ]
    ticket = get_for_owner(dispatcher.messages[0]["ticket_id"], "rest:citizen-1")
    assert ticket is not None and ticket.agency == "kelurahan"
    assert ticket.category_or_service == "sktm"
    assert ticket.description == "Surat Keterangan Tidak Mampu: atas nama Siti Aminah"
    assert NIK not in repr(ticket.data)


async def test_pausing_names_the_service_from_its_record(sktm):
    dispatcher = CollectingDispatcher()
    events = await ActionApplicationPause().run(
        dispatcher,
        tracker(
            {"application_service": "sktm", "application_failures": {"applicant_nik": 3}},
            requested="applicant_nik",
        ),
        DOMAIN,
    )
    reason = next(e["value"] for e in events if e.get("name") == "handoff_reason")
    assert reason.startswith("Permohonan Surat Keterangan Tidak Mampu: kesulitan mengisi NIK")


def test_every_record_names_responses_and_catalogue_topics_that_exist():
    from layani.catalogue import load_catalogue

    domain = {}
    for path in sorted((ROOT / "bot/domain").glob("*.yml")):
        domain.update((yaml.safe_load(path.read_text()) or {}).get("responses") or {})
    topics = load_catalogue().faq
    for service in services.SERVICES.values():
        named = [
            service.started_response,
            service.summary_response,
            service.submitted_response,
            service.requirements_response,
        ]
        assert [n for n in named if n and n not in domain] == [], service.id
        assert service.catalogue_id is None or service.catalogue_id in topics, service.id
        for field in service.fields:
            assert f"utter_ask_{field.slot}" in domain, field.slot
    # Identity numbers are sealed in the tracker store: the list follows the field records.
    assert set(services.PERSONAL_SLOTS) == {
        "applicant_nik",
        "father_nik",
        "mother_nik",
        "kk_number",
        "applicant_phone",
    }


@pytest.mark.parametrize(
    ("answer", "service"),
    [
        ("1", "domisili"),
        ("2", "antrean_dukcapil"),
        ("3", "kelahiran"),
        ("akte lahir bayi", "kelahiran"),
        ("antri ktp", "antrean_dukcapil"),
        ("surat domisili", "domisili"),
        ("paspor", None),
    ],
)
def test_which_service_answers(answer, service):
    assert services.match_service(answer) == service
