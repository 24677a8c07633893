"""`validate_application_form`: the officer's checks, applied to each answer as it arrives.

For every answer, in this order:
1. a correction ("ubah tanggal lahir", "eh salah, NIK-nya 3273...") changes or clears that field
   and the form asks again from the first empty question;
2. the answer is validated (actions.applications.fields); a valid answer is always taken;
3. an invalid answer that is really an FAQ question ("syaratnya apa?", the one rule of
   actions/faq/in_form.py) gets the FAQ answer and the same question again (a detour and
   back, the form stays active);
4. otherwise the specific explanation is sent; after three failures on the same question the
   citizen is also offered an officer.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.applications import corrections
from actions.applications.fields import FIELDS, summary_values
from actions.applications.services import CHECKED_SLOTS, SERVICES, SLOT_LABELS, check
from actions.faq.in_form import faq_response, is_faq_question
from layani.language.replies import is_no, is_yes

logger = logging.getLogger(__name__)

FORM = "application_form"
CONFIRM_SLOT = "application_confirmed"
FAILURES_SLOT = "application_failures"
MAX_FAILURES = 3


def _intent(tracker: Tracker) -> tuple[str | None, float]:
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name"), float(intent.get("confidence") or 0.0)


def _faq_detour(tracker: Tracker, domain: DomainDict, slot: str) -> str | None:
    """The FAQ answer to give instead of taking the reply (actions/faq/in_form.py's rule)."""
    free_text = slot in FIELDS and FIELDS[slot].free_text
    if not is_faq_question(tracker.latest_message, free_text=free_text):
        return None
    return faq_response(tracker.latest_message, domain)


class ValidateApplicationForm(FormValidationAction):
    """Validation for `application_form`; `validate_<slot>` methods are generated below."""

    def name(self) -> str:
        return "validate_application_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        service = SERVICES.get(tracker.get_slot("application_service") or "")
        if service is None:
            return list(domain_slots)
        return ["application_service", *service.slots, CONFIRM_SLOT]

    def validate_slot(
        self,
        slot: str,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        text = str(value or "")
        service = tracker.get_slot("application_service") or ""
        if slot != "application_service":
            intent, confidence = _intent(tracker)
            correction = corrections.detect(
                text,
                service=service,
                requested_slot=slot,
                intent=intent,
                confidence=confidence,
                entities=tracker.latest_message.get("entities"),
            )
            if correction is not None and correction.slot is not None:
                return self._correct(slot, correction, dispatcher, tracker, domain)
            # "ubah" without a field we recognise: a valid answer still counts as the answer.
            unnamed_correction = correction is not None
        else:
            unnamed_correction = False
        if slot == CONFIRM_SLOT:
            return self._confirm(text, unnamed_correction, dispatcher, tracker, domain)

        result = check(slot, text, dict(tracker.slots))
        if result.ok:
            return self._accepted(slot, result, dispatcher, tracker)
        if unnamed_correction:
            dispatcher.utter_message(response="utter_ask_which_field")
            return {slot: None}
        faq = _faq_detour(tracker, domain, slot)
        if faq:
            dispatcher.utter_message(response=faq)
            dispatcher.utter_message(response="utter_application_continue")
            return {slot: None}
        return self._rejected(slot, result.error or "", result.params, dispatcher, tracker)

    def _accepted(
        self, slot: str, result: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        out: dict[str, Any] = {slot: result.value}
        failures = dict(tracker.get_slot(FAILURES_SLOT) or {})
        if failures.pop(slot, None) is not None:
            out[FAILURES_SLOT] = failures
        if slot == "application_service":
            service = SERVICES[result.value]
            if not any(tracker.get_slot(f) for f in service.slots):  # not when resuming a draft
                dispatcher.utter_message(response=service.started_response)
            if not tracker.get_slot("application_draft_id"):
                out["application_draft_id"] = uuid.uuid4().hex
        if slot == "appointment_date" and result.info.get("session"):
            # "besok jam 9 pagi" answers the session question too.
            out["appointment_session"] = result.info["session"]
        return out

    def _rejected(
        self,
        slot: str,
        error: str,
        params: dict[str, Any],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
    ) -> dict[str, Any]:
        dispatcher.utter_message(response=error, **params)
        failures = dict(tracker.get_slot(FAILURES_SLOT) or {})
        failures[slot] = int(failures.get(slot, 0)) + 1
        if failures[slot] >= MAX_FAILURES:
            dispatcher.utter_message(response="utter_application_offer_human")
        logger.info("Application answer rejected: %s (%s, attempt %d)", slot, error, failures[slot])
        return {slot: None, FAILURES_SLOT: failures}

    def _confirm(
        self,
        text: str,
        unnamed_correction: bool,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        intent, confidence = _intent(tracker)
        if (intent == "affirm" and confidence >= 0.5) or is_yes(text):
            return {CONFIRM_SLOT: "ya"}
        no = (intent == "deny" and confidence >= 0.5) or is_no(text)
        if no or unnamed_correction:
            dispatcher.utter_message(response="utter_ask_which_field")
            return {CONFIRM_SLOT: None}
        # After "Data mana yang ingin diubah?" a bare field name ("tanggal lahir") is enough.
        named = corrections.detect(
            text,
            service=tracker.get_slot("application_service") or "",
            requested_slot=CONFIRM_SLOT,
            intent="correct_application_field",
            confidence=1.0,
        )
        if named is not None and named.slot:
            return self._correct(CONFIRM_SLOT, named, dispatcher, tracker, domain)
        faq = _faq_detour(tracker, domain, CONFIRM_SLOT)
        if faq:
            dispatcher.utter_message(response=faq)
            dispatcher.utter_message(response="utter_application_continue")
            return {CONFIRM_SLOT: None}
        return self._rejected(CONFIRM_SLOT, "utter_invalid_confirmation", {}, dispatcher, tracker)

    def _correct(
        self,
        slot: str,
        correction: corrections.Correction,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {slot: None, CONFIRM_SLOT: None}
        service = SERVICES.get(tracker.get_slot("application_service") or "")
        target = correction.slot
        if service is None or target not in service.slots:
            dispatcher.utter_message(response="utter_ask_which_field")
            return out
        label = SLOT_LABELS[target]
        if correction.value:
            others = {k: v for k, v in tracker.slots.items() if k != target}
            result = check(target, correction.value, others)
            if result.ok:
                dispatcher.utter_message(
                    response="utter_application_field_corrected", field_label=label
                )
                accepted = self._accepted(target, result, dispatcher, tracker)
                out.update(accepted)
                if target == slot:
                    out[slot] = result.value
                return out
            out.update(
                self._rejected(target, result.error or "", result.params, dispatcher, tracker)
            )
            return out
        dispatcher.utter_message(response="utter_application_field_cleared", field_label=label)
        out[target] = None
        return out


def _make_validator(slot: str):  # type: ignore[no-untyped-def]
    def validate(
        self: ValidateApplicationForm,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        return self.validate_slot(slot, value, dispatcher, tracker, domain)

    validate.__name__ = f"validate_{slot}"
    validate.__doc__ = f"Validate `{slot}` (see ValidateApplicationForm.validate_slot)."
    return validate


for _slot in (*CHECKED_SLOTS, CONFIRM_SLOT):
    setattr(ValidateApplicationForm, f"validate_{_slot}", _make_validator(_slot))


class ActionAskApplicationConfirmed(Action):
    """Show the masked summary and ask for confirmation (buttons: kirim / ubah / batal)."""

    def name(self) -> str:
        return "action_ask_application_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if _asked_which_field_this_turn(tracker):
            return []  # the citizen is choosing a field; the summary would bury that question
        service = SERVICES.get(tracker.get_slot("application_service") or "")
        if service is None:
            return []
        dispatcher.utter_message(response=service.summary_response, **summary_values(tracker.slots))
        dispatcher.utter_message(response="utter_ask_application_confirmed")
        return []


def _asked_which_field_this_turn(tracker: Tracker) -> bool:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "bot":
            if (event.get("metadata") or {}).get("utter_action") == "utter_ask_which_field":
                return True
    return False
