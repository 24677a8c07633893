"""Saving a confirmed complaint: committed first, acknowledged second, never twice.

Called from the form's validation when the citizen says "Kirim". The idempotency key is the
citizen's owner key plus the form session id (a random id set when this form started), so:

- a webhook retry or a second tap on "Kirim" in the same form finds the ticket the first one
  created and acknowledges that number instead of inserting another row;
- if the action server dies after the commit but before the reply, the form is still waiting for
  the confirmation (the slot events were lost with the process); the citizen's next "Kirim"
  returns the saved ticket and they are told its number once;
- if it dies before the commit, nothing was saved and the next "Kirim" saves it.

A database error is reported to the citizen as "not saved yet, send KIRIM again", never as a
number that does not exist.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.complaints.common import channel_of, format_date, label, owner_of
from actions.complaints.faults import maybe_crash

logger = logging.getLogger(__name__)


def idempotency_key(tracker: Tracker) -> str:
    return f"complaint:{owner_of(tracker)}:{tracker.get_slot('complaint_session') or 'nosession'}"


def submit_complaint(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """Create the ticket for the form's slots and acknowledge it; returns the slots to set."""
    from sqlalchemy.exc import SQLAlchemyError

    from storage import tickets

    channel = channel_of(tracker)
    category = tracker.get_slot("complaint_category") or "lainnya"
    photo = tracker.get_slot("complaint_photo")
    contact = tracker.get_slot("complaint_contact") or "account"
    location = tracker.get_slot("complaint_location")
    region = tracker.get_slot("complaint_region")
    data: dict[str, Any] = {}
    if region:
        data["region"] = region
    if tracker.get_slot("complaint_category_guess"):
        data["category_predicted"] = tracker.get_slot("complaint_category_guess")

    maybe_crash("complaint_before_commit")
    try:
        ticket = tickets.create_ticket(
            kind="complaint",
            owner_key=owner_of(tracker),
            sender_id=tracker.sender_id,
            channel=channel,
            category_or_service=category,
            description=tracker.get_slot("complaint_description") or "",
            location=location,
            latitude=tracker.get_slot("complaint_latitude"),
            longitude=tracker.get_slot("complaint_longitude"),
            photo_ref=photo if photo and photo != "none" else None,
            contact_name=tracker.get_slot("complaint_contact_name") if contact == "named" else None,
            anonymous=contact == "anonymous",
            data=data,
            idempotency_key=idempotency_key(tracker),
        )
    except (SQLAlchemyError, tickets.TicketError):
        logger.exception("Complaint could not be saved")
        dispatcher.utter_message(response="utter_complaint_save_failed")
        return {"complaint_confirm": None}
    maybe_crash("complaint_after_commit")

    if not ticket.created:
        logger.info("Complaint %s already saved for this form session; acknowledging it", ticket.id)
    dispatcher.utter_message(
        response="utter_complaint_saved",
        ticket_id=ticket.id,
        agency_label=label("agency", ticket.agency, channel),
        due_date=format_date(ticket.due_date),
    )
    return {"complaint_confirm": "sent", "complaint_outcome": ticket.id}
