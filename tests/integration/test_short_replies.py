"""Short replies over the REST stack: every message gets a polite answer, and "ya", "tidak",
"batal", "makasih ya bu", "bukan itu" mean what the bot turn before them makes them mean.

Before session 16, "ya", "tidak" and "batal" with nothing pending got no reply at all (Rasa's
core fallback `action_default_fallback` had no `utter_default` to say).
"""

from __future__ import annotations

import uuid

import pytest
import yaml

from layani.paths import DOMAIN_DIR

pytestmark = pytest.mark.integration


def _texts(name: str, domain_file: str = "core.yml") -> set[str]:
    """Every chat (non-SMS) variant of response `name`."""
    domain = yaml.safe_load((DOMAIN_DIR / domain_file).read_text(encoding="utf-8"))
    return {v["text"] for v in domain["responses"][name] if not v.get("channel")}


def _sender() -> str:
    return f"short-{uuid.uuid4().hex[:10]}"


@pytest.mark.parametrize(
    ("message", "response"),
    [
        ("ya", "utter_ack_nothing_pending"),
        ("iya", "utter_ack_nothing_pending"),
        ("tidak", "utter_deny_nothing_pending"),
        ("nggak", "utter_deny_nothing_pending"),
        ("batal", "utter_cancel_nothing_pending"),
        ("ga jadi deh", "utter_cancel_nothing_pending"),
    ],
)
def test_short_reply_with_nothing_pending_gets_a_polite_answer(
    rasa_stack, message: str, response: str
) -> None:
    texts = rasa_stack.texts(_sender(), message)
    assert texts, f"{message!r} got no reply"
    assert texts == [next(iter(_texts(response)))]


def test_thanks_and_wrong_answer_after_an_faq_answer(rasa_stack) -> None:
    sender = _sender()
    answer = rasa_stack.texts(sender, "apa saja syarat membuat SKCK?")
    assert answer and "SKCK" in " ".join(answer)
    assert rasa_stack.texts(sender, "makasih ya bu") == [next(iter(_texts("utter_thanks")))]
    sender = _sender()
    rasa_stack.texts(sender, "apa saja syarat membuat SKCK?")
    # "bukan itu" after an answer: the answer missed, so ask again (not "goodbye", not silence).
    assert rasa_stack.texts(sender, "bukan itu") == [next(iter(_texts("utter_faq_not_it")))]


def test_cancel_and_no_after_the_delete_question(rasa_stack) -> None:
    sender = _sender()
    assert rasa_stack.texts(sender, "hapus data saya") == list(
        _texts("utter_privacy_confirm", "privacy.yml")
    )
    kept = rasa_stack.texts(sender, "ga jadi")
    assert kept == list(_texts("utter_privacy_kept", "privacy.yml"))
    # "Ada lagi yang bisa saya bantu?" -> "tidak" closes the conversation politely.
    assert rasa_stack.texts(sender, "tidak") == list(_texts("utter_goodbye"))


def test_the_delete_request_repeated_with_a_yes_confirms(rasa_stack) -> None:
    """ "iya hapus data saya" at "Lanjutkan menghapus?" is the yes it reads as (before: the
    question again); "jangan dihapus" has the same intent and keeps the data."""
    sender = _sender()
    rasa_stack.texts(sender, "hapus data saya")
    erased = rasa_stack.texts(sender, "iya hapus data saya")
    assert erased == list(_texts("utter_privacy_erased", "privacy.yml"))

    other = _sender()
    rasa_stack.texts(other, "hapus data saya")
    assert rasa_stack.texts(other, "jangan dihapus") == list(
        _texts("utter_privacy_kept", "privacy.yml")
    )


def test_cancel_while_describing_a_complaint_leaves_the_form(rasa_stack) -> None:
    sender = _sender()
    rasa_stack.texts(sender, "saya mau lapor")
    texts = rasa_stack.texts(sender, "ga jadi deh")
    assert texts == list(_texts("utter_complaint_cancelled", "complaints.yml"))
    # The form is closed: the next "ya" is not taken as an answer to a complaint question.
    assert rasa_stack.texts(sender, "ya") == [next(iter(_texts("utter_ack_nothing_pending")))]
