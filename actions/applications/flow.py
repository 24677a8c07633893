"""Starting, resuming, cancelling, pausing and submitting an application."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.applications.fields import summary_values
from actions.applications.forms import CONFIRM_SLOT, FAILURES_SLOT
from actions.applications.services import (
    ALL_FIELD_SLOTS,
    PERSONAL_SLOTS,
    SERVICES,
    SLOT_LABELS,
    match_service,
    service_named_in,
)
from actions.channel import channel_of, owner_of

logger = logging.getLogger(__name__)

DRAFT_SLOTS = (*ALL_FIELD_SLOTS, CONFIRM_SLOT, FAILURES_SLOT, "application_draft_id")


def _reset() -> list[dict[str, Any]]:
    return [SlotSet(slot, None) for slot in (*DRAFT_SLOTS, "application_service")]


def _has_draft(tracker: Tracker) -> bool:
    service = SERVICES.get(tracker.get_slot("application_service") or "")
    return service is not None and any(tracker.get_slot(s) for s in service.slots)


class ActionApplicationStart(Action):
    """Begin an application, or resume the unfinished one (slots survive FAQ detours, handoff)."""

    def name(self) -> str:
        return "action_application_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        entity = next(tracker.get_latest_entity_values("application_service"), None)
        chosen = match_service(str(entity)) if entity else None
        if chosen is None:  # the entity extractor missed it, the words did not
            chosen = service_named_in(tracker.latest_message.get("text") or "")
        if _has_draft(tracker) and chosen in (None, tracker.get_slot("application_service")):
            dispatcher.utter_message(response="utter_application_resumed")
            return []
        events = _reset()
        events.append(SlotSet("application_draft_id", uuid.uuid4().hex))
        if chosen:
            # The form validates this pre-filled answer on activation (and says what comes next).
            events.append(SlotSet("application_service", chosen))
        return events


class ActionApplicationCorrect(Action):
    """ "ubah tanggal lahir" while no form is active: resume the draft if there is one."""

    def name(self) -> str:
        return "action_application_correct"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if not _has_draft(tracker):
            dispatcher.utter_message(response="utter_application_nothing_to_correct")
            return []
        dispatcher.utter_message(response="utter_application_resumed")
        # The summary comes next, where the citizen names the field to change.
        return [SlotSet(CONFIRM_SLOT, None), FollowupAction("application_form")]


class ActionApplicationCancel(Action):
    """Stop the form and forget everything typed into it."""

    def name(self) -> str:
        return "action_application_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_application_cancelled")
        return [ActiveLoop(None), SlotSet("requested_slot", None), *_reset()]


class ActionApplicationPause(Action):
    """Leave the form for an officer, keeping the answers so far for later resumption."""

    def name(self) -> str:
        return "action_application_pause"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_application_paused")
        events: list[dict[str, Any]] = [ActiveLoop(None), SlotSet("requested_slot", None)]
        if "handoff_reason" in (domain.get("slots") or {}):
            requested = tracker.get_slot("requested_slot") or ""
            service = SERVICES.get(tracker.get_slot("application_service") or "")
            reason = f"Permohonan {service.title if service else '(layanan belum dipilih)'}"
            if requested in SLOT_LABELS:
                failures = (tracker.get_slot(FAILURES_SLOT) or {}).get(requested, 0)
                reason += f": kesulitan mengisi {SLOT_LABELS[requested]} ({failures}x ditolak)"
            events.append(SlotSet("handoff_reason", reason))
        return events


class ActionApplicationSubmit(Action):
    """Store the confirmed application as a `PMH-...` ticket and give the citizen the number."""

    def name(self) -> str:
        return "action_application_submit"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        from storage.applications import submit_application
        from storage.personal_data import PersonalDataError
        from storage.tickets import TicketError

        service = SERVICES.get(tracker.get_slot("application_service") or "")
        if service is None or tracker.get_slot(CONFIRM_SLOT) != "ya":
            return []
        values = {slot: tracker.get_slot(slot) for slot in service.slots}
        missing = [slot for slot, value in values.items() if not value]
        if missing:  # cannot happen through the form; never store half an application
            logger.error("Application submit with empty fields %s", missing)
            return [SlotSet(CONFIRM_SLOT, None)]
        personal = {k: v for k, v in values.items() if k in PERSONAL_SLOTS}
        data: dict[str, Any] = {"service": service.id}
        data.update({k: v for k, v in values.items() if k not in PERSONAL_SLOTS})
        data.update(service.extra_data(values))
        channel = channel_of(tracker)
        draft_id = tracker.get_slot("application_draft_id") or uuid.uuid4().hex
        try:
            view = submit_application(
                service=service.id,
                agency=service.agency,
                owner_key=owner_of(tracker),
                sender_id=tracker.sender_id,
                channel=channel,
                draft_id=draft_id,
                data=data,
                personal=personal,
                description=service.describe(values),
                contact_name=values.get("applicant_name"),
            )
        except (TicketError, PersonalDataError, SQLAlchemyError):
            logger.exception("Application could not be stored (draft %s)", draft_id)
            dispatcher.utter_message(response="utter_application_submit_failed")
            # Keep the answers and the draft id: "ajukan permohonan" resumes at the summary and
            # a second submit finds the same ticket if the first one got through after all.
            return [SlotSet(CONFIRM_SLOT, None), SlotSet("application_draft_id", draft_id)]

        logger.info("Application %s stored (%s, created=%s)", view.id, service.id, view.created)
        dispatcher.utter_message(
            response=service.submitted_response,
            ticket_id=view.id,
            **summary_values(tracker.slots),
        )
        if service.requirements_response:
            dispatcher.utter_message(response=service.requirements_response)
        return [*_reset(), SlotSet("application_last_ticket", view.id)]
