"""How much one citizen message may be, per channel: the bound on the work one message causes.

Why per channel: SMS costs the citizen money per 153-character segment and Twilio joins at most
10 segments; Telegram caps a message at 4,096 characters; web chat and REST have no natural cap.
A complaint description fits easily in these limits (the complaint form asks for a few
sentences). A longer message is not processed at all: the citizen gets `messages.TOO_LONG`
(naming the limit) and nothing reaches the NLU, so no single message can hold up other turns.

The limits are characters after stripping surrounding whitespace, counted as Python `str`
length (code points), the unit both the normaliser and the featurisers pay for.
"""

from __future__ import annotations

from channels import messages

MAX_MESSAGE_CHARS: dict[str, int] = {
    "socketio": 1500,
    "rest": 1500,
    "telegram": 1500,
    "whatsapp": 1500,
    "sms": 1000,
}
DEFAULT_MAX_MESSAGE_CHARS = 1000


def max_chars(channel: str) -> int:
    """The documented maximum message length of `channel` (the strictest default if unknown)."""
    return MAX_MESSAGE_CHARS.get(channel, DEFAULT_MAX_MESSAGE_CHARS)


def too_long(channel: str, text: str) -> bool:
    """True when `text` exceeds the channel's limit and must be answered with `too_long_reply`."""
    return len(text.strip()) > max_chars(channel)


def too_long_reply(channel: str) -> str:
    """The kind reply for an over-long message (GSM-7, one text for every channel)."""
    return messages.TOO_LONG.format(limit=max_chars(channel))
