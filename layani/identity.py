"""Who a citizen is, across channels: decided by the connector that authenticated the message.

Why: an owner key reads a citizen's tickets, resumes their application draft and ends their
handoff, so it must come from something a stranger cannot choose. Rasa records, on every user
message, the input channel whose connector received it (`telegram`, `twilio`, `socketio`,
`rest`, ...). That name is set server-side by the connector class; the sender id and the
message metadata are not always: a REST caller writes both. So:

- twilio: the E.164 phone number under a valid Twilio signature (no `whatsapp:` prefix), so SMS
  and WhatsApp from one phone are one citizen -> `phone:+62...`. Only this channel yields a
  phone key.
- telegram: `from.id`, verified by the gateway -> `telegram:<id>`.
- socketio (web chat): the server-issued session id -> `socketio:<id>`.
- rest: its own namespace (`rest:<sender>`); the REST connector already prefixes every sender
  with `rest:`, so the key is never `rest:rest:...`.
- anything else (`rasa shell`): `<input channel>:<sender>`.

`metadata.channel` is believed only from an input channel whose connector sets it itself
(twilio -> sms/whatsapp); the shape of a sender id ("+62...") never makes it a phone.
These keys are what the code produced before for the genuine channels, so existing tickets keep
their owners.
"""

from __future__ import annotations

# Input channel -> the `metadata.channel` values its connector sets server-side.
CONNECTOR_SET_CHANNELS: dict[str, tuple[str, ...]] = {
    "twilio": ("sms", "whatsapp"),
    "telegram": ("telegram",),
    "socketio": ("socketio",),
}
REST_PREFIX = "rest:"


def citizen_channel(input_channel: str | None, metadata_channel: object = None) -> str:
    """The channel a message came from: `metadata.channel` only where its connector set it."""
    input_channel = str(input_channel or "rest")
    if metadata_channel in CONNECTOR_SET_CHANNELS.get(input_channel, ()):
        return str(metadata_channel)
    return input_channel


def owner_key(sender_id: str, input_channel: str | None) -> str:
    """Stable owner key stored on tickets and drafts; only this key may read or change them.

    `input_channel` is Rasa's input channel of the message (not `metadata.channel`).
    """
    sender_id = sender_id.strip()
    input_channel = input_channel or "rest"
    if input_channel == "twilio":
        if sender_id.startswith("whatsapp:"):
            sender_id = sender_id[len("whatsapp:") :]
        return f"phone:{sender_id}"
    if input_channel == "rest":
        return sender_id if sender_id.startswith(REST_PREFIX) else REST_PREFIX + sender_id
    return f"{input_channel}:{sender_id}"
