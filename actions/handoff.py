"""Human handoff actions: put the conversation in an officer's queue, and take it back.

`action_handoff_start` is reached four ways: the `request_human` intent (rule), the fallback
(a yes to its "menu or officer?" offer, or a third misunderstanding in a row, when
`action_layani_fallback` returns `FollowupAction("action_handoff_start")`), a form that
gave up after repeated failed answers (same follow-up, optionally after setting the
`handoff_reason` slot to "form"), and a sensitive topic (rule for the intent, HandoffPolicy for
keywords). It tells the citizen roughly when an officer will answer and their queue number;
from then on HandoffPolicy keeps the bot silent until the officer resolves the conversation in
the console or the citizen says "kembali ke asisten" (`action_handoff_end`).

The queue row only points at the conversation; the messages stay in the tracker, which the
console reads. Which agency's queue: the agency of the complaint category or FAQ topic the
conversation was about, else the configured default queue.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.channel import channel_of
from layani.policies.handoff_config import HandoffConfig, load_config
from storage.handoff import VERIFIED_CHANNELS

logger = logging.getLogger(__name__)


def utc_now() -> dt.datetime:
    """The clock office hours are checked against (replaced in tests)."""
    return dt.datetime.now(dt.timezone.utc)


FALLBACK_ACTIONS = (
    "action_default_fallback",
    "action_layani_fallback",
    "action_two_stage_fallback",
    # The "menu or officer?" offer after two misunderstandings: a yes to it is a fallback handoff.
    "utter_fallback_menu_or_human",
)
# Actions Rasa runs around every message; they say nothing about why the citizen is handed over.
_BOOKKEEPING_ACTIONS = ("action_handoff_start", "action_listen", "action_extract_slots")


# Values other flows put in the `handoff_reason` slot that name a reason code, not a note.
_REASON_CODES = {"nlu_fallback": "fallback", "fallback": "fallback", "form": "form"}


def handoff_reason(tracker: Tracker, settings: HandoffConfig) -> tuple[str, str | None]:
    """(reason code for the queue, free-text note for the officer or None).

    Precedence: sensitive topic, then fallback, then the citizen's own request, then a form
    that gave up. A `handoff_reason` slot that is not a code (e.g. "Permohonan akta: kesulitan
    mengisi NIK (3x ditolak)") is kept as the note.
    """
    latest = tracker.latest_message or {}
    intent = (latest.get("intent") or {}).get("name")
    explicit = str(tracker.get_slot("handoff_reason") or "").strip()
    code = _REASON_CODES.get(explicit)
    note = None if code or not explicit else explicit
    if settings.is_sensitive(intent, latest.get("text")):
        return "sensitive", note
    executed = [e.get("name") for e in tracker.events if e.get("event") == "action"]
    previous = next((n for n in reversed(executed) if n not in _BOOKKEEPING_ACTIONS), None)
    if code == "fallback" or intent == "nlu_fallback" or previous in FALLBACK_ACTIONS:
        return "fallback", note
    if intent == "request_human":
        return "request_human", note
    if code == "form" or note or tracker.active_loop_name:
        return "form", note
    return "other", note


def route_agency(tracker: Tracker, settings: HandoffConfig) -> str:
    """The agency whose officers should answer, from what the conversation was about."""
    from layani.catalogue import load_catalogue

    catalogue = load_catalogue()
    category = tracker.get_slot("complaint_category")  # None when not declared
    if category in catalogue.complaint_categories:
        return catalogue.complaint_route(category)
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        parse = event.get("parse_data") or {}
        if (parse.get("intent") or {}).get("name") != "faq":
            # The selector ranks topics for every message; only an FAQ question's topic says
            # what the conversation was about ("saya mau bicara dengan petugas" is about none).
            continue
        selector = (parse.get("response_selector") or {}).get("faq") or {}
        key = (selector.get("response") or {}).get("intent_response_key") or ""
        topic = key.split("/", 1)[1] if key.startswith("faq/") else None
        if topic in catalogue.faq:
            agency = catalogue.faq_agency(topic)
            return agency if agency != "umum" else settings.default_agency
    return settings.default_agency


# Rasa input channels whose connectors authenticate the provider and set `metadata.channel`
# themselves; for any other (REST, web chat) the metadata is whatever the client sent.
_VERIFIED_INPUT_CHANNELS = ("telegram", "twilio")


def queue_channel(tracker: Tracker) -> str:
    """The channel the queue row records: the citizen's, unless it is a claim we cannot check.

    The queue treats phone and Telegram conversations as harder to fake than REST or web chat
    sessions (storage/handoff.py). A REST client can write `"metadata": {"channel": "telegram"}`
    in its request, so the claim only counts when Rasa's own input channel is one whose
    connector sets it.
    """
    claimed = channel_of(tracker)[:20]
    input_channel = tracker.get_latest_input_channel() or "rest"
    if input_channel in _VERIFIED_INPUT_CHANNELS or claimed not in VERIFIED_CHANNELS:
        return claimed
    return input_channel[:20]


def _enqueue(sender_id: str, channel: str, agency: str, reason: str, urgent: bool, note):  # type: ignore[no-untyped-def]
    from storage import handoff
    from storage.db import session_scope

    with session_scope() as session:
        return handoff.enqueue(
            session, sender_id, channel, agency, reason, urgent=urgent, note=note
        )


def _close(sender_id: str) -> None:
    from storage import handoff
    from storage.db import session_scope

    with session_scope() as session:
        handoff.close_for_sender(session, sender_id, "returned", by="citizen")


class ActionHandoffStart(Action):
    """Queue the conversation for an officer and tell the citizen when to expect an answer."""

    def name(self) -> str:
        return "action_handoff_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        settings = load_config()
        reason, note = handoff_reason(tracker, settings)
        urgent = reason == "sensitive"
        if urgent:
            # Emergency numbers first: the citizen must not wait for an officer to get them.
            dispatcher.utter_message(response="utter_handoff_emergency")
        agency = route_agency(tracker, settings)
        try:
            place = await asyncio.to_thread(
                _enqueue,
                tracker.sender_id,
                queue_channel(tracker),
                agency,
                reason,
                urgent,
                note,
            )
        except SQLAlchemyError:
            logger.exception("Could not queue handoff for a conversation")
            dispatcher.utter_message(response="utter_handoff_unavailable")
            return [SlotSet("handoff_reason", None)]
        now = utc_now()
        if settings.is_open(now):
            dispatcher.utter_message(
                response="utter_handoff_started",
                position=place.position,
                wait_minutes=settings.estimated_wait_minutes(place.position),
            )
        else:
            dispatcher.utter_message(
                response="utter_handoff_after_hours",
                position=place.position,
                next_open=settings.describe_opening(settings.next_opening(now)),
            )
        logger.info(
            "Handoff %s queued (agency %s, reason %s, position %s)",
            place.handoff_id,
            agency,
            reason,
            place.position,
        )
        events: list[EventType] = []
        if tracker.active_loop_name:
            events.append(ActiveLoop(None))  # the officer takes over; the form would talk over them
        return events + [
            SlotSet("handoff_active", True),
            SlotSet("handoff_id", place.handoff_id),
            SlotSet("handoff_reason", None),
        ]


class ActionHandoffEnd(Action):
    """The citizen asked to go back to the assistant: leave the queue, the bot answers again."""

    def name(self) -> str:
        return "action_handoff_end"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if not tracker.get_slot("handoff_active"):
            dispatcher.utter_message(response="utter_handoff_not_active")
            return []
        try:
            await asyncio.to_thread(_close, tracker.sender_id)
        except SQLAlchemyError:
            # The citizen still gets the bot back; the console shows the row until resolved.
            logger.exception("Could not close handoff row for a conversation")
        dispatcher.utter_message(response="utter_handoff_ended")
        return [SlotSet("handoff_active", False), SlotSet("handoff_id", None)]
