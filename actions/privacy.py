""" "hapus data saya": delete a citizen's data on their own request, after an explicit yes.

Flow (bot/rules/privacy.yml): intent `delete_my_data` -> `utter_privacy_confirm` says what is
deleted and what the public-service archive keeps, and asks; "ya" -> `action_erase_my_data`;
"tidak" -> `utter_privacy_kept`. Asked in the middle of a form, `action_privacy_leave_form`
pauses the form first (the answers stay; "ajukan permohonan" resumes it after a "tidak").

How the conversation itself is deleted: the action server cannot delete Rasa's tracker, and
calling Rasa's HTTP API from inside a turn would wait on the conversation's own lock (Rasa holds
it for the whole turn; 3.6 has no API to delete a tracker anyway). So the action returns
`Restarted` (the in-memory tracker forgets every slot: drafts, answers, the active form) and the
tracker store (`layani.tracker_store`) sees `action_erase_my_data` followed by `Restarted` among
the turn's new events and deletes every stored event of the conversation instead of saving
them. The next message starts a new, empty conversation. The database part (handoff rows,
expired identity numbers, the audit entry) is `storage.erasure`.

Replies the NLU does not read as yes or no (`action_privacy_answer`): a citizen who answers the
question by repeating the request ("iya hapus data saya") gets the `delete_my_data` intent, and
"jangan dihapus" gets it too. At the question, the language layer decides: a reply opening with
a no, a cancel or a "jangan" keeps the data; the delete request opening with a yes confirms; a
bare repeat ("hapus data saya") asks again, because erasing cannot be undone.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, Restarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.channel import channel_of, owner_of
from layani.language.replies import asks_question, is_yes, mentions, starts_with
from layani.pii import mask_text
from storage import erasure

logger = logging.getLogger(__name__)

ERASE_ACTION = "action_erase_my_data"
CONFIRM_RESPONSE = "utter_privacy_confirm"
KEPT_RESPONSE = "utter_privacy_kept"
FALLBACK_ACTION = "action_layani_fallback"
# Replies that are a question of their own rather than an answer get their usual answer.
OWN_ANSWER = {"faq": "action_faq_answer", "out_of_scope": "utter_out_of_scope"}
DELETE_INTENT = "delete_my_data"
# Intents that only ever end the question (the data stays): "makasih, ga usah", "udah dadah".
CLOSING_INTENTS = ("thanks", "goodbye")


def confirmed_after_question(tracker: Tracker) -> bool:
    """True when the latest message answers the bot's deletion question (its last action).

    Rules send only that answer here; this check keeps a "ya" that a policy routes here in
    another context from erasing anything.
    """
    events = tracker.events or []
    last_user = next(
        (i for i in range(len(events) - 1, -1, -1) if events[i].get("event") == "user"), None
    )
    if last_user is None:
        return False
    for event in reversed(events[:last_user]):
        if event.get("event") == "action" and event.get("name") != "action_listen":
            return event.get("name") == CONFIRM_RESPONSE
    return False


class ActionEraseMyData(Action):
    """Delete the citizen's conversation, drafts, queue rows and expired identity numbers."""

    def name(self) -> str:
        return ERASE_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if not confirmed_after_question(tracker):
            dispatcher.utter_message(response=CONFIRM_RESPONSE)
            return []
        # The NLU may read a regional "don't" as a yes ("jan dihapuih", Minang): erasing cannot
        # be undone, so the words of the reply are checked too, whatever the intent said.
        text = str((tracker.latest_message or {}).get("text") or "")
        if keeps_data(text):
            dispatcher.utter_message(response=KEPT_RESPONSE)
            return []
        if mentions_no(text):
            # "iya, ga usah": a yes and a no in one reply. Ask again rather than guess.
            dispatcher.utter_message(response=CONFIRM_RESPONSE)
            return []
        try:
            report = await asyncio.to_thread(
                erasure.erase_citizen_data,
                sender_id=tracker.sender_id,
                owner_key=owner_of(tracker),
                label=mask_text(tracker.sender_id),
                channel=channel_of(tracker),
            )
        except SQLAlchemyError:
            logger.exception("Citizen data erasure failed; nothing was deleted")
            dispatcher.utter_message(response="utter_privacy_failed")
            return []
        logger.info(
            "Citizen data erased: %d handoff rows, %d personal-data rows, %d tickets kept",
            report.handoffs_deleted,
            report.personal_data_rows_deleted,
            report.tickets_kept,
        )
        dispatcher.utter_message(response="utter_privacy_erased")
        # Restarted tells the tracker store to delete the stored conversation (module docstring);
        # listening next keeps the policies from predicting on the emptied tracker.
        return [Restarted(), FollowupAction("action_listen")]


class ActionPrivacyLeaveForm(Action):
    """Leave an active form before the deletion question, keeping the answers given so far.

    Rasa's slot mapping has already put "hapus data saya" into the slot the form was asking for
    (`from_text`), unvalidated; that value is dropped, so a resumed form asks the question again
    instead of carrying the request as an answer.
    """

    def name(self) -> str:
        return "action_privacy_leave_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = [ActiveLoop(None), SlotSet("requested_slot", None)]
        requested = tracker.get_slot("requested_slot")
        if requested and requested in (domain.get("slots") or {}):
            events.insert(0, SlotSet(requested, None))
        return events


# The word lists of a no, a cancel and a "don't" ("enggak", "batal", "jangan"), read at the start
# of a reply (keeps the data) or anywhere in it (a yes beside one asks again).
NO_LISTS = ("reply_no", "reply_cancel", "reply_keep_data")


def keeps_data(text: str) -> bool:
    """The reply opens with a no, a cancel or a "don't" ("enggak usah dihapus", "jangan")."""
    return any(starts_with(text, name) for name in NO_LISTS)


def mentions_no(text: str) -> bool:
    """A no, a cancel or a "don't" anywhere in the reply, not only at its start."""
    return any(mentions(text, name) for name in NO_LISTS)


def answer_to_question(intent: str | None, text: str) -> str:
    """What a reply to the deletion question means: "erase", "keep", "ask", "own" (its
    usual answer) or "fallback".

    Rules send here only the replies whose intent is not a plain yes or no (bot/rules/privacy.yml).
    Erasing needs a yes that is not a question; everything unsure either asks again (a repeated
    request) or goes to the fallback (not understood), which also keeps the emergency net.
    """
    if keeps_data(text):
        return "keep"
    says_yes = is_yes(text) and not asks_question(text)
    if says_yes and mentions_no(text):
        # "iya, ga usah" is "yeah, no need" as often as it is a yes: ask again, never erase.
        return "ask"
    if intent == DELETE_INTENT:
        return "erase" if says_yes else "ask"
    if intent in CLOSING_INTENTS:
        return "keep"
    if says_yes:
        return "erase"
    # A real question instead of an answer ("syarat skck apa?"): answer it; the data stays.
    return "own" if intent in OWN_ANSWER else "fallback"


class ActionPrivacyAnswer(Action):
    """Read a reply to the deletion question that the NLU did not classify as yes or no."""

    def name(self) -> str:
        return "action_privacy_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        latest = tracker.latest_message or {}
        intent = (latest.get("intent") or {}).get("name")
        match answer_to_question(intent, latest.get("text") or ""):
            case "erase":
                # action_erase_my_data checks again that this reply answers the question.
                return [FollowupAction(ERASE_ACTION)]
            case "keep":
                return [FollowupAction(KEPT_RESPONSE)]
            case "ask":
                return [FollowupAction(CONFIRM_RESPONSE)]
            case "own":
                return [FollowupAction(OWN_ANSWER[intent])]
            case _:
                return [FollowupAction(FALLBACK_ACTION)]
