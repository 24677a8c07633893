"""One citizen message as the gateway reads it and the Rasa server runs it: the envelope.

Why one type: the same message is built by a webhook reader (channels/gateway/), queued and
journalled in Redis (sealed), posted to the Rasa server's `/webhooks/<channel>/turn`, written
to the dead-letter log when that fails, replayed from there, and finally turned into a Rasa
`UserMessage` or a reply. As an untyped dict its keys differed by provider (`text` on Telegram,
`body` on Twilio) and every stage guessed; here every field is named once, with its meaning.

Two kinds:
    turn  a citizen's message: run a conversation turn with `text` and `metadata`
    say   a text the channel sends without a turn (rate-limit, busy, too-long, "groups are not
          served"...), queued behind the citizen's earlier messages so they read it in order

On the wire (`to_wire`/`from_wire`) an envelope is a flat JSON object; empty optional fields
are left out. `from_wire` still reads `body` (the Twilio text before this type existed), so
journal entries and dead letters written by an older gateway can be replayed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TURN, SAY = "turn", "say"
KINDS = (TURN, SAY)


@dataclass(frozen=True)
class Envelope:
    """A message in (kind `turn`) or a text out without a turn (kind `say`)."""

    channel: str  # the connector (credentials key): "telegram" or "twilio"
    kind: str  # TURN or SAY
    sender_id: str  # the citizen: Telegram user id (a group's chat id for its refusal), E.164
    text: str  # what the citizen wrote (or a button payload), or the text to say
    chat_id: str = ""  # Telegram: the chat replies go to (the sender's private chat if empty)
    mode: str = ""  # Twilio: "sms" or "whatsapp"
    to: str = ""  # Twilio: our number the citizen wrote to (replies go out from it)
    metadata: dict[str, Any] = field(default_factory=dict)  # connector-read facts: photo, ...
    message_id: str = ""  # the provider's id (update, MessageSid): Rasa's message_id, logs

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"envelope kind must be one of {KINDS}, not {self.kind!r}")
        if not self.channel or not self.sender_id:
            raise ValueError("an envelope needs a channel and a sender_id")

    @property
    def reply_to(self) -> str:
        """Where a reply to this message goes: the Telegram chat, else the sender."""
        return self.chat_id or self.sender_id

    def saying(self, text: str) -> Envelope:
        """A `say` to the same citizen on the same channel (and Twilio number)."""
        return Envelope(
            self.channel,
            SAY,
            self.sender_id,
            text,
            chat_id=self.chat_id,
            mode=self.mode,
            to=self.to,
        )

    def to_wire(self) -> dict[str, Any]:
        """The JSON object for the Rasa server, the journal and the dead-letter log."""
        wire: dict[str, Any] = {
            "channel": self.channel,
            "kind": self.kind,
            "sender_id": self.sender_id,
            "text": self.text,
        }
        for name in ("chat_id", "mode", "to", "metadata", "message_id"):
            value = getattr(self, name)
            if value:
                wire[name] = value
        return wire

    @classmethod
    def from_wire(cls, data: Any) -> Envelope:
        """The envelope in `data`; ValueError when it is not one (the turn route answers 400)."""
        if not isinstance(data, dict):
            raise ValueError("an envelope is a JSON object")
        text = data.get("text")
        if text is None:
            text = data.get("body", "")  # written by a gateway before this type existed
        metadata = data.get("metadata") or {}
        fields = {
            "channel": data.get("channel"),
            "kind": data.get("kind"),
            "sender_id": data.get("sender_id"),
            "text": text,
            "chat_id": data.get("chat_id") or "",
            "mode": data.get("mode") or "",
            "to": data.get("to") or "",
            "message_id": data.get("message_id") or "",
        }
        for name, value in fields.items():
            if not isinstance(value, str):
                raise ValueError(f"envelope field {name!r} must be a string")
        if not isinstance(metadata, dict):
            raise ValueError("envelope metadata must be an object")
        return cls(metadata=dict(metadata), **fields)
