"""Replies to the data-deletion question that the NLU does not read as a plain yes or no.

"iya hapus data saya" at "Lanjutkan menghapus?" used to get the question again (intent
`delete_my_data`); "jangan dihapus" gets the same intent and must never erase.
"""

from __future__ import annotations

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.privacy import ActionPrivacyAnswer, answer_to_question
from layani.paths import ROOT


@pytest.mark.parametrize(
    "text",
    ["iya hapus data saya", "ya, hapus semua data saya", "iyo hapus bae", "yes delete my data"],
)
def test_the_request_opening_with_a_yes_confirms(text: str) -> None:
    assert answer_to_question("delete_my_data", text) == "erase"


@pytest.mark.parametrize(
    "text",
    [
        "jangan dihapus",
        "jgn dihapus dulu",  # SMS spelling
        "enggak usah dihapus",
        "ga jadi hapus",
        "batal hapus data",
        "ojo dihapus",  # Javanese
        "jan dihapuih",  # Minang
        "usah dihapus",
        "simpan aja datanya",
    ],
)
def test_a_reply_opening_with_no_or_dont_keeps_the_data(text: str) -> None:
    assert answer_to_question("delete_my_data", text) == "keep"
    assert answer_to_question("nlu_fallback", text) == "keep"


def test_a_bare_repeat_or_a_question_asks_again_instead_of_erasing() -> None:
    assert answer_to_question("delete_my_data", "hapus data saya") == "ask"
    assert answer_to_question("delete_my_data", "ya hapus apa saja?") == "ask"


def test_thanks_or_goodbye_at_the_question_keep_the_data() -> None:
    assert answer_to_question("thanks", "makasih, ga usah") == "keep"
    assert answer_to_question("goodbye", "udah dadah") == "keep"
    assert answer_to_question("thanks", "makasih") == "keep"


def test_not_understood_yes_erases_and_anything_else_goes_to_the_fallback() -> None:
    assert answer_to_question("nlu_fallback", "muhun, hapus wae") == "erase"
    assert answer_to_question("nlu_fallback", "xqzv plork") == "fallback"


def _tracker(text: str, intent: str) -> Tracker:
    return Tracker(
        "web-1",
        {},
        {"text": text, "intent": {"name": intent, "confidence": 0.9}},
        [],
        False,
        None,
        {},
        "action_listen",
    )


@pytest.mark.parametrize(
    ("text", "intent", "followup"),
    [
        ("iya hapus data saya", "delete_my_data", "action_erase_my_data"),
        ("jangan dihapus", "delete_my_data", "utter_privacy_kept"),
        ("hapus data saya", "delete_my_data", "utter_privacy_confirm"),
        ("qwxz vbnm", "nlu_fallback", "action_layani_fallback"),
    ],
)
async def test_the_action_hands_on_to_the_step_the_reply_means(
    text: str, intent: str, followup: str
) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionPrivacyAnswer().run(dispatcher, _tracker(text, intent), {})
    assert events == [FollowupAction(followup)]
    assert dispatcher.messages == []  # the follow-up step speaks, so rules see it as the bot turn


async def _erase_after_affirm(text: str) -> list[str]:
    """Run the erase action on `text` read as `affirm` right after the deletion question."""
    from rasa_sdk.events import ActionExecuted, BotUttered, UserUttered

    from actions.privacy import ActionEraseMyData

    parse = {"text": text, "intent": {"name": "affirm", "confidence": 0.9}}
    events = [
        ActionExecuted("utter_privacy_confirm"),
        BotUttered("Lanjutkan menghapus?"),
        ActionExecuted("action_listen"),
        UserUttered(text, parse["intent"]),
    ]
    tracker = Tracker("web-1", {}, parse, events, False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    assert await ActionEraseMyData().run(dispatcher, tracker, {}) == []
    return [m["response"] for m in dispatcher.messages]


@pytest.mark.parametrize("text", ["jan dihapuih", "jangan dihapus ya", "ndak usah dihapus"])
async def test_a_dont_read_as_yes_by_the_nlu_still_erases_nothing(text: str) -> None:
    assert await _erase_after_affirm(text) == ["utter_privacy_kept"]


@pytest.mark.parametrize("text", ["iya, ga usah", "ya tapi jangan dulu"])
async def test_a_yes_with_a_no_read_as_yes_by_the_nlu_asks_again(text: str) -> None:
    assert await _erase_after_affirm(text) == ["utter_privacy_confirm"]


def test_rules_send_these_intents_at_the_question_to_the_action() -> None:
    rules = yaml.safe_load((ROOT / "bot/rules/privacy.yml").read_text(encoding="utf-8"))["rules"]
    after_question = {
        rule["steps"][1]["intent"]: rule["steps"][2]["action"]
        for rule in rules
        if rule["steps"][0] == {"action": "utter_privacy_confirm"}
    }
    assert after_question["affirm"] == "action_erase_my_data"
    assert after_question["deny"] == after_question["cancel"] == "utter_privacy_kept"
    for intent in ("delete_my_data", "nlu_fallback", "thanks", "goodbye", "faq", "out_of_scope"):
        assert after_question[intent] == "action_privacy_answer"


@pytest.mark.parametrize("text", ["eh jangan deh, masih perlu", "oh enggak usah", "waduh, jangan"])
def test_a_no_after_an_interjection_keeps_the_data(text: str) -> None:
    assert answer_to_question("correct_application_field", text) == "keep"
    assert answer_to_question("faq", text) == "keep"


@pytest.mark.parametrize("text", ["iya, ga usah", "ya tapi jangan dulu", "oh iya, nggak jadi deh"])
def test_a_yes_and_a_no_in_one_reply_asks_again(text: str) -> None:
    assert answer_to_question("nlu_fallback", text) == "ask"
    assert answer_to_question("delete_my_data", text) == "ask"


def test_a_question_of_its_own_gets_its_usual_answer_and_the_data_stays() -> None:
    assert answer_to_question("faq", "syarat bikin skck apa aja?") == "own"
    assert answer_to_question("out_of_scope", "harga emas hari ini berapa") == "own"
    assert answer_to_question("faq", "no, keep it") == "keep"
