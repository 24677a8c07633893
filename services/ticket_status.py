"""Change a ticket's status and tell the citizen: what the console, the CLI and the actions call.

Order, and why: the change is committed in storage first (`storage.tickets.change_status`:
transition rules, history, public note), then the reporter is told through the Rasa server's
outbound API in their own channel's wording (domain responses `utter_ticket_status_changed*`),
then the outcome is added to the history (event "notified" or "notify_failed") so staff see
whether the citizen was reached. A finished complaint is then asked for a rating
(`services.ratings`). A failed notification is logged and recorded, never raised: the caller is
a member of staff who has already made the change.
"""

from __future__ import annotations

import logging

import httpx

from layani.notify import render_response, send_to_citizen
from services import ratings as rating_requests
from storage import tickets
from storage.tickets import TicketView

logger = logging.getLogger(__name__)

STATUS_CHANGED_RESPONSE = "utter_ticket_status_changed"
STATUS_CHANGED_WITH_NOTE_RESPONSE = "utter_ticket_status_changed_note"


def change_status(
    ticket_id: str,
    new_status: str,
    note: str | None = None,
    actor: str = "petugas",
    notify: bool = True,
    url: str | None = None,
) -> TicketView:
    """Move a ticket to `new_status` with a public `note`, then tell the reporter.

    Raises `tickets.TicketNotFound` or `tickets.InvalidTransition` (nothing changed then);
    never raises because a notification failed. `notify=False` is for corrections an
    operator makes without bothering the citizen (`layani complaint status --no-notify`).
    """
    view = tickets.change_status(ticket_id, new_status, note, actor=actor, url=url)
    return notify_reporter(view, url) if notify else view


def notify_reporter(view: TicketView, url: str | None = None) -> TicketView:
    """Send the status message, record the outcome, ask for a rating; the ticket as it is now."""
    try:
        ok = notify_status_change(view)
        detail = None
    except Exception as exc:  # noqa: BLE001 - staff must never see a notifier crash
        logger.exception("Notification for %s failed", view.id)
        ok, detail = False, type(exc).__name__
    tickets.record_event(view.id, "notified" if ok else "notify_failed", detail, "sistem", url=url)
    if ok:
        rating_requests.ask_after_ticket(view, url=url)  # finished complaints only; never raises
    return tickets.get_ticket(view.id, url=url) or view


def notify_status_change(ticket: TicketView, transport: httpx.BaseTransport | None = None) -> bool:
    """Tell the reporter of `ticket` its new status (and the public note, if any)."""
    note = ticket.last_note if ticket.history and ticket.history[-1].note else None
    due = ticket.due_date.strftime("%d-%m-%Y") if ticket.due_date else ""
    name = STATUS_CHANGED_WITH_NOTE_RESPONSE if note else STATUS_CHANGED_RESPONSE
    text = render_response(
        name,
        ticket.channel,
        ticket_id=ticket.id,
        status=ticket.status,
        note=note or "",
        due_date=due,
    )
    return send_to_citizen(
        ticket.sender_id,
        text,
        template_variables={"1": ticket.id, "2": ticket.status},
        transport=transport,
    )
