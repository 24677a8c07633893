"""Status look-ups and "my reports" for citizens: only the owner ever sees a ticket.

"cek status ADU-7K3M-Q9PX" (any case, with or without the NLU entity: the id is read from the
text with `storage.ids.find_ticket_id`), "laporan saya kemarin gimana?" (the sender's latest
complaint) and "permohonan saya" (latest application) all land here. A ticket that is not the
sender's gets exactly the response of an id that does not exist, so numbers cannot be probed.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.complaints.common import channel_of, format_date, label, owner_of
from actions.complaints.text import tokens
from layani.language.vocabulary import word_set
from storage.ids import find_ticket_id

logger = logging.getLogger(__name__)


def _normalised(entry: str) -> str:
    return " ".join(tokens(entry))


_APPLICATION_WORDS = word_set("status_application_words") | word_set(
    "status_application_words", _normalised
)
_COMPLAINT_WORDS = word_set("status_complaint_words") | word_set(
    "status_complaint_words", _normalised
)
_MINE_WORDS = word_set("status_mine_words") | word_set("status_mine_words", _normalised)
LIST_LIMIT = 5


def requested_id(tracker: Tracker) -> str | None:
    """The ticket id in the message: the `ticket_id` entity, else found in the text."""
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") == "ticket_id":
            found = find_ticket_id(str(entity.get("value") or ""))
            if found:
                return found
    return find_ticket_id((tracker.latest_message or {}).get("text") or "")


def wanted_kind(text: str) -> str | None:
    words = set(tokens(text))
    if words & _APPLICATION_WORDS:
        return "application"
    if words & _COMPLAINT_WORDS:
        return "complaint"
    return None


def status_params(ticket: Any, channel: str) -> dict[str, Any]:
    subject = ticket.category_or_service
    return {
        "ticket_id": ticket.id,
        "status": ticket.status,
        "status_label": label("status", ticket.status, channel),
        "subject_label": label("category", subject, channel)
        if ticket.kind == "complaint"
        else label("service", subject, channel),
        "note": ticket.last_note or "",
        "due_date": format_date(ticket.due_date),
        "created_date": format_date(ticket.created_at.date()),
    }


STATUS_RESPONSES = {
    ("complaint", False): "utter_ticket_status_complaint",
    ("complaint", True): "utter_ticket_status_complaint_note",
    ("application", False): "utter_ticket_status_application",
    ("application", True): "utter_ticket_status_application_note",
}


def utter_status(dispatcher: CollectingDispatcher, ticket: Any, channel: str) -> None:
    kind = "complaint" if ticket.kind == "complaint" else "application"
    response = STATUS_RESPONSES[(kind, bool(ticket.last_note))]
    dispatcher.utter_message(response=response, **status_params(ticket, channel))


class ActionCheckStatus(Action):
    """Answers a status question for the sender's own ticket (see module docstring)."""

    def name(self) -> str:
        return "action_check_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        from storage import tickets

        owner = owner_of(tracker)
        channel = channel_of(tracker)
        ticket_id = requested_id(tracker)
        try:
            if ticket_id:
                ticket = tickets.get_for_owner(ticket_id, owner)
                if ticket is None:
                    dispatcher.utter_message(response="utter_ticket_not_found", ticket_id=ticket_id)
                else:
                    utter_status(dispatcher, ticket, channel)
                return []
            text = (tracker.latest_message or {}).get("text") or ""
            mine = tickets.list_for_owner(owner, limit=1, kind=wanted_kind(text))
        except Exception:  # noqa: BLE001 - the citizen gets an apology, staff get the log
            logger.exception("Status look-up failed")
            dispatcher.utter_message(response="utter_ticket_lookup_failed")
            return []
        if mine:
            utter_status(dispatcher, mine[0], channel)
        else:
            dispatcher.utter_message(response="utter_ticket_none_yet")
        return []


class ActionListMyReports(Action):
    """The sender's most recent tickets, newest first, one line each."""

    def name(self) -> str:
        return "action_list_my_reports"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        from storage import tickets

        channel = channel_of(tracker)
        try:
            mine = tickets.list_for_owner(owner_of(tracker), limit=LIST_LIMIT)
        except Exception:  # noqa: BLE001
            logger.exception("Listing tickets failed")
            dispatcher.utter_message(response="utter_ticket_lookup_failed")
            return []
        if not mine:
            dispatcher.utter_message(response="utter_ticket_none_yet")
            return []
        lines = []
        for ticket in mine:
            params = status_params(ticket, channel)
            from layani.notify import render_response

            lines.append(render_response("utter_ticket_list_line", channel, **params))
        dispatcher.utter_message(
            response="utter_ticket_list", count=len(mine), tickets="\n".join(lines)
        )
        return []
