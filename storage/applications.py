"""Service applications (`PMH-XXXX-XXXX`): tickets of kind "application" plus restricted data.

The ticket (storage.tickets) carries what every member of staff may see: the service, names,
dates, address, purpose (in `data`). Identity numbers go to `storage.personal_data`, encrypted.
Submitting is idempotent on the draft id the chat assigns, so a retried action or a double
"Ya, kirim" yields one ticket; a retry after a half-finished submit also completes the data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from storage import personal_data, tickets
from storage.personal_data import TicketPersonalData  # noqa: F401  (registers the table)

KIND = "application"


def submit_application(
    *,
    service: str,
    agency: str,
    owner_key: str,
    sender_id: str,
    channel: str,
    draft_id: str,
    data: Mapping[str, Any],
    personal: Mapping[str, str | None],
    description: str = "",
    contact_name: str | None = None,
    url: str | None = None,
) -> tickets.TicketView:
    """Create (or find again) the application ticket and store its personal data.

    Raises `storage.personal_data.PersonalDataError` when a field is not a personal-data field,
    and `storage.tickets.TicketError` subclasses for invalid tickets.
    """
    leaked = set(data) & set(personal_data.FIELDS)
    if leaked:
        raise personal_data.PersonalDataError(f"identity numbers must not go in data: {leaked}")
    view = tickets.create_ticket(
        kind=KIND,
        owner_key=owner_key,
        sender_id=sender_id,
        channel=channel,
        agency=agency,
        category_or_service=service,
        description=description,
        contact_name=contact_name,
        data=dict(data),
        idempotency_key=f"application:{draft_id}",
        url=url,
    )
    # Also on a retry: the first attempt may have died between the two commits.
    personal_data.store(view.id, personal, url=url)
    return view


def application_data(ticket_id: str, url: str | None = None) -> dict[str, Any]:
    """The ticket's public data with masked identity numbers (safe for any staff screen)."""
    view = tickets.get_ticket(ticket_id, url=url)
    if view is None or view.kind != KIND:
        return {}
    values = personal_data.read(view.id, url=url)
    masked = {field: personal_data.mask(field, value) for field, value in values.items()}
    return {**view.data, **masked}
