"""Which channel the citizen is writing from, and who they are, for every action.

The channel is Rasa's input channel of the latest message (set server-side by the connector
class); `metadata.channel` refines it only where that connector sets it itself (twilio -> `sms`
or `whatsapp`), because a REST caller can write any metadata. One definition, so SMS-specific
behaviour (no buttons, shorter texts) and ticket ownership cannot drift apart.
"""

from __future__ import annotations

from rasa_sdk import Tracker

from layani.identity import citizen_channel, owner_key


def input_channel_of(tracker: Tracker) -> str:
    """Rasa's input channel of the latest message (`rest` when there is none)."""
    return str(tracker.get_latest_input_channel() or "rest")


def channel_of(tracker: Tracker) -> str:
    """The channel of the latest message: `sms`, `whatsapp`, `telegram`, `socketio`, `rest`..."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    return citizen_channel(input_channel_of(tracker), metadata.get("channel"))


def owner_of(tracker: Tracker) -> str:
    """The citizen's owner key (layani.identity), from the authenticated input channel."""
    return owner_key(tracker.sender_id, input_channel_of(tracker))
