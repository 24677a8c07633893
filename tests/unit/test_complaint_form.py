"""The complaint form's actions run as functions: a tracker built from slots and the latest
message, a CollectingDispatcher, and assertions on the events and response names.

`Conversation` plays Rasa's part of the form loop (apply the SlotSet events, ask the next empty
required slot) so a whole dialogue can be checked without a trained model.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.complaints import form as complaint_form
from actions.complaints.form import REQUIRED, strip_trigger
from actions.complaints.status import ActionCheckStatus, ActionListMyReports
from storage import db, tickets


@pytest.fixture()
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'layani.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    db.upgrade_database(url)
    yield url
    db.dispose_engines()


def make_tracker(
    sender: str,
    text: str,
    slots: dict[str, Any],
    intent: str = "inform",
    metadata: dict | None = None,
    active: bool = True,
    entities: list[dict] | None = None,
    confidence: float = 0.9,
    response_selector: dict | None = None,
) -> Tracker:
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": entities or [],
        "metadata": metadata or {},
    }
    if response_selector:
        message["response_selector"] = response_selector
    return Tracker(
        sender_id=sender,
        slots=dict(slots),
        latest_message=message,
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": "complaint_form"} if active else {},
        latest_action_name="action_listen",
    )


# What the action server receives from Rasa: the responses the FAQ detour may name.
DOMAIN: dict[str, Any] = {"responses": {"utter_faq/skck": [{"text": "Syarat SKCK ..."}]}}


def run(action, tracker: Tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return events, dispatcher.messages


class Conversation:
    """Rasa's side of the form loop, reduced to what the form needs."""

    def __init__(self, sender: str = "warga-1") -> None:
        self.sender = sender
        self.slots: dict[str, Any] = {}
        self.active = False
        self.responses: list[str] = []
        self.messages: list[dict] = []

    def say(self, text: str, intent: str = "inform", **kwargs: Any) -> list[str]:
        activating = not self.active
        if activating:
            self.slots["requested_slot"] = None
        tracker = make_tracker(
            self.sender, text, self.slots, intent=intent, active=not activating, **kwargs
        )
        events, messages = run(complaint_form.ValidateComplaintForm(), tracker)
        self.active = True
        for event in events:
            if event["event"] == "slot":
                self.slots[event["name"]] = event["value"]
        said = [m.get("response") for m in messages]
        self.messages += messages
        if events == [] and not activating:
            said.append("<rejected>")
            self.responses += said
            return said
        if self.slots.get("requested_slot", "x") is None and not activating:
            self.active = False  # the validation ended the form (cancel)
            self.responses += said
            return said
        nxt = next((s for s in REQUIRED if self.slots.get(s) is None), None)
        if nxt is None:
            self.active = False
            events, _ = run(
                complaint_form.ActionComplaintFinish(), make_tracker(self.sender, "", self.slots)
            )
            for event in events:
                self.slots[event["name"]] = event["value"]
            said.append("<form done>")
        else:
            self.slots["requested_slot"] = nxt
            said.append(self._ask(nxt))
        self.responses += said
        return said

    def _ask(self, slot: str) -> str:
        if slot == "complaint_category":
            _e, msgs = run(
                complaint_form.ActionAskComplaintCategory(),
                make_tracker(self.sender, "", self.slots),
            )
            self.messages += msgs
            return msgs[0]["response"]
        if slot == "complaint_confirm":
            _e, msgs = run(
                complaint_form.ActionAskComplaintConfirm(),
                make_tracker(self.sender, "", self.slots),
            )
            self.messages += msgs
            return msgs[0]["response"]
        return f"utter_ask_{slot}"


def test_one_message_fills_description_category_and_location(database):
    chat = Conversation()
    said = chat.say(
        "jalan depan SDN 3 Cibeunying bolong gede, udah 2 bulan", intent="start_complaint"
    )
    assert chat.slots["complaint_description"].startswith("jalan depan SDN 3 Cibeunying")
    assert chat.slots["complaint_category_guess"] == "jalan_rusak"
    assert chat.slots["complaint_location"] == "depan SDN 3 Cibeunying"
    # The category is shown to be confirmed, not assumed.
    assert said == ["utter_ask_complaint_category_guess"]
    assert chat.messages[-1]["category_label"] == "Jalan rusak"


def test_full_flow_saves_once_and_tells_number(database):
    chat = Conversation()
    assert chat.say("mau lapor", intent="start_complaint") == ["utter_ask_complaint_description"]
    assert chat.say("sampah") == [
        "utter_complaint_description_too_short",
        "utter_ask_complaint_description",
    ]
    assert chat.say("numpuk sudah seminggu tidak diangkut") == [
        "utter_ask_complaint_category_guess"
    ]
    assert chat.slots["complaint_description"] == "sampah numpuk sudah seminggu tidak diangkut"
    assert chat.say("ya") == ["utter_ask_complaint_location"]
    assert chat.slots["complaint_category"] == "sampah"
    assert chat.say("di sini") == ["utter_complaint_location_vague", "utter_ask_complaint_location"]
    assert chat.say("Pasar Kosambi, kec. sumur bandung, kota bandung") == [
        "utter_ask_complaint_photo"
    ]
    assert "Kecamatan Sumur Bandung" in chat.slots["complaint_region"]
    assert chat.say("lewati") == ["utter_ask_complaint_contact"]
    assert chat.say("nama saya budi santoso") == ["utter_ask_complaint_confirm"]
    summary = chat.messages[-1]
    assert summary["contact_label"] == "Budi Santoso"
    assert summary["category_label"] == "Sampah"
    said = chat.say("kirim")
    assert said == ["utter_complaint_saved", "<form done>"]
    saved = [m for m in chat.messages if m.get("response") == "utter_complaint_saved"][0]
    ticket = tickets.get_for_owner(saved["ticket_id"], "rest:warga-1")
    assert ticket is not None
    assert ticket.category_or_service == "sampah" and ticket.agency == "dinas_lingkungan_hidup"
    assert ticket.location.startswith("Pasar Kosambi")
    assert ticket.data["region"].startswith("Kecamatan Sumur Bandung")
    assert ticket.contact_name == "Budi Santoso" and not ticket.anonymous
    assert saved["agency_label"] == "Dinas Lingkungan Hidup"
    assert tickets.count_tickets() == 1
    # The form's slots are cleared for the next report.
    assert all(chat.slots.get(s) is None for s in REQUIRED)


def test_confirming_twice_in_the_same_form_saves_once(database):
    chat = _at_confirmation()
    slots = dict(chat.slots)
    first, _ = run(complaint_form.ValidateComplaintForm(), make_tracker("warga-1", "kirim", slots))
    # A retried webhook replays the same confirmation against the same form state.
    second, messages = run(
        complaint_form.ValidateComplaintForm(), make_tracker("warga-1", "kirim", slots)
    )
    assert tickets.count_tickets() == 1
    ids = {e["value"] for e in first + second if e["name"] == "complaint_outcome"}
    assert len(ids) == 1
    assert messages[0]["response"] == "utter_complaint_saved"


def test_a_new_form_after_sending_is_a_new_complaint(database):
    _at_confirmation().say("kirim")
    _at_confirmation().say("kirim")
    assert tickets.count_tickets() == 2


def _at_confirmation(sender: str = "warga-1", **extra: Any) -> Conversation:
    chat = Conversation(sender)
    chat.say("lampu jalan di gang Mawar RT 02 mati sudah seminggu", intent="start_complaint")
    chat.say("ya")
    if chat.slots["requested_slot"] == "complaint_location":
        chat.say("gang Mawar RT 02 kelurahan Cilandak")
    chat.say("lewati")
    chat.say("tanpa nama")
    assert chat.slots["requested_slot"] == "complaint_confirm"
    return chat


def test_change_a_field_from_the_summary(database):
    chat = _at_confirmation()
    assert chat.say("ubah lokasi") == ["utter_ask_complaint_location"]
    assert chat.say("Jl. Margonda Raya No. 100, Beji, Depok") == ["utter_ask_complaint_confirm"]
    assert chat.say("ubah kategori") == ["utter_ask_complaint_category_guess"]
    assert chat.say("banjir_drainase") == ["utter_ask_complaint_confirm"]
    assert chat.say("ubah") == ["utter_complaint_which_field", "utter_ask_complaint_confirm"]
    chat.say("kirim")
    ticket = tickets.list_for_owner("rest:warga-1")[0]
    assert ticket.location == "Jl. Margonda Raya No. 100, Beji, Depok"
    assert ticket.category_or_service == "banjir_drainase"
    assert "Kota Depok" in ticket.data["region"]


def test_cancel_at_any_step_saves_nothing(database):
    for steps in ([], ["ya"], ["ya", "lewati"]):
        chat = Conversation()
        chat.say("pohon tumbang di jalan Dago depan masjid", intent="start_complaint")
        for step in steps:
            chat.say(step)
        said = chat.say("batal")
        assert said == ["utter_complaint_cancelled"]
        assert not chat.active
        assert all(chat.slots.get(s) is None for s in REQUIRED)
    assert tickets.count_tickets() == 0


def test_cancel_by_intent(database):
    chat = Conversation()
    chat.say("mau lapor", intent="start_complaint")
    assert chat.say("gak jadi deh", intent="cancel") == ["utter_complaint_cancelled"]


@pytest.mark.parametrize("reply", ["mboten sios", "Mboten sios."])
def test_javanese_krama_not_going_ahead_cancels(database, reply):
    chat = Conversation()
    chat.say("mau lapor", intent="start_complaint")
    assert chat.say(reply, intent="deny") == ["utter_complaint_cancelled"]


def test_faq_in_the_middle_is_answered_and_form_goes_on(database):
    chat = Conversation()
    chat.say("pohon tumbang di jalan Dago depan masjid", intent="start_complaint")
    chat.say("ya")
    said = chat.say(
        "syarat bikin skck apa aja?",
        intent="faq",
        response_selector={"faq": {"response": {"utter_action": "utter_faq/skck"}}},
    )
    assert said[:2] == ["utter_faq/skck", "utter_complaint_resume"]
    assert said[2] == f"utter_ask_{chat.slots['requested_slot']}"
    assert chat.slots["complaint_category"] == "pohon_tumbang"


def test_request_human_interrupts_the_form(database):
    chat = Conversation()
    chat.say("mau lapor", intent="start_complaint")
    assert chat.say("mau bicara dengan petugas", intent="request_human") == ["<rejected>"]


def test_form_answers_are_not_interruptions_whatever_the_intent(database):
    chat = _at_confirmation()
    said = chat.say("kirim", intent="start_application", confidence=0.95)
    assert said == ["utter_complaint_saved", "<form done>"]


def test_location_pin_and_photo_from_metadata(database):
    chat = Conversation()
    chat.say("air pdam mati sudah 3 hari di rumah kami", intent="start_complaint")
    chat.say("ya")
    assert chat.slots["requested_slot"] == "complaint_location"
    chat.say("/share_location", metadata={"location": {"latitude": -6.9147, "longitude": 107.6098}})
    assert chat.slots["complaint_latitude"] == pytest.approx(-6.9147)
    assert chat.slots["complaint_location"].startswith("Titik peta -6.914700, 107.609800")
    assert chat.slots["requested_slot"] == "complaint_photo"
    chat.say("", metadata={"photo": {"file_id": "AgACAgIAAxk"}})
    assert chat.slots["complaint_photo"] == "telegram:AgACAgIAAxk"
    chat.say("anonim")
    chat.say("kirim")
    ticket = tickets.list_for_owner("rest:warga-1")[0]
    assert ticket.latitude == pytest.approx(-6.9147) and ticket.longitude == pytest.approx(107.6098)
    assert ticket.photo_ref == "telegram:AgACAgIAAxk"
    assert ticket.anonymous and ticket.contact_name is None


def test_photo_step_asks_again_for_plain_text(database):
    chat = Conversation()
    chat.say("air pdam mati sudah 3 hari di Perumnas Klender", intent="start_complaint")
    chat.say("ya")
    assert chat.say("fotonya nanti ya") == [
        "utter_complaint_photo_hint",
        "utter_ask_complaint_photo",
    ]


def test_unknown_category_answer_is_asked_again(database):
    chat = Conversation()
    chat.say("ada masalah di kantor kelurahan Cibangkong tolong ditindak", intent="start_complaint")
    said = chat.say("hmm entahlah")
    assert said[0] == "utter_complaint_category_unknown"


def test_the_steps_table_is_the_form_rasa_asks():
    """Every question Rasa asks has one step, in the same order; a step nobody asks is dead."""
    domain = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "bot/domain/complaints.yml").read_text()
    )
    assert list(complaint_form.STEPS) == domain["forms"]["complaint_form"]["required_slots"]


def _at_category_guess() -> Conversation:
    chat = Conversation()
    said = chat.say("sampah di pasar Kosambi numpuk sudah seminggu", intent="start_complaint")
    assert said == ["utter_ask_complaint_category_guess"]
    return chat


@pytest.mark.parametrize("reply", ["iya bener", "betul itu", "leres"])
def test_a_reply_the_nlu_reads_as_affirm_accepts_the_guess(database, reply):
    chat = _at_category_guess()
    said = chat.say(reply, intent="affirm", confidence=0.7)
    assert chat.slots["complaint_category"] == "sampah"
    assert said[-1] != "utter_ask_complaint_category_guess"


def test_an_unsure_affirm_with_no_yes_word_is_asked_again(database):
    chat = _at_category_guess()
    said = chat.say("mantap", intent="affirm", confidence=0.3)
    assert chat.slots["complaint_category"] is None
    assert said == ["utter_complaint_category_unknown", "utter_ask_complaint_category_guess"]


@pytest.mark.parametrize(
    ("reply", "intent"),
    [("bukan", "inform"), ("salah", "inform"), ("lain", "inform"), ("dudu", "deny")],
)
def test_turning_the_guess_down_shows_the_list_of_categories(database, reply, intent):
    chat = _at_category_guess()
    said = chat.say(reply, intent=intent)
    # The list follows, not the same guess again; nothing is chosen for the citizen.
    assert said == ["utter_complaint_category_choose", "utter_ask_complaint_category"]
    assert chat.slots["complaint_category"] is None
    assert chat.say("banjir") == ["utter_ask_complaint_photo"]  # the place came with the text
    assert chat.slots["complaint_category"] == "banjir_drainase"


@pytest.mark.parametrize(
    "reply",
    ["salah, bukan sampah", "dudu sampah", "salah, bukan jalan rusak", "bukan, itu got mampet"],
)
def test_naming_the_guess_to_turn_it_down_shows_the_list(database, reply):
    """ "salah, bukan jalan rusak" used to keep the guess because it names the category."""
    chat = _at_category_guess()
    said = chat.say(reply, intent="deny")
    assert said == ["utter_complaint_category_choose", "utter_ask_complaint_category"]
    assert chat.slots["complaint_category"] is None


def test_after_the_plain_list_lain_is_the_category_lainnya(database):
    assert complaint_form.category_from_answer("lain", None) == "lainnya"
    assert complaint_form.category_from_answer("lain", "sampah") is None


def _at_photo() -> Conversation:
    chat = Conversation()
    chat.say("air pdam mati sudah 3 hari di Perumnas Klender", intent="start_complaint")
    chat.say("ya")
    assert chat.slots["requested_slot"] == "complaint_photo"
    return chat


@pytest.mark.parametrize(
    ("reply", "intent"),
    [("ga ada", "inform"), ("nggak punya foto", "inform"), ("skip", "inform"), ("ndak", "deny")],
)
def test_no_photo_replies_skip_the_photo(database, reply, intent):
    chat = _at_photo()
    assert chat.say(reply, intent=intent) == ["utter_ask_complaint_contact"]
    assert chat.slots["complaint_photo"] == "none"


def test_a_category_answer_is_never_an_faq_detour(database):
    chat = _at_category_guess()
    said = chat.say(
        "pelayanan publik",
        intent="faq",
        confidence=0.95,
        response_selector={"faq": {"response": {"utter_action": "utter_faq/skck"}}},
    )
    assert "utter_faq/skck" not in said
    assert chat.slots["complaint_category"] == "pelayanan_publik"


def _at_location() -> Conversation:
    chat = Conversation()
    chat.say("lampu jalan mati sudah seminggu, gelap sekali", intent="start_complaint")
    chat.say("ya")
    assert chat.slots["requested_slot"] == "complaint_location"
    return chat


def test_a_place_is_taken_unless_it_clearly_asks(database):
    faq = {"faq": {"response": {"utter_action": "utter_faq/skck"}}}
    # Free text: an unsure FAQ reading of a place is the place.
    chat = _at_location()
    chat.say("gang kantor samsat lama RT 02", intent="faq", confidence=0.6, response_selector=faq)
    assert chat.slots["complaint_location"] == "gang kantor samsat lama RT 02"
    chat = _at_location()
    said = chat.say(
        "syarat bikin skck apa aja?", intent="faq", confidence=0.9, response_selector=faq
    )
    assert said == ["utter_faq/skck", "utter_complaint_resume", "utter_ask_complaint_location"]


@pytest.mark.parametrize(
    "text, rest",
    [
        ("saya mau lapor", ""),
        ("mau lapor jalan rusak", "jalan rusak"),
        ("Lapor min, ada pohon tumbang nutup jalan", "pohon tumbang nutup jalan"),
        ("jalan depan SDN 3 bolong", "jalan depan SDN 3 bolong"),
        ("saya ingin menyampaikan pengaduan", ""),
    ],
)
def test_strip_trigger(text, rest):
    assert strip_trigger(text) == rest


# --- status look-ups -----------------------------------------------------------------------


def _status(sender: str, text: str, entities=None):
    tracker = make_tracker(sender, text, {}, intent="check_status", active=False, entities=entities)
    return run(ActionCheckStatus(), tracker)[1]


def test_check_status_owner_sees_status_note_and_due_date(database):
    view = tickets.create_ticket(
        kind="complaint",
        owner_key="rest:warga-1",
        sender_id="warga-1",
        category_or_service="jalan_rusak",
        description="jalan bolong",
    )
    tickets.change_status(view.id, "diverifikasi", "Tim survei dijadwalkan Senin")
    [message] = _status("warga-1", f"cek status {view.id.lower()}")
    assert message["response"] == "utter_ticket_status_complaint_note"
    assert message["ticket_id"] == view.id
    assert message["status"] == "diverifikasi"
    assert message["note"] == "Tim survei dijadwalkan Senin"
    assert message["due_date"] != "-"


def test_check_status_stranger_gets_exactly_the_not_found_answer(database):
    view = tickets.create_ticket(
        kind="complaint",
        owner_key="rest:warga-1",
        sender_id="warga-1",
        category_or_service="jalan_rusak",
        description="jalan bolong",
    )
    fake = "ADU-7K3M-Q9PX" if view.id != "ADU-7K3M-Q9PX" else "ADU-7K3M-Q9PY"
    stranger = _status("orang-lain", f"cek status {view.id}")
    missing = _status("orang-lain", f"cek status {fake}")
    assert stranger[0]["response"] == missing[0]["response"] == "utter_ticket_not_found"
    # Same response, same fields; the only difference is the number the citizen typed.
    assert {**stranger[0], "ticket_id": None} == {**missing[0], "ticket_id": None}
    assert len(stranger) == len(missing) == 1


def test_check_status_with_entity_and_latest_own_report(database):
    older = tickets.create_ticket(
        kind="complaint",
        owner_key="rest:warga-1",
        sender_id="warga-1",
        category_or_service="sampah",
        description="sampah numpuk",
    )
    newer = tickets.create_ticket(
        kind="complaint",
        owner_key="rest:warga-1",
        sender_id="warga-1",
        category_or_service="jalan_rusak",
        description="jalan bolong",
    )
    [by_entity] = _status(
        "warga-1", "cek ini dong", entities=[{"entity": "ticket_id", "value": older.id.lower()}]
    )
    assert by_entity["ticket_id"] == older.id
    [latest] = _status("warga-1", "laporan saya kemarin gimana?")
    assert latest["response"] == "utter_ticket_status_complaint"
    assert latest["ticket_id"] == newer.id
    assert _status("baru", "laporan saya kemarin gimana?")[0]["response"] == "utter_ticket_none_yet"


def test_check_status_of_an_application(database):
    app = tickets.create_ticket(
        kind="application",
        owner_key="rest:warga-1",
        sender_id="warga-1",
        category_or_service="skck",
        agency="polri",
    )
    [message] = _status("warga-1", f"status permohonan {app.id}")
    assert message["response"] == "utter_ticket_status_application"
    [latest] = _status("warga-1", "permohonan saya sudah sampai mana?")
    assert latest["ticket_id"] == app.id


def test_list_my_reports(database):
    for category in ("sampah", "jalan_rusak"):
        tickets.create_ticket(
            kind="complaint",
            owner_key="rest:warga-1",
            sender_id="warga-1",
            category_or_service=category,
            description="laporan",
        )
    tickets.create_ticket(
        kind="complaint",
        owner_key="rest:lain",
        sender_id="lain",
        category_or_service="sampah",
        description="punya orang lain",
    )
    tracker = make_tracker(
        "warga-1", "daftar laporan saya", {}, intent="list_my_reports", active=False
    )
    [message] = run(ActionListMyReports(), tracker)[1]
    assert message["response"] == "utter_ticket_list"
    assert message["count"] == 2
    assert message["tickets"].count("ADU-") == 2


@pytest.mark.parametrize(
    "answer, expected",
    [
        ("ya", "sampah"),
        ("Benar", "sampah"),
        ("kesehatan", "kesehatan"),
        ("air bersih", "air_bersih"),
        ("lampu jalan", "lampu_jalan"),
        ("banjir", "banjir_drainase"),
        ("pungli", "pelayanan_publik"),
        ("KTP/KK", "adminduk"),
        ("Pencemaran lingkungan", "lingkungan"),
        ("lainnya", "lainnya"),
        ("hmm", None),
    ],
)
def test_category_answers_typed_on_sms(answer, expected):
    assert complaint_form.category_from_answer(answer, "sampah") == expected


def _open_form(text: str, requested: str | None = None) -> list[str]:
    # Rasa validates the opening message with requested_slot already set to the first slot.
    tracker = make_tracker("warga-9", text, {"requested_slot": requested}, active=False)
    dispatcher = CollectingDispatcher()
    domain = {"responses": {"utter_faq/darurat": [{"text": "DARURAT? 112"}]}}
    asyncio.run(complaint_form.ValidateComplaintForm().run(dispatcher, tracker, domain))
    return [m.get("response") for m in dispatcher.messages]


def test_a_complaint_that_reports_an_emergency_gets_the_numbers_first(database):
    assert _open_form("tlg ad yg pingsan di psr") == ["utter_faq/darurat"]
    assert _open_form("tlg ad yg pingsan di psr", "complaint_description")[0] == (
        "utter_faq/darurat"
    )
    assert "utter_faq/darurat" not in _open_form(
        "ada pohon tumbang menutup jalan di depan rumah", "complaint_description"
    )


@pytest.mark.parametrize(
    ("reply", "intent"),
    [
        ("bantuan", "help"),
        ("bantuan", "inform"),
        ("maksudnya gimana? aku harus nulis apa", "faq"),
        ("what should I write?", "inform"),
        ("menu", "help"),
    ],
)
def test_asking_for_help_at_the_description_step_explains_it(database, reply, intent):
    """ "bantuan" used to be kept as a too-short description ("jelaskan lebih lengkap")."""
    chat = Conversation()
    chat.say("mau lapor", intent="start_complaint")
    said = chat.say(reply, intent=intent, confidence=0.6)
    assert said == ["utter_complaint_description_help", "utter_ask_complaint_description"]
    assert not chat.slots.get("complaint_draft")
    # The next real answer is the description, not glued to "bantuan".
    chat.say("lampu jalan di gang kami mati sudah seminggu")
    assert chat.slots["complaint_description"] == "lampu jalan di gang kami mati sudah seminggu"


def test_a_description_with_a_help_word_is_still_the_description(database):
    chat = Conversation()
    chat.say("mau lapor", intent="start_complaint")
    said = chat.say("bantuan sosial keluarga kami belum cair sejak Maret", intent="help")
    assert "utter_complaint_description_help" not in said
    assert chat.slots["complaint_description"].startswith("bantuan sosial")


def test_help_at_later_steps_gets_that_steps_explanation(database):
    chat = Conversation()
    chat.say("pohon tumbang di jalan Dago depan masjid", intent="start_complaint")
    chat.say("ya")
    assert chat.slots["requested_slot"] == "complaint_photo"
    assert chat.say("bingung", intent="help")[0] == "utter_complaint_photo_hint"
    assert chat.say("lewati")[-1] == "utter_ask_complaint_contact"
