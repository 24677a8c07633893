"""The services a citizen can apply for in chat: one `Service` record each.

One Rasa form (`application_form`) serves all of them: its first question is the service, and
`required_slots` then appends that service's fields in the record's order. Every other table
(the personal slots, the labels, the numbered SMS menu, the responses to send, the FAQ topic
that offers the form) is read from these records.

To add a service: add one record to `SERVICES` below (using the fields of fields.py, or a new
`Field` there), and its responses in bot/domain/applications.yml (started, summary, receipt,
requirements; plus slots and `utter_ask_<slot>` questions for new fields, and a button in
`utter_ask_application_service`). Records are listed in the numbered menu's order.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from actions.applications import fields as questions
from actions.applications.fields import DUKCAPIL_SERVICES, FIELDS, Field
from layani.validators import Result

SERVICE_SLOT = "application_service"
Values = Mapping[str, Any]


@dataclass(frozen=True)
class Service:
    """One application service.

    Attributes:
        id: the `application_service` value, stored as the ticket's `category_or_service`.
        title: the service's name for staff lists and handoff notes.
        agency: the agency the application is routed to.
        fields: the questions, in the order the form asks them.
        keywords: words that choose this service in an answer to "which service?".
        named_in_request: a regular expression that names the service unmistakably inside a
            whole request ("mau bikin surat domisili").
        started_response / summary_response / submitted_response: what the bot says when the
            form starts, at the summary, and with the ticket number (spelled out so
            `make validate` sees them used).
        requirements_response: what to bring to the office, sent after the receipt.
        catalogue_id: the FAQ topic about the same service (spec/topics.yml); its answer
            offers this application with one button.
        detail: what tells one application apart in staff lists, from the answers (never an
            identity number); the list shows "<title>: <detail>".
        extra_data: stored values derived from the answers (e.g. a choice's display name).
    """

    id: str
    title: str
    agency: str
    fields: tuple[Field, ...]
    keywords: tuple[str, ...]
    named_in_request: str
    started_response: str
    summary_response: str
    submitted_response: str
    detail: Callable[[Values], str]
    requirements_response: str | None = None
    catalogue_id: str | None = None
    extra_data: Callable[[Values], dict[str, Any]] = field(default=lambda values: {})

    def describe(self, values: Values) -> str:
        """One line for staff lists: "Surat Keterangan Domisili: melamar pekerjaan"."""
        return f"{self.title}: {self.detail(values)}"

    @property
    def slots(self) -> tuple[str, ...]:
        return tuple(f.slot for f in self.fields)


def _fields(*slots: str) -> tuple[Field, ...]:
    return tuple(FIELDS[slot] for slot in slots)


_SERVICES = (
    Service(
        id="domisili",
        title="Surat Keterangan Domisili",
        agency="kelurahan",
        fields=_fields(
            "applicant_name",
            "applicant_birth_date",
            "applicant_nik",
            "applicant_address",
            "domisili_purpose",
            "applicant_phone",
        ),
        keywords=("domisili", "keterangan tinggal", "skd", "sktt"),
        named_in_request=r"\bdomisili\b|\bskd\b",
        started_response="utter_application_started_domisili",
        summary_response="utter_application_summary_domisili",
        submitted_response="utter_application_submitted",
        requirements_response="utter_application_requirements_domisili",
        catalogue_id="surat_domisili",
        detail=lambda v: f"{v.get('domisili_purpose')}",
    ),
    Service(
        id="antrean_dukcapil",
        title="Antrean layanan Dukcapil",
        agency="dukcapil",
        fields=_fields(
            "applicant_name",
            "applicant_nik",
            "dukcapil_service",
            "appointment_date",
            "appointment_session",
            "applicant_phone",
        ),
        keywords=(
            "antrean",
            "antrian",
            "antri",
            "jadwal",
            "dukcapil",
            "ktp",
            "kk",
            "kartu keluarga",
        ),
        named_in_request=r"\bantr(e|i)an\b|\bantri\b|\bantre\b",
        started_response="utter_application_started_antrean_dukcapil",
        summary_response="utter_application_summary_antrean_dukcapil",
        # The receipt repeats the appointment; the requirements depend on the counter service.
        submitted_response="utter_application_submitted_antrean",
        detail=lambda v: (
            f"{DUKCAPIL_SERVICES.get(v.get('dukcapil_service') or '', '')}, "
            f"{v.get('appointment_date')} sesi {v.get('appointment_session')}"
        ),
        extra_data=lambda v: {
            "dukcapil_service_name": DUKCAPIL_SERVICES[v["dukcapil_service"]],
        },
    ),
    Service(
        id="kelahiran",
        title="Pencatatan kelahiran",
        agency="dukcapil",
        fields=_fields(
            "child_name",
            "child_sex",
            "child_birth_date",
            "child_birth_place",
            "father_nik",
            "mother_nik",
            "kk_number",
            "applicant_phone",
        ),
        keywords=("kelahiran", "lahir", "akta", "akte", "bayi", "anak"),
        named_in_request=r"\bkelahiran\b|\bak(ta|te) (lahir|kelahiran)\b",
        started_response="utter_application_started_kelahiran",
        summary_response="utter_application_summary_kelahiran",
        submitted_response="utter_application_submitted",
        requirements_response="utter_application_requirements_kelahiran",
        catalogue_id="akta_kelahiran",
        detail=lambda v: f"{v.get('child_name')}, lahir {v.get('child_birth_date')}",
    ),
)
SERVICES: dict[str, Service] = {service.id: service for service in _SERVICES}

# --- read from the records ------------------------------------------------------------------

# Numbered menu order (SMS has no buttons): 1, 2, 3, the records' order.
MENU_ORDER = tuple(SERVICES)
# Every field some service asks, in first-asked order.
ALL_FIELD_SLOTS = tuple(dict.fromkeys(slot for s in _SERVICES for slot in s.slots))
SLOT_LABELS: dict[str, str] = {slot: FIELDS[slot].label for slot in ALL_FIELD_SLOTS}
# Slots holding identity numbers: stored encrypted (application store and conversation store,
# layani/tracker_store.py), echoed masked. A new personal field says `personal=True`.
PERSONAL_SLOTS = tuple(slot for slot in ALL_FIELD_SLOTS if FIELDS[slot].personal)
FREE_TEXT_SLOTS = frozenset(slot for slot in ALL_FIELD_SLOTS if FIELDS[slot].free_text)


def service_for_topic(topic: str) -> Service | None:
    """The chat application for an FAQ topic ("surat_domisili" -> domisili), if there is one."""
    return next((s for s in _SERVICES if s.catalogue_id == topic), None)


def match_service(text: str) -> str | None:
    """The service id a free-text answer or button payload names, or None.

    A payload or menu number names it exactly; otherwise the service with the most keywords in
    the answer wins, ties going to the earlier record ("ktp anak saya hilang": antrean).
    """
    norm = (text or "").lower().strip()
    if norm in SERVICES:
        return norm
    if norm.isdigit() and 1 <= int(norm) <= len(MENU_ORDER):
        return MENU_ORDER[int(norm) - 1]
    for service_id in SERVICES:  # payloads carry the id itself
        if service_id in norm:
            return service_id
    hits = {
        s.id: sum(bool(re.search(rf"\b{re.escape(k)}", norm)) for k in s.keywords)
        for s in _SERVICES
    }
    best = max(hits, key=lambda service_id: hits[service_id])
    return best if hits[best] else None


def service_named_in(text: str) -> str | None:
    """The service a request names unmistakably ("mau bikin surat domisili"), or None.

    Stricter than `match_service`: a whole request can mention "anak" or "KTP" without
    choosing a service, while an answer to "which service?" is short and on topic.
    """
    norm = (text or "").lower()
    return next((s.id for s in _SERVICES if re.search(s.named_in_request, norm)), None)


def check(slot: str, text: str, slots: Values, today: dt.date | None = None) -> Result:
    """Validate ``text`` as the answer for ``slot``: the service choice or one of its fields."""
    if slot == SERVICE_SLOT:
        service = match_service(text)
        if service is None:
            return Result.invalid("utter_invalid_application_service")
        return Result.valid(service)
    return questions.check(slot, text, slots, today)


# Every slot the form validates (the service choice, then each field).
CHECKED_SLOTS = (SERVICE_SLOT, *FIELDS)
