"""GSM 03.38 (GSM-7) encoding facts: what fits an SMS segment and how many segments a text costs.

Why: every SMS segment costs the citizen or the agency money. One character outside GSM-7
(a curly quote, an en dash, an emoji) switches the whole message to UCS-2 and cuts a segment
from 160 to 70 characters. Segment sizes: 160/153 (GSM-7) and 70/67 (UCS-2) because the
concatenation header takes room in multi-part messages. Checked against Twilio's calculator
(npm `sms-segments-calculator`) in the channel tests.
"""

from __future__ import annotations

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("\f^{}\\[~]|€")


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def septets(text: str) -> int:
    """Length in GSM-7 septets: extension-table characters take an escape plus one septet."""
    return sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def segment_count(text: str) -> int:
    """Number of SMS segments Twilio would bill for `text` (0 for an empty text)."""
    if not text:
        return 0
    if is_gsm7(text):
        length, single, multi = septets(text), 160, 153
        if length <= single:
            return 1
        # An escape pair is never split across segments.
        segments, used = 1, 0
        for ch in text:
            cost = 2 if ch in GSM7_EXTENDED else 1
            if used + cost > multi:
                segments, used = segments + 1, 0
            used += cost
        return segments
    units, single, multi = _utf16_units(text), 70, 67
    if units <= single:
        return 1
    segments, used = 1, 0
    for ch in text:
        cost = _utf16_units(ch)
        if used + cost > multi:
            segments, used = segments + 1, 0
        used += cost
    return segments
