"""An FAQ question typed while a form waits for an answer: one rule for both forms.

Why one module: the complaint form and the application form each had their own test (the
complaint form took any FAQ intent at any confidence, the application form needed 0.5 and
0.8), so the same message was a question in one form and an answer in the other (issue 16).

The rule (`is_faq_question`). A message inside a form is an FAQ question when
1. the NLU reads it as the retrieval intent `faq` with confidence >= `FAQ_CONFIDENCE` (0.5);
2. it holds at least two words of three or more letters: a phone number, a NIK or a date is a
   (possibly wrong) answer, never a question (the full model once read "021 5551234" as the
   emergency-numbers FAQ and "30/11/2026" as the kartu kuning FAQ);
3. it reads like a question (`layani.language.replies.asks_question`: "?", an opening question
   word, "syarat"), or the NLU is >= `SURE_CONFIDENCE` (0.8) sure; where the form expects free
   text (a description, a place, a name, an address) both are required, because "apa syarat
   KTP hilang" could pass as such an answer.

When to ask is the form's decision: the complaint form's steps accept almost any text, so it
asks before reading the answer; the application form's validators are strict, so a valid
answer is always taken and only a rejected one is tested here.

The answer (`faq_response`) is the response the ResponseSelector chose, if the domain has it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from layani.language.replies import asks_question

FAQ_INTENT = "faq"
FAQ_CONFIDENCE = 0.5
SURE_CONFIDENCE = 0.8
_LETTER_WORD = re.compile(r"[^\W\d_]{3,}")

Message = Mapping[str, Any]


def _intent(message: Message) -> tuple[str, float]:
    intent = message.get("intent") or {}
    return str(intent.get("name") or ""), float(intent.get("confidence") or 0.0)


def is_faq_question(message: Message, *, free_text: bool) -> bool:
    """True when the latest message asks an FAQ question instead of answering (rule above).

    Args:
        message: the tracker's `latest_message` (text, intent, response_selector).
        free_text: the form is waiting for free text (a place, a name, an address).
    """
    name, confidence = _intent(message)
    if name.split("/", 1)[0] != FAQ_INTENT or confidence < FAQ_CONFIDENCE:
        return False
    text = str(message.get("text") or "")
    if len(_LETTER_WORD.findall(text)) < 2:
        return False
    question = asks_question(text)
    sure = confidence >= SURE_CONFIDENCE
    return (question and sure) if free_text else (question or sure)


def faq_response(message: Message, domain: Mapping[str, Any]) -> str | None:
    """The `utter_faq/<topic>` response the ResponseSelector chose, or None when the domain
    has no such response (an answer we cannot give is no answer)."""
    selector = message.get("response_selector") or {}
    chosen = selector.get(FAQ_INTENT) or selector.get("default") or {}
    response = chosen.get("response") or {}
    name = response.get("utter_action")
    if not name and response.get("intent_response_key"):
        name = f"utter_{response['intent_response_key']}"
    if not name:
        intent, _confidence = _intent(message)
        if intent.startswith(f"{FAQ_INTENT}/"):
            name = f"utter_{intent}"
    if name and name in (domain.get("responses") or {}):
        return name
    return None
