"""Masking of citizens' personal data (UU PDP): NIK, KK numbers and phone numbers.

Used by the logging filter (every process) and by the bot's own echoes, so a full identifier
never reaches a log file or a chat transcript shown on a shared screen. A 16-digit number keeps
its first 4 and last 4 digits ("3273********0001") so a citizen can still recognise it; a phone
number keeps its country/operator prefix and last 3 digits.
"""

from __future__ import annotations

import logging
import re

# 16 digits, optionally written in groups of 4 with spaces, dots or dashes.
_SIXTEEN_DIGITS = re.compile(r"(?<!\d)(\d{4})[ .-]?(\d{4})[ .-]?(\d{4})[ .-]?(\d{4})(?!\d)")
# A mistyped identity number (14, 15 or 17 digits) still gives most of it away. Not after a
# "." or ",", so fractional parts of floats in log lines (confidences) are left alone.
_NEAR_SIXTEEN_DIGITS = re.compile(r"(?<![\d.,])(\d{14,15}|\d{17})(?![\d])")
# Indonesian mobile numbers: 08…, 628…, +628…, with optional separators; 9-13 digits after 0/62.
_PHONE = re.compile(r"(?<![\d+])(\+?62|0)[ .-]?(8\d{1,2})[ .-]?(\d{3,4})[ .-]?(\d{2,5})(?!\d)")


def mask_id_number(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    if len(digits) < 8:
        return "*" * len(digits)
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def mask_phone(number: str) -> str:
    digits = re.sub(r"[^\d+]", "", number)
    keep_head = 4 if digits.startswith("08") else 6 if digits.startswith("+62") else 5
    return digits[:keep_head] + "*" * max(0, len(digits) - keep_head - 3) + digits[-3:]


def mask_text(text: str) -> str:
    """Mask every NIK/KK-like number (also one digit short or long) and Indonesian mobile
    number inside free text."""
    if not text:
        return text
    text = _SIXTEEN_DIGITS.sub(lambda m: mask_id_number(m.group(0)), text)
    text = _NEAR_SIXTEEN_DIGITS.sub(lambda m: mask_id_number(m.group(0)), text)
    return _PHONE.sub(lambda m: mask_phone(m.group(0)), text)


def _mask_record(record: logging.LogRecord) -> logging.LogRecord:
    try:
        rendered = record.getMessage()
    except Exception:  # a broken format string must not hide the record itself
        return record
    masked = mask_text(rendered)
    if masked != rendered:
        record.msg, record.args = masked, None
    return record


_installed = False


def install_log_masking() -> None:
    """Mask personal data in every log record this process creates, whatever handler emits it.

    A record factory (rather than a handler filter) also covers handlers that Rasa, Sanic or
    coloredlogs attach after start-up.
    """
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs):  # type: ignore[no-untyped-def]
        return _mask_record(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed = True
