"""What the gateway makes of each kind of Telegram update (python-telegram-bot parses them).

Fixtures are updates as Telegram sends them (tests/fixtures/payloads/telegram). A body that is
not an update must be a ValueError (the webhook's 400), never another exception (a 500).
"""

from __future__ import annotations

import copy
import json

import pytest

from channels import messages
from channels.gateway.telegram_webhook import SHARE_MEDIA, TelegramWebhook
from layani.paths import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "payloads" / "telegram"
HOOK = TelegramWebhook("123:abc", "rahasia", "http://127.0.0.1:9")


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def test_text_becomes_a_turn_of_the_sender():
    data = fixture("text")
    decision = HOOK.read(data)
    envelope = decision.envelope
    assert decision.status == "turn"
    assert envelope.sender_id == str(data["message"]["from"]["id"])
    assert envelope.text == data["message"]["text"]
    assert envelope.message_id == f"telegram-{data['update_id']}"


def test_photo_keeps_the_largest_size_and_the_caption():
    data = fixture("photo_caption")
    decision = HOOK.read(data)
    sizes = data["message"]["photo"]
    largest = max(sizes, key=lambda p: p["width"] * p["height"])
    assert decision.envelope.text == data["message"]["caption"].strip()
    assert decision.envelope.metadata["photo"]["file_id"] == largest["file_id"]
    assert HOOK.read(fixture("photo")).envelope.text == SHARE_MEDIA


def test_location_and_own_contact_are_shared_someone_elses_contact_is_not():
    location = HOOK.read(fixture("location")).envelope.metadata["location"]
    assert isinstance(location["latitude"], float) and isinstance(location["longitude"], float)
    own = HOOK.read(fixture("contact_own")).envelope
    assert own.text == SHARE_MEDIA and own.metadata["contact"]["phone_number"][0] == "+"
    other = HOOK.read(fixture("contact_other"))
    assert other.status == "unsupported" and other.envelope.kind == "say"
    assert other.envelope.text == messages.CONTACT_NOT_OWN  # the number is not kept


def test_button_press_edit_group_and_sticker():
    press = HOOK.read(fixture("callback_query"))
    assert press.status == "turn" and press.envelope.metadata["button"] is True
    assert press.callback_query_id == fixture("callback_query")["callback_query"]["id"]
    assert HOOK.read(fixture("edited_message")).status == "edited"
    group = HOOK.read(fixture("group_text"))
    assert group.status == "group" and group.once.startswith("telegram:group:")
    assert HOOK.read(fixture("sticker")).status == "unsupported"


def _broken(mutate) -> dict:
    data = copy.deepcopy(fixture("text"))
    mutate(data)
    return data


@pytest.mark.parametrize(
    "data",
    [
        _broken(lambda d: d["message"].update(chat="private")),
        _broken(lambda d: d["message"].pop("date")),
        _broken(lambda d: d["message"].update(date=10**20)),  # OverflowError inside the library
        _broken(lambda d: d["message"].update({"from": "x"})),
        _broken(lambda d: d.update(callback_query=7)),
        {"update_id": 1, "message": {"text": {"a": 1}, "chat": None, "from": "x"}},
        {"message": {}},
    ],
)
def test_a_body_that_is_not_an_update_is_a_value_error(data):
    with pytest.raises(ValueError):
        HOOK.read(data)


def test_an_update_without_a_message_is_ignored():
    assert HOOK.read({"update_id": 5, "my_chat_member": None}).status == "ignored"
