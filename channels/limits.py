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

import re

from channels import messages

# C0 controls (but tab, newline, carriage return) and DEL: never meaningful in a citizen's text,
# and NUL is refused by PostgreSQL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

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


def clean_text(text: str) -> str:
    """The citizen's text as every later stage can handle it: lone UTF-16 surrogates (valid in
    JSON escapes, invalid Unicode: spaCy and the databases raise on them) become "?", control
    characters become spaces. Every connector calls this before building a UserMessage."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    return _CONTROL.sub(" ", text)
