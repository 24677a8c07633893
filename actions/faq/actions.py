"""Rasa SDK actions for FAQ answers, clarifying questions, follow-ups and LANJUT.

Rules (bot/rules/faq.yml): faq -> action_faq_answer, choose_faq_topic -> action_faq_choose,
faq_followup -> action_faq_followup, faq_more -> action_faq_more.
"""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.applications.services import service_for_topic
from actions.channel import channel_of
from actions.emergency import emergency_response, reports_emergency
from actions.faq.selection import (
    ASPECT_PREFIX,
    RESPONSE_PREFIX,
    answered_just_before,
    best_topic,
    choice_payload,
    close_pair,
    default_variant,
    followup_aspect,
    known_topics,
    topic_label,
    topic_ranking,
)

LAST_TOPIC_SLOT = "faq_last_topic"
OPTIONS_SLOT = "faq_options"
CHOSEN_SLOT = "faq_topic"


def _answer(dispatcher: CollectingDispatcher, topic: str) -> list[EventType]:
    """Send the topic's answer (Rasa picks the channel variant) and remember the topic."""
    dispatcher.utter_message(response=RESPONSE_PREFIX + topic)
    return [SlotSet(LAST_TOPIC_SLOT, topic), SlotSet(OPTIONS_SLOT, None)]


def _offer_application(dispatcher: CollectingDispatcher, tracker: Tracker, topic: str) -> None:
    """After the answer about a service the chat can take (surat domisili, akta kelahiran), one
    button starts that application: the citizen who asked how to get it can apply at once, and
    a question read as an application request loses nothing. Not on SMS, where every extra
    line costs the citizen money; "ajukan surat domisili" starts it there."""
    service = service_for_topic(topic)
    if service is None or channel_of(tracker) == "sms" or (tracker.active_loop or {}).get("name"):
        return  # no service, SMS, or the citizen is filling in a form already
    payload = "/start_application" + json.dumps(
        {"application_service": service.id}, separators=(",", ":")
    )
    dispatcher.utter_message(
        response="utter_faq_offer_application",
        buttons=[{"title": "Ajukan sekarang", "payload": payload}],
    )


def _answer_aspect(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], topic: str, text: str
) -> list[EventType]:
    """The focused sentence `utter_faq_aspect_<topic>_<aspect>` when the message asks about one
    aspect (cost, online, duration, place) and the pack has it; else the topic's answer."""
    aspect = followup_aspect(text)
    focused = f"{ASPECT_PREFIX}{topic}_{aspect}" if aspect else None
    if focused and focused in (domain.get("responses") or {}):
        dispatcher.utter_message(response=focused)
        return [SlotSet(LAST_TOPIC_SLOT, topic)]
    return _answer(dispatcher, topic)


def _ask_which(dispatcher: CollectingDispatcher) -> list[EventType]:
    dispatcher.utter_message(response="utter_faq_which_topic")
    return []


class ActionFaqAnswer(Action):
    """Answer the selected FAQ topic, or ask one clarifying question when two topics are close."""

    def name(self) -> str:
        return "action_faq_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        known = known_topics(domain)
        ranking = topic_ranking(tracker.latest_message)
        pair = close_pair(ranking, known)
        text = (tracker.latest_message or {}).get("text") or ""
        emergency = emergency_response(domain)
        if (pair or best_topic(ranking, known) is None) and emergency and reports_emergency(text):
            # The NLU is unsure and the citizen reports danger: the numbers, not a question.
            dispatcher.utter_message(response=emergency)
            return []
        if pair:
            buttons = [
                {"title": topic_label(domain, t), "payload": choice_payload(t)} for t in pair
            ]
            dispatcher.utter_message(response="utter_faq_clarify", buttons=buttons)
            return [SlotSet(OPTIONS_SLOT, list(pair))]
        topic = best_topic(ranking, known)
        if topic is None:
            return _ask_which(dispatcher)
        if topic == tracker.get_slot(LAST_TOPIC_SLOT) and answered_just_before(tracker.events):
            # "skck nya bisa online?" right after the SKCK answer: a follow-up that names its
            # topic (the NLU reads it as a question, layani/nlu/topic_evidence.py).
            text = (tracker.latest_message or {}).get("text") or ""
            return _answer_aspect(dispatcher, domain, topic, text)
        events = _answer(dispatcher, topic)
        _offer_application(dispatcher, tracker, topic)
        return events


class ActionFaqChoose(Action):
    """Answer the topic the citizen picked after a clarifying question.

    The pick arrives as a button payload entity (`faq_topic`). A typed reply without a usable
    entity ("yang paspor hilang") falls back to the response selector, limited to the topics
    that were offered. Without an offer (no clarifying question before) the message is handled
    as a question by `ActionFaqAnswer`.
    """

    def name(self) -> str:
        return "action_faq_choose"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        known = set(known_topics(domain))
        chosen = _entity(tracker, CHOSEN_SLOT)
        offered = tracker.get_slot(OPTIONS_SLOT) or None
        if chosen not in known and offered is None:
            # No question was asked: a bare "ktp" or "sim" reads like a pick, but it is a
            # question, with the clarifying step when two topics are close.
            return await ActionFaqAnswer().run(dispatcher, tracker, domain)
        if chosen not in known:
            chosen = best_topic(topic_ranking(tracker.latest_message), known, allowed=offered)
        if not chosen:
            return _ask_which(dispatcher)
        events = _answer(dispatcher, chosen)
        _offer_application(dispatcher, tracker, chosen)
        return events + [SlotSet(CHOSEN_SLOT, None)]


class ActionFaqFollowup(Action):
    """ "Biayanya berapa?", "bisa online?" right after an answer: stay on that topic.

    When the follow-up asks about one aspect (cost, online, duration, place) and the pack has a
    focused answer `utter_faq_aspect_<topic>_<aspect>`, send that sentence; otherwise repeat the
    topic's answer, which covers all of them. Without a topic answered just before, ask which
    service the citizen means instead of guessing.
    """

    def name(self) -> str:
        return "action_faq_followup"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        topic = tracker.get_slot(LAST_TOPIC_SLOT)
        if topic not in known_topics(domain) or not answered_just_before(tracker.events):
            return _ask_which(dispatcher)
        text = (tracker.latest_message or {}).get("text") or ""
        return _answer_aspect(dispatcher, domain, topic, text)


class ActionFaqMore(Action):
    """ "LANJUT" after a short SMS answer: send the full (default) answer of that topic.

    Rasa would pick the SMS variant again on the SMS channel, so the default variant's text is
    taken from the domain and sent as is; the channel layer splits it into SMS pages.
    """

    def name(self) -> str:
        return "action_faq_more"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        topic = tracker.get_slot(LAST_TOPIC_SLOT)
        variant = (
            default_variant(domain, topic)
            if topic and answered_just_before(tracker.events)
            else None
        )
        if variant is None:
            dispatcher.utter_message(response="utter_faq_more_none")
            return []
        dispatcher.utter_message(
            text=variant["text"],
            metadata=variant.get("metadata") or {},
            utter_action=RESPONSE_PREFIX + topic,
        )
        return []


def _entity(tracker: Tracker, name: str) -> str | None:
    value = next(tracker.get_latest_entity_values(name), None)
    return str(value) if value else None
