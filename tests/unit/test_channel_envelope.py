"""The typed envelope: what the gateway forwards, journals and dead-letters, read back alike."""

from __future__ import annotations

import pytest

from channels.envelope import SAY, TURN, Envelope


def test_a_turn_survives_the_wire_and_a_reply_goes_to_the_same_citizen():
    turn = Envelope(
        "twilio",
        TURN,
        "+6281300000001",
        "halo",
        mode="whatsapp",
        to="whatsapp:+14155238886",
        metadata={"channel": "whatsapp"},
        message_id="SM1",
    )
    assert Envelope.from_wire(turn.to_wire()) == turn
    notice = turn.saying("Mohon maaf, layanan sedang sibuk.")
    assert (notice.kind, notice.sender_id, notice.mode, notice.to) == (
        SAY,
        "+6281300000001",
        "whatsapp",
        "whatsapp:+14155238886",
    )
    assert notice.metadata == {} and notice.message_id == ""


def test_an_older_gateways_twilio_entry_is_still_read():
    # Journal entries and dead letters written before the envelope type kept the text in "body".
    old = {"channel": "twilio", "kind": "turn", "sender_id": "+62813", "body": "tolong", "to": None}
    envelope = Envelope.from_wire(old)
    assert envelope.text == "tolong" and envelope.to == ""


def test_a_telegram_notice_goes_to_the_chat_it_names():
    group = Envelope("telegram", SAY, "-100", "x", chat_id="-100")
    assert group.reply_to == "-100"
    assert Envelope("telegram", TURN, "42", "halo").reply_to == "42"


@pytest.mark.parametrize(
    "wire",
    [
        None,
        [],
        {"channel": "telegram", "kind": "shout", "sender_id": "1", "text": "x"},
        {"channel": "telegram", "kind": "turn", "text": "x"},
        {"channel": "telegram", "kind": "turn", "sender_id": 1, "text": "x"},
        {"channel": "telegram", "kind": "turn", "sender_id": "1", "text": ["x"]},
        {"channel": "telegram", "kind": "turn", "sender_id": "1", "text": "x", "metadata": "m"},
    ],
)
def test_anything_else_is_not_an_envelope(wire):
    with pytest.raises(ValueError):
        Envelope.from_wire(wire)
