"""Text no citizen means but any client can send: lone surrogates and control characters.

Found by `make fuzz`: a JSON body may carry "\\ud800" (a valid JSON escape, invalid Unicode);
spaCy's tokenizer raised on it and the REST caller got a 500. Every connector now cleans the
text before Rasa sees it (`channels.limits.clean_text`).
"""

from __future__ import annotations

import json

import httpx
import pytest

from channels.limits import clean_text


@pytest.mark.parametrize(
    "raw", ["\ud800 halo", "halo\udfff", "a\x00b", "\x1b[31mmenu", "\x7f" * 20, "ok\tya\n"]
)
def test_clean_text_is_encodable_and_keeps_the_words(raw):
    cleaned = clean_text(raw)
    cleaned.encode("utf-8")  # would raise on a lone surrogate
    assert "\x00" not in cleaned and "\x1b" not in cleaned
    for word in ("halo", "menu", "ya"):
        if word in raw:
            assert word in cleaned


@pytest.mark.integration
@pytest.mark.parametrize("raw", ["\ud800 halo", "syarat ktp\x00 apa"])
def test_rest_turn_with_broken_unicode_is_answered_not_500(rasa_stack, raw):
    body = json.dumps({"sender": "surrogate-citizen", "message": raw})
    token = rasa_stack.rest_token
    response = httpx.post(
        f"{rasa_stack.url}/webhooks/rest/webhook",
        content=body,
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
        timeout=60,
    )
    assert response.status_code == 200
    assert [m.get("text") for m in response.json() if m.get("text")]
