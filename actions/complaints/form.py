"""The complaint form (`complaint_form`): validation, the category and summary questions, and the
end-of-form reset.

Rasa asks for the slots in `bot/domain/complaints.yml` order (description, category, location,
photo, contact, confirm). All of them have `custom` mappings: this module's
`validate_complaint_form` reads the citizen's message itself, because free text in Indonesian is
better read by rules we can test than by entity extraction:

- the first message may already hold everything ("jalan depan SDN 3 Cibeunying bolong gede,
  udah 2 bulan"): description, a category guess and the place are taken from it;
- a location pin or a photo (message metadata from Telegram/WhatsApp) is taken at any step;
- "batal" cancels at any step; an FAQ question is answered and the form goes on; a request for
  a human officer or another service interrupts (the form rejects, other rules take over);
- a thin description, a vague place or an unclear answer is asked again with a hint.

The complaint is saved when the citizen confirms (submit.py), before they are told its number.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.complaints import classifier
from actions.complaints.common import channel_of, label
from actions.complaints.location import (
    extract_place,
    is_vague,
    photo_from_metadata,
    pin_from_metadata,
    recognise_region,
    warm_up,
)
from actions.complaints.text import tokens
from actions.emergency import emergency_response, reports_emergency
from actions.faq.in_form import faq_response, is_faq_question
from layani.language.normalise import load_mapping
from layani.language.replies import asks_for_help, asks_question, is_no, is_yes, starts_with
from layani.language.vocabulary import DATA_DIR, word_set

logger = logging.getLogger(__name__)

FORM = "complaint_form"
# The required slots are the keys of STEPS (below), in the order Rasa asks them.
# Slots the form uses besides the required ones; all are cleared when the form ends.
AUXILIARY = (
    "complaint_category_guess",
    "complaint_region",
    "complaint_latitude",
    "complaint_longitude",
    "complaint_contact_name",
    "complaint_session",
    "complaint_draft",
)
MIN_DESCRIPTION_CHARS = 15
MIN_DESCRIPTION_WORDS = 3
# An affirm or deny from the NLU counts at a step from this confidence (as in the application
# form's confirmation).
INTENT_CONFIDENCE = 0.5

# Intents that leave the form to other rules (the form rejects the turn).
INTERRUPTING_INTENTS = {
    "request_human",
    "start_application",
    "check_status",
    "list_my_reports",
    "delete_my_data",
}
# What the bot says when the citizen asks how to answer the step ("bantuan", "harus nulis apa?"):
# the step's own explanation, after which the form asks the same question again.
STEP_HELP = {
    "complaint_description": "utter_complaint_description_help",
    "complaint_category": "utter_complaint_category_help",
    "complaint_location": "utter_complaint_location_help",
    "complaint_photo": "utter_complaint_photo_hint",
    "complaint_contact": "utter_complaint_contact_hint",
    "complaint_confirm": "utter_complaint_confirm_help",
}
# Opening phrases of start_complaint that carry no detail ("saya mau lapor", "pengaduan min").
_TRIGGER = re.compile(
    r"^\s*(?:(?:halo|hai|pagi|siang|sore|malam|permisi|assalamualaikum)\w*\s*,?\s*)?"
    r"(?:min\s+|kak\s+|pak\s+|bu\s+)?(?:saya\s+|aku\s+|sy\s+|kami\s+)?"
    r"(?:mau\s+|ingin\s+|pengen\s+|pingin\s+|hendak\s+|akan\s+)?"
    r"(?:bikin\s+|buat\s+|membuat\s+|menyampaikan\s+|sampaikan\s+)?"
    r"(?:lapor(?:an|kan)?|melapor(?:kan)?|mengadu(?:kan)?|adu(?:an)?|pengaduan|komplain|keluhan|aduin)"
    r"(?:\s*(?:min|kak|pak|bu|nih|dong|ya|yah|tentang|soal|masalah|mengenai|ada)\b|\s*[,:.!-]+)*\s*",
    re.IGNORECASE,
)


def _normalised(entry: str) -> str:
    """A list entry in the form `norm` gives a reply, so both sides of `in` agree."""
    return " ".join(tokens(entry))


_OTHER_CATEGORY = word_set("reply_other_category")
_YES = word_set("reply_yes") | word_set("reply_yes", _normalised)
_NO = word_set("reply_no") | word_set("reply_no", _normalised)
# "sudahlah" (enough, stop) normalises to "sudah", which is a yes: a normalised form never
# cancels when it is a yes.
_CANCEL = word_set("reply_cancel") | (word_set("reply_cancel", _normalised) - _YES)
_SKIP = word_set("reply_skip") | word_set("reply_skip", _normalised)
_ANONYMOUS = word_set("reply_anonymous") | word_set("reply_anonymous", _normalised)
_ACCOUNT = word_set("reply_use_account") | word_set("reply_use_account", _normalised)
# Openings of a reply that asks to change a field at the summary ("ubah lokasi").
_EDIT_OPENINGS = (["ubah"], ["ganti"], ["edit"], ["koreksi"], ["perbaiki"])
_FIELD_WORDS = {
    slot: tuple(words.split())
    for slot, words in load_mapping(DATA_DIR / "form_field_words.txt").items()
}


def norm(text: str | None) -> str:
    return " ".join(tokens(text or ""))


def is_question(text: str) -> bool:
    """The one "is this a question?" test of both forms (layani.language.replies)."""
    return asks_question(text)


def strip_trigger(text: str) -> str:
    """The message without its opening "saya mau lapor" phrase."""
    return _TRIGGER.sub("", text or "", count=1).strip()


def is_thin(text: str) -> bool:
    words = [w for w in tokens(text) if len(w) > 1]
    return len((text or "").strip()) < MIN_DESCRIPTION_CHARS or len(words) < MIN_DESCRIPTION_WORDS


def guess_shown(guess: str | None) -> bool:
    """The category question shows a guess ("Sepertinya ... Sampah. Benar?") rather than the
    plain list (no guess, or the classifier's `lainnya`)."""
    return bool(guess) and guess != classifier.FALLBACK


def declines_guess(text: str) -> bool:
    """ "bukan", "salah", "lain", "kategori lain": the shown guess is wrong, show the list."""
    return is_no(text) or starts_with(text, "reply_another_choice")


def skips_photo(text: str) -> bool:
    """ "lewati", "ga ada", "nggak punya foto", "skip": no photo for this report."""
    return starts_with(text, "reply_skip") or is_no(text)


def category_from_answer(text: str, guess: str | None, affirmed: bool = False) -> str | None:
    """The category a citizen chose: a yes ("ya", "iya bener", or `affirmed` by the NLU) keeps
    the guess; an id, a label or a description picks another one."""
    answer = norm(text)
    raw = (text or "").strip().lower()
    if guess and (answer in _YES or raw in _YES):
        return guess
    categories = classifier.load_model().categories
    if raw in categories:
        return raw
    if guess_shown(guess) and starts_with(text, "reply_another_choice"):
        return None  # "lain" turns the guess down here; it is not the label "Lainnya"
    underscored = answer.replace(" ", "_")
    if underscored in categories:
        return underscored
    for category in categories:
        if answer and answer == norm(label("category", category)):
            return category
    if guess_shown(guess) and declines_guess(text):
        # "salah, bukan jalan rusak", "bukan, itu saluran mampet": after a no, a category named
        # may be the one turned down or the correction; the list lets the citizen choose.
        return None
    predicted, score = classifier.classify_with_score(text)
    if predicted != classifier.FALLBACK and score >= 2:
        return predicted
    if guess_shown(guess):
        # "iya bener", "betul itu", "leres" (or the NLU's affirm): the guess; "bukan": none.
        if declines_guess(text):
            return None
        if is_yes(text) or affirmed:
            return guess
    if answer in _OTHER_CATEGORY:
        return "lainnya"
    return None


def wanted_field(text: str) -> str | None:
    words = set(norm(text).split())
    for slot, keys in _FIELD_WORDS.items():
        if words & set(keys):
            return slot
    return None


@dataclass(frozen=True)
class Answer:
    """How one step read the citizen's reply: the slots to set, and the response that explains
    why the reply was not taken (None: taken)."""

    slots: dict[str, Any]
    hint: str | None = None


Reader = Callable[[str, CollectingDispatcher, Tracker, dict[str, Any]], Answer]


@dataclass(frozen=True)
class Step:
    """One question of the form.

    `free_text`: any text could be the answer (a place, a name), so an FAQ question is tested
    before the reply is read, with the strict free-text rule (actions/faq/in_form.py). Other
    steps read the reply first: a reply they can use is always the answer, and only one they
    cannot use may be an FAQ question. `faq_detour=False`: FAQ-like text is the answer.
    """

    read: Reader
    free_text: bool = False
    faq_detour: bool = True


def _intent(tracker: Tracker) -> tuple[str, float]:
    intent = (tracker.latest_message or {}).get("intent") or {}
    return str(intent.get("name") or ""), float(intent.get("confidence") or 0.0)


def _said(tracker: Tracker, name: str) -> bool:
    """The NLU reads the reply as intent `name` (confidently enough to act on it)."""
    intent, confidence = _intent(tracker)
    return intent == name and confidence >= INTENT_CONFIDENCE


# --- the steps, in the order the form asks them (bot/domain/complaints.yml) -------------------


def read_description(
    text: str, dispatcher: CollectingDispatcher, tracker: Tracker, _slots: dict[str, Any]
) -> Answer:
    """What happened; a thin reply is kept as a draft and joined with the next one."""
    draft = tracker.get_slot("complaint_draft")
    detail = strip_trigger(text) or text
    combined = f"{draft} {detail}".strip() if draft else detail
    if is_thin(combined):
        return Answer(
            {"complaint_description": None, "complaint_draft": combined or None},
            hint="utter_complaint_description_too_short",
        )
    slots: dict[str, Any] = {"complaint_description": combined, "complaint_draft": None}
    slots.update(_guess(combined))
    slots.update(_location_from(combined, tracker))
    return Answer(slots)


def read_category(
    text: str, dispatcher: CollectingDispatcher, tracker: Tracker, _slots: dict[str, Any]
) -> Answer:
    """The guess confirmed ("iya bener", intent affirm), another category named, or the guess
    turned down ("bukan", "salah", "lain", intent deny): then the full list is asked."""
    guess = tracker.get_slot("complaint_category_guess")
    choice = category_from_answer(text, guess, affirmed=_said(tracker, "affirm"))
    if choice is not None:
        return Answer({"complaint_category": choice, "complaint_category_guess": choice})
    if guess_shown(guess) and (_said(tracker, "deny") or declines_guess(text)):
        # Without a guess, the next question is the list of categories, not the guess again.
        return Answer(
            {"complaint_category": None, "complaint_category_guess": None},
            hint="utter_complaint_category_choose",
        )
    if is_no(text):
        return Answer({"complaint_category": None}, hint="utter_complaint_category_choose")
    return Answer({"complaint_category": None}, hint="utter_complaint_category_unknown")


def read_location(
    text: str, dispatcher: CollectingDispatcher, tracker: Tracker, slots: dict[str, Any]
) -> Answer:
    """An address or landmark (a pin is taken before this step); "di sini" is too vague."""
    if "complaint_location" in slots:  # a pin arrived
        return Answer({})
    if is_vague(text):
        return Answer({"complaint_location": None}, hint="utter_complaint_location_vague")
    region = recognise_region(text)
    return Answer(
        {"complaint_location": text[:500], "complaint_region": region.label if region else None}
    )


def read_photo(
    text: str, dispatcher: CollectingDispatcher, tracker: Tracker, slots: dict[str, Any]
) -> Answer:
    """A photo (taken before this step), a link, or no photo: "lewati", "ga ada", "nggak punya
    foto", or any reply the NLU reads as `deny`."""
    if "complaint_photo" in slots:
        return Answer({})
    if re.match(r"^https?://\S+$", text or ""):
        return Answer({"complaint_photo": text.strip()})
    if skips_photo(text) or _said(tracker, "deny"):
        return Answer({"complaint_photo": "none"})
    return Answer({"complaint_photo": None}, hint="utter_complaint_photo_hint")


def read_contact(
    text: str, dispatcher: CollectingDispatcher, tracker: Tracker, _slots: dict[str, Any]
) -> Answer:
    """Anonymous, the channel account, or a name ("nama saya Budi")."""
    answer = norm(text)
    raw = (text or "").strip().lower()
    if answer in _ANONYMOUS or raw in _ANONYMOUS or "anonim" in answer.split():
        return Answer({"complaint_contact": "anonymous", "complaint_contact_name": None})
    if answer in _ACCOUNT or raw in _ACCOUNT:
        return Answer({"complaint_contact": "account", "complaint_contact_name": None})
    name = _name_from(text)
    if name:
        return Answer({"complaint_contact": "named", "complaint_contact_name": name})
    return Answer({"complaint_contact": None}, hint="utter_complaint_contact_hint")


def read_confirm(
    text: str, dispatcher: CollectingDispatcher, tracker: Tracker, _slots: dict[str, Any]
) -> Answer:
    """At the summary: send ("kirim", a yes, intent affirm), change a field ("ubah lokasi"),
    or a no (asks which field)."""
    from actions.complaints.submit import submit_complaint

    answer = norm(text)
    field = wanted_field(text)
    if field and (answer.split()[:1] in _EDIT_OPENINGS or len(answer.split()) <= 2):
        return Answer(_reopen(field))
    if not field and (is_yes(text) or _said(tracker, "affirm")):
        return Answer(submit_complaint(dispatcher, tracker))
    if answer.split()[:1] in _EDIT_OPENINGS or is_no(text) or _said(tracker, "deny"):
        return Answer({"complaint_confirm": None}, hint="utter_complaint_which_field")
    return Answer({"complaint_confirm": None}, hint="utter_complaint_confirm_help")


# The form's flow: requested slot -> how its reply is read. Rasa asks the slots in this order.
STEPS: dict[str, Step] = {
    # Complaints often mention a service ("KTP saya ditolak petugas"): FAQ-like text is the
    # description here, never a detour.
    "complaint_description": Step(read_description, faq_detour=False),
    "complaint_category": Step(read_category),
    "complaint_location": Step(read_location, free_text=True),
    "complaint_photo": Step(read_photo),
    "complaint_contact": Step(read_contact, free_text=True),
    "complaint_confirm": Step(read_confirm),
}
REQUIRED = tuple(STEPS)


class ValidateComplaintForm(Action):
    """Reads every citizen message while `complaint_form` is active (see module docstring)."""

    def __init__(self) -> None:
        # rasa_sdk creates actions once when the action server starts: load the region data now.
        warm_up()

    def name(self) -> str:
        return "validate_complaint_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        message = tracker.latest_message or {}
        text = (message.get("text") or "").strip()
        intent = ((message.get("intent") or {}).get("name")) or ""
        metadata = dict(message.get("metadata") or {})
        requested = tracker.get_slot("requested_slot")
        activating = tracker.active_loop_name != FORM and requested is None
        slots: dict[str, Any] = {}

        if activating or not tracker.get_slot("complaint_session"):
            slots["complaint_session"] = uuid.uuid4().hex

        # A pin or a photo is welcome at any step.
        pin = pin_from_metadata(metadata)
        if pin:
            slots["complaint_latitude"] = pin["latitude"]
            slots["complaint_longitude"] = pin["longitude"]
            if not tracker.get_slot("complaint_location") or requested == "complaint_location":
                slots["complaint_location"] = (
                    f"Titik peta {pin['latitude']:.6f}, {pin['longitude']:.6f}"
                )
        photo = photo_from_metadata(metadata)
        if photo:
            slots["complaint_photo"] = photo
        if (pin or photo) and text.startswith("/"):
            text = ""  # "/share_location"-style placeholders carry no words

        emergency = emergency_response(domain)
        describing = activating or requested in (None, "complaint_description")
        if describing and emergency and reports_emergency(text):
            # "ada yg pingsan di pasar": the numbers before any question of the form.
            dispatcher.utter_message(response=emergency)

        if activating:
            slots.update(_prefill(text, tracker))
            return _events(slots)

        if _is_cancel(text, intent):
            dispatcher.utter_message(response="utter_complaint_cancelled")
            cleared = {name: None for name in REQUIRED + AUXILIARY}
            cleared["complaint_outcome"] = "cancelled"
            cleared["requested_slot"] = None
            return _events(cleared)

        if requested in STEP_HELP and _wants_help(text, tracker):
            dispatcher.utter_message(response=STEP_HELP[requested])
            slots[requested] = None
            return _events(slots)

        if (
            intent in INTERRUPTING_INTENTS
            and (message.get("intent") or {}).get("confidence", 0) >= 0.8
            and not _looks_like_answer(text)
        ):
            return []  # the form rejects; the intent's own rule answers

        step = STEPS.get(requested or "")
        if step is None:
            return _events(slots)
        if (pin or photo) and requested in slots:
            return _events(slots)  # the pin or photo answered this step
        if step.faq_detour and step.free_text and is_faq_question(message, free_text=True):
            return _detour(dispatcher, message, domain, requested, slots)

        answer = step.read(text, dispatcher, tracker, slots)
        if answer.hint and step.faq_detour and is_faq_question(message, free_text=False):
            return _detour(dispatcher, message, domain, requested, slots)
        if answer.hint:
            dispatcher.utter_message(response=answer.hint)
        slots.update(answer.slots)
        return _events(slots)


def _prefill(text: str, tracker: Tracker) -> dict[str, Any]:
    """Fill what the opening message already says ("mau lapor" alone fills nothing)."""
    slots: dict[str, Any] = {}
    if text.startswith("/"):
        return slots
    detail = strip_trigger(text)
    if not detail or is_thin(detail):
        if detail and len(tokens(detail)) >= 1:
            slots["complaint_draft"] = detail
        return slots
    slots["complaint_description"] = detail
    slots.update(_guess(detail))
    slots.update(_location_from(detail, tracker))
    return slots


def _detour(
    dispatcher: CollectingDispatcher,
    message: dict[str, Any],
    domain: dict[str, Any],
    requested: str | None,
    slots: dict[str, Any],
) -> list[EventType]:
    """Answer the FAQ question, then "Mari kita lanjutkan laporan Anda." and the same question."""
    dispatcher.utter_message(
        response=faq_response(message, domain) or "utter_complaint_faq_unknown"
    )
    dispatcher.utter_message(response="utter_complaint_resume")
    # Setting the requested slot to None (it is still empty) makes the form ask it again.
    if requested:
        slots[requested] = None
    return _events(slots)


def _looks_like_answer(text: str) -> bool:
    """Short replies the form itself asked for ("kirim", "lewati", "anonim", a category id,
    "ubah lokasi"): never an interruption, whatever intent the NLU gave them."""
    answer = norm(text)
    raw = (text or "").strip().lower()
    words = answer.split()
    known = _YES | _NO | _SKIP | _ACCOUNT | _ANONYMOUS | _CANCEL
    return (
        answer in known
        or raw in known
        or raw in classifier.load_model().categories
        or (bool(words) and words[0] in ("ubah", "ganti", "edit", "koreksi"))
    )


def _wants_help(text: str, tracker: Tracker) -> bool:
    """The reply asks how to answer the step instead of answering it.

    Why: "bantuan" at the description step was kept as a too-short description, and the
    citizen who did not know what to write was told to write more. A form answer ("lewati",
    "kirim", a category) is never a help request; the NLU's help intent counts only for a
    reply of a few words, as a longer one may be the answer itself."""
    if not text or _looks_like_answer(text):
        return False
    if asks_for_help(text):
        return True
    asked_help = _said(tracker, "help") or _said(tracker, "help_topics")
    return asked_help and len(tokens(text)) <= 3


def _guess(description: str) -> dict[str, Any]:
    category, _score = classifier.classify_with_score(description)
    return {"complaint_category_guess": category}


def _reopen(field: str) -> dict[str, Any]:
    slots: dict[str, Any] = {field: None, "complaint_confirm": None}
    if field == "complaint_location":
        slots.update(complaint_region=None, complaint_latitude=None, complaint_longitude=None)
    if field == "complaint_contact":
        slots["complaint_contact_name"] = None
    return slots


def _is_cancel(text: str, intent: str) -> bool:
    answer = norm(text)
    raw = (text or "").strip().lower().rstrip("!. ")
    return intent == "cancel" or answer in _CANCEL or raw in _CANCEL


_NAME_PREFIX = re.compile(
    r"^\s*(?:nama\s+(?:saya|aku|sy)\s*(?:adalah)?|saya|aku|pakai nama|atas nama|an\.?|a\.n\.?)"
    r"\s*[:,-]?\s*",
    re.IGNORECASE,
)


def _name_from(text: str) -> str | None:
    """A person's name from "nama saya Budi Santoso" or "Budi Santoso" (letters only, 1-5 words)."""
    candidate = _NAME_PREFIX.sub("", text or "").strip().strip(".")
    words = candidate.split()
    if not 1 <= len(words) <= 5:
        return None
    if not all(re.fullmatch(r"[A-Za-z][A-Za-z.'\-]*", w) for w in words):
        return None
    if norm(candidate) in _YES | _NO | _SKIP:
        return None
    return " ".join(w[:1].upper() + w[1:] for w in words)[:100]


def _events(slots: dict[str, Any]) -> list[EventType]:
    return [SlotSet(name, value) for name, value in slots.items()]


class ActionAskComplaintCategory(Action):
    """Shows the predicted category and lets the citizen confirm it or pick another one."""

    def name(self) -> str:
        return "action_ask_complaint_category"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        guess = tracker.get_slot("complaint_category_guess")
        channel = channel_of(tracker)
        if guess and guess != classifier.FALLBACK:
            dispatcher.utter_message(
                response="utter_ask_complaint_category_guess",
                category_label=label("category", guess, channel),
            )
        else:
            dispatcher.utter_message(response="utter_ask_complaint_category")
        return []


class ActionAskComplaintConfirm(Action):
    """The summary of the complaint, with Kirim / Ubah / Batal."""

    def name(self) -> str:
        return "action_ask_complaint_confirm"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        channel = channel_of(tracker)
        category = tracker.get_slot("complaint_category")
        location = tracker.get_slot("complaint_location") or "-"
        region = tracker.get_slot("complaint_region")
        if region and region.lower() not in location.lower():
            location = f"{location} ({region})"
        photo = tracker.get_slot("complaint_photo")
        contact = tracker.get_slot("complaint_contact")
        dispatcher.utter_message(
            response="utter_ask_complaint_confirm",
            description=tracker.get_slot("complaint_description"),
            category_label=label("category", category, channel),
            location=location,
            photo_label=label("photo", "yes" if photo and photo != "none" else "no", channel),
            contact_label=(
                tracker.get_slot("complaint_contact_name")
                if contact == "named"
                else label("contact", contact or "account", channel)
            ),
        )
        return []


class ActionComplaintFinish(Action):
    """Runs when the form ends (sent or cancelled): clears the form's slots for the next report."""

    def name(self) -> str:
        return "action_complaint_finish"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return [SlotSet(name, None) for name in REQUIRED + AUXILIARY + ("complaint_outcome",)]


def _location_from(text: str, tracker: Tracker) -> dict[str, Any]:
    """Location slots read from a description, unless the citizen already gave a location."""
    if tracker.get_slot("complaint_location"):
        return {}
    place = extract_place(text)
    region = recognise_region(text)
    if not (place or region):
        return {}
    slots: dict[str, Any] = {"complaint_location": place or region.label}  # type: ignore[union-attr]
    if region:
        slots["complaint_region"] = region.label
    return slots
