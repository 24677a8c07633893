"""Asking a citizen to rate a finished complaint or a closed handoff (CSAT).

The request is recorded first (`storage.ratings.request_rating`), so a quick answer always
finds it, and removed again when the question could not be delivered, so a later digit is not
taken as a rating of something the citizen was never asked about. The question itself is a
domain response sent through the outbound API (`layani.notify.ask_for_rating`). Nothing here
raises: the callers are a status change and a handoff close made by a member of staff.
"""

from __future__ import annotations

import logging
from typing import Any

from layani import notify
from layani.identity import owner_key as identity_owner_key
from storage import ratings

logger = logging.getLogger(__name__)

# A complaint is rated once it is finished either way.
ASKED_AFTER_STATUSES = ("selesai", "ditolak")


def ask(
    owner_key: str,
    sender_id: str,
    channel: str,
    subject_kind: str,
    subject_ref: str,
    agency: str | None,
    url: str | None = None,
) -> bool:
    """Record the request, then send the question; True when the citizen was asked."""
    try:
        ratings.request_rating(owner_key, subject_kind, subject_ref, agency, channel, url=url)
        if notify.ask_for_rating(sender_id, channel, subject_kind, subject_ref):
            return True
        ratings.cancel_request(subject_kind, subject_ref, url=url)
    except Exception:  # noqa: BLE001 - a rating question must never break a status change
        logger.exception("Rating question for %s %s failed", subject_kind, subject_ref)
    return False


def ask_after_ticket(ticket: Any, url: str | None = None) -> bool:
    """Ask for a rating when a complaint (a `storage.tickets.TicketView`) is finished."""
    if ticket.kind != "complaint" or ticket.status not in ASKED_AFTER_STATUSES:
        return False
    return ask(
        ticket.owner_key, ticket.sender_id, ticket.channel, "ticket", ticket.id, ticket.agency, url
    )


def handoff_owner_key(sender_id: str, channel: str | None) -> str:
    """The owner key of a handoff's citizen: handoffs store the channel the connector saw
    (`sms`/`whatsapp` for Twilio), owner keys are built from the input channel."""
    input_channel = "twilio" if channel in ("sms", "whatsapp") else (channel or "rest")
    return identity_owner_key(sender_id, input_channel)


def ask_after_handoff(row: Any, url: str | None = None) -> bool:
    """Ask the citizen of a just-closed handoff (`storage.handoff.Handoff`) for a rating."""
    return ask(
        handoff_owner_key(row.sender_id, row.channel),
        row.sender_id,
        row.channel,
        "handoff",
        str(row.id),
        row.agency_id,
        url=url,
    )
