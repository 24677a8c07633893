"""Identity comes from the channel that authenticated the message (issue 13, point 1).

A REST caller who writes a citizen's phone number as `sender` and `metadata.channel: sms` (or
`input_channel: twilio`) must not read that phone's tickets, must not write into its Twilio
conversation (where its application draft and handoff state live) and must not end its
handoff. The owner key and the channel follow Rasa's input channel, set by the connector class.
"""

from __future__ import annotations

import random

import httpx
import pytest
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk import Tracker

from actions.channel import channel_of, owner_of
from channels.outbound_api import citizen_channel
from layani.identity import owner_key

PHONE = "+6281234567890"


# --- unit: owner keys and channels ---------------------------------------------------------


def sdk_tracker(sender: str, input_channel: str | None, metadata: dict | None = None) -> Tracker:
    event = {"event": "user", "text": "halo", "parse_data": {}, "input_channel": input_channel}
    latest = {"text": "halo", "intent": {"name": "greet"}, "metadata": metadata or {}}
    return Tracker(sender, {}, latest, [event], False, None, {}, "action_listen")


def test_a_phone_owner_key_only_from_twilio():
    assert owner_key(PHONE, "twilio") == f"phone:{PHONE}"
    assert owner_key(f"whatsapp:{PHONE}", "twilio") == f"phone:{PHONE}"
    for channel in ("rest", "socketio", "telegram", "cmdline", None):
        assert not owner_key(PHONE, channel).startswith("phone:"), channel
    assert owner_key(PHONE, "rest") == f"rest:{PHONE}"
    assert owner_key(f"rest:{PHONE}", "rest") == f"rest:{PHONE}"  # the REST connector's id


def test_genuine_channels_keep_their_owner_keys():
    """Tickets filed before this change stay their owners' (what the old code produced)."""
    assert owner_key("710000001", "telegram") == "telegram:710000001"
    assert owner_key("3f2a" * 8, "socketio") == "socketio:" + "3f2a" * 8
    assert owner_key(PHONE, "twilio") == f"phone:{PHONE}"


def test_metadata_channel_counts_only_where_the_connector_sets_it():
    assert channel_of(sdk_tracker(PHONE, "rest", {"channel": "sms"})) == "rest"
    assert channel_of(sdk_tracker("s1", "socketio", {"channel": "telegram"})) == "socketio"
    assert channel_of(sdk_tracker(PHONE, "twilio", {"channel": "whatsapp"})) == "whatsapp"
    assert channel_of(sdk_tracker(PHONE, "twilio", {"channel": "telegram"})) == "twilio"
    assert channel_of(sdk_tracker("710000001", "telegram", {"channel": "telegram"})) == "telegram"
    assert owner_of(sdk_tracker(PHONE, "rest", {"channel": "sms"})) == f"rest:{PHONE}"
    assert owner_of(sdk_tracker(PHONE, "twilio", {"channel": "sms"})) == f"phone:{PHONE}"


def test_staff_replies_follow_the_input_channel_not_the_claimed_one():
    tracker = DialogueStateTracker.from_events(
        PHONE, [UserUttered("halo", input_channel="rest", metadata={"channel": "sms"})]
    )
    assert citizen_channel(tracker) == "rest"
    tracker = DialogueStateTracker.from_events(
        PHONE, [UserUttered("halo", input_channel="twilio", metadata={"channel": "sms"})]
    )
    assert citizen_channel(tracker) == "sms"


# --- integration: a REST caller posing as a phone ------------------------------------------


@pytest.mark.integration
def test_rest_caller_with_a_phone_number_reaches_nothing_of_that_phone(rasa_stack):
    from storage import handoff as queue
    from storage.db import session_scope
    from storage.tickets import create_ticket

    phone = "+62812" + "".join(random.choices("0123456789", k=7))
    url = rasa_stack.env["DATABASE_URL"]
    ticket = create_ticket(
        kind="complaint",
        owner_key=f"phone:{phone}",
        sender_id=phone,
        channel="sms",
        category_or_service="jalan_rusak",
        description="jalan berlubang di depan rumah",
        url=url,
    )
    with session_scope(url) as session:
        queue.enqueue(session, phone, "sms", "dinas_pupr", "other")

    replies: list[str] = []
    for body in (
        {"message": "cek status", "metadata": {"channel": "sms"}},
        {"message": f"cek status {ticket.id}", "metadata": {"channel": "sms"}},
        {"message": f"cek status {ticket.id}", "input_channel": "twilio"},
        {"message": "kembali ke asisten", "metadata": {"channel": "sms", "staff": "x"}},
    ):
        response = rasa_stack.rest_post({"sender": phone, **body})
        assert response.status_code == 200
        replies += [m.get("text", "") for m in response.json()]
    rasa_stack.rest_senders.add(phone)

    said = "\n".join(replies)
    assert said, "the REST caller gets answers, in its own conversation"
    assert "jalan" not in said.lower() and "diterima" not in said.lower()  # nothing of the ticket
    assert any("tidak ditemukan" in r or "Belum ada" in r for r in replies), replies

    # The phone's own conversation (its draft and handoff state) received nothing.
    tracker = httpx.get(
        f"{rasa_stack.url}/conversations/{phone}/tracker",
        headers=rasa_stack.api_headers(),
        timeout=30,
    ).json()
    assert [e for e in tracker["events"] if e["event"] == "user"] == []
    # The REST caller's messages are in its own namespace, as `rest`, without the claimed channel.
    own = rasa_stack.stored_tracker(phone, user_turns=4)
    assert own["sender_id"] == f"rest:{phone}"
    users = [e for e in own["events"] if e["event"] == "user"]
    assert {e["input_channel"] for e in users} == {"rest"}
    assert all((e.get("metadata") or {}).get("channel") != "sms" for e in users)
    # The phone's handoff is still open.
    with session_scope(url) as session:
        row = queue.open_for_sender(session, phone)
        assert row is not None and row.status in queue.OPEN_STATUSES
