"""Spot a message that reports an emergency, whatever intent the NLU gave it.

Why: the NLU is trained on questions about services. "banjir sudah masuk rumah, kami terjebak"
or "tetangga kobongan" may come back as `nlu_fallback`, and asking a person in danger to
"write it differently" wastes the minutes that matter. Where a message is not understood but
holds a word of danger (fire, drowning, an accident, someone unconscious, a robbery), the
citizen gets the emergency numbers (`utter_faq/darurat`) at once.

The test itself is `layani.language.emergency.reports_emergency` (shared with the handoff
policy, which answers a cry for help that the NLU read as greet/help/thanks...). Used here where
such a message can land: the fallback (instead of "please rephrase") and the start of a
complaint (numbers first, then the form, since the citizen may also want to report).
Self-harm and violence keywords are handled earlier, by the handoff policy (handoff.yml).
"""

from __future__ import annotations

from typing import Any

from layani.language.emergency import EMERGENCY_RESPONSES, reports_emergency

__all__ = ["EMERGENCY_RESPONSES", "emergency_response", "reports_emergency"]


def emergency_response(domain: dict[str, Any]) -> str | None:
    """The emergency answer this domain has (None when neither concern is installed)."""
    responses = domain.get("responses") or {}
    return next((name for name in EMERGENCY_RESPONSES if name in responses), None)
