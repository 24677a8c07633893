"""Who a citizen is, across channels.

Twilio connectors use the E.164 phone number as `sender_id` (no `whatsapp:` prefix), so SMS and
WhatsApp from the same phone are the same citizen and share complaints and applications. Other
channels' sender ids are namespaced by the channel so ids from two platforms never collide.
"""

from __future__ import annotations


def owner_key(sender_id: str, channel: str | None = None) -> str:
    """Stable owner key stored on tickets; only this key may read a ticket's status."""
    sender_id = sender_id.strip()
    if sender_id.startswith("whatsapp:"):
        sender_id = sender_id[len("whatsapp:") :]
    if sender_id.startswith("+") and sender_id[1:].isdigit():
        return f"phone:{sender_id}"
    if channel in ("sms", "whatsapp", "twilio"):
        return f"phone:{sender_id}"
    return f"{channel or 'chat'}:{sender_id}"
