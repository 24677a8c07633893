"""Which channel the citizen is writing from, for every action that words or routes by it.

Our connectors put `metadata.channel` on each message ("telegram", "whatsapp", "sms", "web");
Rasa's own input channel name is the fallback (REST tests and `rasa shell` have no metadata).
One definition, so SMS-specific behaviour (no buttons, shorter texts) cannot drift apart.
"""

from __future__ import annotations

from rasa_sdk import Tracker


def channel_of(tracker: Tracker) -> str:
    """The channel of the latest message (`metadata.channel`, else Rasa's input channel)."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    return str(metadata.get("channel") or tracker.get_latest_input_channel() or "rest")
