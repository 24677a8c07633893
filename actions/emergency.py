"""Spot a message that reports an emergency, whatever intent the NLU gave it.

Why: the NLU is trained on questions about services. "banjir sudah masuk rumah, kami terjebak"
or "tetangga kobongan" may come back as `nlu_fallback`, and asking a person in danger to
"write it differently" wastes the minutes that matter. Where a message is not understood but
holds a word of danger (fire, drowning, an accident, someone unconscious, a robbery), the
citizen gets the emergency numbers (`utter_faq/darurat`) at once.

Words are matched on the normalised text (layani/language/normalise.py;
terms in layani/language/data/emergency_terms.txt), so SMS and regional
spellings the lexicon knows count too; regional words for danger are listed in that file.
Used where such a message can land: the fallback (instead of "please rephrase") and the start
of a complaint (numbers first, then the form, since the citizen may also want to report).
Self-harm and violence keywords are handled earlier, by the handoff policy (handoff.yml).
"""

from __future__ import annotations

import re
from typing import Any

from layani.language.normalise import normalise_text
from layani.language.vocabulary import word_tuple

# The umum pack's emergency answer; the handoff concern's short one if that pack is disabled.
EMERGENCY_RESPONSES = ("utter_faq/darurat", "utter_handoff_emergency")

EMERGENCY_TERMS = word_tuple("emergency_terms")

_PATTERN = re.compile(r"\b(?:" + "|".join(re.escape(t) for t in EMERGENCY_TERMS) + r")\b")


def reports_emergency(text: str) -> bool:
    """True when the message holds a word of danger ("kami terjebak banjir", "ada yg pingsan")."""
    return bool(_PATTERN.search(normalise_text(text or "")))


def emergency_response(domain: dict[str, Any]) -> str | None:
    """The emergency answer this domain has (None when neither concern is installed)."""
    responses = domain.get("responses") or {}
    return next((name for name in EMERGENCY_RESPONSES if name in responses), None)
