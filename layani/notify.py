"""Client that asks the Rasa server to send a message to a citizen, and the domain texts it sends.

Callers: `services.ticket_status` (status notifications), `services.ratings` (rating questions),
the console and the actions (`render_response`). This module knows nothing of storage. The Rasa
server's `POST /layani/outbound` (channels/outbound_api.py) sends the text through the
citizen's own channel and records it in their conversation; this module only makes that call.
The text itself comes from a domain response (`bot/domain/*.yml`), rendered here with the channel
variant of the citizen's channel, so citizen-facing wording stays in the domain as everywhere else.

Failures (server down, 4xx/5xx, timeout) are logged with personal data masked and reported as
False; they are never raised, because the caller is a member of staff changing a status.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

import httpx
import yaml

from layani import settings
from layani.paths import DOMAIN_DIR
from layani.pii import mask_text

logger = logging.getLogger(__name__)


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


def render_message(
    name: str, channel: str | None = None, **values: Any
) -> tuple[str, list[dict[str, str]]]:
    """Text and buttons of domain response `name` for `channel`. `{name}` placeholders in a
    button payload are replaced literally (payloads hold JSON braces, so no str.format)."""
    text = render_response(name, channel, **values)
    variants = _responses()[name]
    chosen = next((v for v in variants if channel and v.get("channel") == channel), None)
    if chosen is None:
        chosen = next((v for v in variants if not v.get("channel")), variants[0])
    buttons = []
    for button in chosen.get("buttons") or []:
        payload = str(button.get("payload", ""))
        for key, value in values.items():
            payload = payload.replace("{" + key + "}", "" if value is None else str(value))
        buttons.append({"title": str(button.get("title", "")), "payload": payload})
    return text, buttons


def send_to_citizen(
    sender_id: str,
    text: str,
    template_variables: dict[str, str] | None = None,
    timeout: float = 10.0,
    transport: httpx.BaseTransport | None = None,
    buttons: list[dict[str, str]] | None = None,
) -> bool:
    """POST the message to the Rasa server's outbound API; True when it accepted it.

    `template_variables` are used by the WhatsApp channel when the 24-hour window is closed
    (a Twilio content template, configured by TWILIO_WHATSAPP_TEMPLATE_SID).
    """
    conf = settings.load()
    payload: dict[str, Any] = {"sender_id": sender_id, "text": text}
    if template_variables:
        payload["template_variables"] = template_variables
    if buttons:
        payload["buttons"] = buttons
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


CSAT_ASK_RESPONSES = {"ticket": "utter_csat_ask_ticket", "handoff": "utter_csat_ask_handoff"}


def ask_for_rating(
    sender_id: str,
    channel: str | None,
    subject_kind: str,
    subject_ref: str,
    transport: httpx.BaseTransport | None = None,
) -> bool:
    """Ask the citizen to rate a finished complaint or a closed handoff (storage.ratings).

    Buttons on channels that have them (Telegram, web chat); SMS and WhatsApp variants carry no
    buttons and ask for a single-digit reply, in one GSM-7 segment on SMS.
    """
    text, buttons = render_message(
        CSAT_ASK_RESPONSES[subject_kind],
        channel,
        ticket_id=subject_ref,
        subject=f"{subject_kind}:{subject_ref}",
    )
    return send_to_citizen(sender_id, text, buttons=buttons or None, transport=transport)
