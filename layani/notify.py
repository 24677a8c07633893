"""Client that asks the Rasa server to send a message to a citizen (status notifications).

The Rasa server's `POST /layani/outbound` (channels/outbound_api.py) sends the text through the
citizen's own channel and records it in their conversation; this module only makes that call.
The text itself comes from a domain response (`bot/domain/*.yml`), rendered here with the channel
variant of the ticket's channel, so citizen-facing wording stays in the domain like everywhere else.

Failures (server down, 4xx/5xx, timeout) are logged with personal data masked and reported as
False; they are never raised, because the caller is a member of staff changing a status.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import httpx
import yaml

from layani import settings
from layani.paths import DOMAIN_DIR
from layani.pii import mask_text

if TYPE_CHECKING:  # pragma: no cover
    from storage.tickets import TicketView

logger = logging.getLogger(__name__)

STATUS_CHANGED_RESPONSE = "utter_ticket_status_changed"
STATUS_CHANGED_WITH_NOTE_RESPONSE = "utter_ticket_status_changed_note"


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


@lru_cache(maxsize=1)
def _responses() -> dict[str, list[dict]]:
    responses: dict[str, list[dict]] = {}
    for path in sorted(DOMAIN_DIR.rglob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variants in (data.get("responses") or {}).items():
            responses.setdefault(name, []).extend(variants or [])
    return responses


def render_response(name: str, channel: str | None = None, **values: Any) -> str:
    """The text of domain response `name` for `channel` (its variant, else the default one),
    with `{slot}`-style placeholders filled from `values`."""
    variants = _responses().get(name)
    if not variants:
        raise KeyError(f"no response {name!r} in the domain")
    chosen = next((v for v in variants if channel and v.get("channel") == channel), None)
    if chosen is None:
        chosen = next((v for v in variants if not v.get("channel")), variants[0])
    return str(chosen.get("text", "")).format_map(
        _Blank({k: "" if v is None else v for k, v in values.items()})
    )


def send_to_citizen(
    sender_id: str,
    text: str,
    template_variables: dict[str, str] | None = None,
    timeout: float = 10.0,
    transport: httpx.BaseTransport | None = None,
) -> bool:
    """POST the message to the Rasa server's outbound API; True when it accepted it.

    `template_variables` are used by the WhatsApp channel when the 24-hour window is closed
    (a Twilio content template, configured by TWILIO_WHATSAPP_TEMPLATE_SID).
    """
    conf = settings.load()
    payload: dict[str, Any] = {"sender_id": sender_id, "text": text}
    if template_variables:
        payload["template_variables"] = template_variables
    url = f"{conf.rasa_url.rstrip('/')}/layani/outbound"
    if not conf.outbound_token:
        # Fail closed: the outbound API refuses unauthenticated calls anyway.
        logger.error(
            "Outbound to %s not sent: LAYANI_OUTBOUND_TOKEN is not set", mask_text(sender_id)
        )
        return False
    try:
        with httpx.Client(timeout=timeout, transport=transport) as client:
            response = client.post(
                url, json=payload, headers={"Authorization": f"Bearer {conf.outbound_token}"}
            )
    except httpx.HTTPError as exc:
        logger.warning("Outbound to %s failed: %s", mask_text(sender_id), type(exc).__name__)
        return False
    if response.status_code >= 300:
        logger.warning(
            "Outbound to %s refused: HTTP %s %s",
            mask_text(sender_id),
            response.status_code,
            mask_text(response.text[:200]),
        )
        return False
    return True


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
