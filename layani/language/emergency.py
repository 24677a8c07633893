"""Does a message report an emergency? One test for the NLU side and the actions.

Why here: the actions use it where a not-understood message or a new complaint can land
(actions/emergency.py), and the handoff policy uses it when the NLU reads a cry for help as a
plain conversational intent ("kakek saya sesak napas, tolong" came back as `help` and got the
menu). Both must agree on what counts as danger, so the test lives once, in the language layer.

Words are matched on the normalised text (layani/language/normalise.py; terms in
data/emergency_terms.txt), so SMS and regional spellings the lexicon knows count too.
"""

from __future__ import annotations

import re

from layani.language.normalise import normalise_text
from layani.language.vocabulary import word_tuple

EMERGENCY_TERMS = word_tuple("emergency_terms")
# The answers to an emergency, best first: the umum pack's numbers, or the handoff concern's
# short ones when that pack is disabled. The actions and the handoff policy pick from these.
EMERGENCY_RESPONSES = ("utter_faq/darurat", "utter_handoff_emergency")

_PATTERN = re.compile(r"\b(?:" + "|".join(re.escape(t) for t in EMERGENCY_TERMS) + r")\b")


def reports_emergency(text: str) -> bool:
    """True when the message holds a word of danger ("kami terjebak banjir", "ada yg pingsan")."""
    return bool(_PATTERN.search(normalise_text(text or "")))
