"""Three-stage fallback for messages the NLU could not classify (intent `nlu_fallback`).

Why stages: a first misunderstanding is usually a wording problem, so the citizen is asked to
rephrase. A second one in a row means rephrasing is not working, so the assistant offers a
choice: the menu or an officer (`utter_fallback_menu_or_human`, buttons on chat, "balas MENU
atau PETUGAS" on SMS). A choice offered must be honoured, so the offer waits for the reply
instead of starting the handoff at once (which made the bot silent while the citizen typed
"menu"): bot/rules/core.yml reads the reply after the offer (yes -> officer, no -> polite close;
menu, "petugas", goodbye or a new request go through their own rules). A third misunderstanding
in a row hands the conversation to an officer and says so: a public-service assistant must not
leave a citizen going round in circles.

The offer is run as its own action (`FollowupAction`), so the rules can name it as the bot turn
the reply answers; the first stage's "please rephrase" stays inside this action.

The streak lives in the `fallback_streak` slot (bot/domain/core.yml). This action increments it;
the slot's `from_intent` mapping resets it to 0 whenever a message is understood, so "in a row"
needs no extra bookkeeping here.

A message that is not understood but reports danger ("banjir sudah masuk rumah, kami terjebak")
gets the emergency numbers instead of a request to rephrase (actions/emergency.py).

A short acknowledgement the NLU did not place ("baik, saya mengerti", "oh ngono") right after
an understood turn needs no rephrasing either: it gets the "nothing pending" answer
(`utter_ack_nothing_pending`). After a misunderstanding (streak > 0) it is read as usual, so a
"ya" to the officer offer is never swallowed here.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.emergency import emergency_response, reports_emergency
from actions.faq.actions import LAST_TOPIC_SLOT
from layani.language.replies import acknowledges

STREAK_SLOT = "fallback_streak"
OFFER_RESPONSE = "utter_fallback_menu_or_human"
HANDOVER_RESPONSE = "utter_fallback_handover"
HANDOFF_ACTION = "action_handoff_start"
HANDOFF_REASON_SLOT = "handoff_reason"
HANDOFF_REASON = "nlu_fallback"
HANDOVER_STREAK = 3
ACK_RESPONSE = "utter_ack_nothing_pending"


def next_streak(tracker: Tracker) -> int:
    """Streak after this fallback: the slot value plus one (a missing/invalid slot counts as 0)."""
    try:
        current = int(float(tracker.get_slot(STREAK_SLOT) or 0))
    except (TypeError, ValueError):
        current = 0
    return max(current, 0) + 1


class ActionLayaniFallback(Action):
    """1st fallback: rephrase. 2nd in a row: offer menu or officer. 3rd: hand over, saying so."""

    def name(self) -> str:
        return "action_layani_fallback"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        emergency = emergency_response(domain)
        if emergency and reports_emergency((tracker.latest_message or {}).get("text") or ""):
            # Numbers first, no questions: "LANJUT" then gives the full emergency answer.
            dispatcher.utter_message(response=emergency)
            return [SlotSet(STREAK_SLOT, 0.0), SlotSet(LAST_TOPIC_SLOT, "darurat")]
        streak = next_streak(tracker)
        text = (tracker.latest_message or {}).get("text") or ""
        if streak == 1 and not tracker.active_loop_name and acknowledges(text):
            # "oh gitu" / "baik, saya mengerti" after an answer: nothing to rephrase.
            dispatcher.utter_message(response=ACK_RESPONSE)
            return [SlotSet(STREAK_SLOT, 0.0)]
        events: list[EventType] = [SlotSet(STREAK_SLOT, float(streak))]
        if streak == 1:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return events
        can_hand_over = HANDOFF_ACTION in (domain.get("actions") or [])
        if streak < HANDOVER_STREAK or not can_hand_over:
            # The offer is its own bot turn, so the rules can read the reply as an answer to it.
            return events + [FollowupAction(OFFER_RESPONSE)]

        dispatcher.utter_message(response=HANDOVER_RESPONSE)
        if HANDOFF_REASON_SLOT in (domain.get("slots") or {}):
            events.append(SlotSet(HANDOFF_REASON_SLOT, HANDOFF_REASON))
        return events + [FollowupAction(HANDOFF_ACTION)]
