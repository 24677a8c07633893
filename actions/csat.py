"""Citizen satisfaction ratings (CSAT): the answer to "beri nilai 1 sampai 5", and its comment.

Where the decision lives, and why: in the dialogue, as two intents and two actions, not in a
check in front of the turn. The question goes out through the outbound API
(`layani.notify.ask_for_rating`), so it is a normal bot message in the citizen's transcript,
and the answer should be a normal turn too: it is recorded in the same transcript, it passes
the channel layer (rate limit, ordering, dedup) like every message, and a form keeps priority
by the ordinary Rasa rule that an active form takes the message first (a lone "1" in the
complaint form's contact step is "tanpa nama", never a rating). A pre-turn hook would have had
to repeat all of that in every connector.

- `csat_rate`: a button payload `/csat_rate{"csat_score": "4", "csat_subject": "ticket:ADU-…"}`
  (Telegram, web chat) or a lone digit recognised by the NLU (SMS, WhatsApp). The action
  accepts it only when this citizen (owner key from the authenticated channel,
  `actions.channel.owner_of`) has an unexpired request (7 days, `storage.ratings`); a
  payload naming a subject must name one of *their* requests, so a typed payload cannot rate
  someone else's ticket. Otherwise the message is handed to the normal fallback
  (`action_layani_fallback`), exactly what a stray digit got before ratings existed.
- `csat_comment`: "KOMENTAR <teks>" after a rating. A keyword rather than "the next message",
  so that a citizen who goes on with something else ("cek status …") is never swallowed as a
  comment. The comment is sealed in storage; only staff of the agency read it.
"""

from __future__ import annotations

import asyncio
import logging
import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.channel import channel_of, owner_of
from storage import ratings

logger = logging.getLogger(__name__)

FALLBACK_ACTION = "action_layani_fallback"
_LONE_SCORE = re.compile(r"^\s*([1-5])\s*[.!]?\s*$")
_WORDED_SCORE = re.compile(r"(?<!\d)([1-5])(?!\d)")
_SCORE_WORDS = frozenset({"nilai", "nilainya", "skor", "bintang", "rating", "poin"})
_FILLER_WORDS = frozenset(
    {"saya", "sy", "aku", "beri", "berikan", "kasih", "kasi", "ksh", "memberi", "aja", "saja"}
    | {"ya", "deh", "dong", "min", "kak", "untuk", "buat", "utk", "pelayanan", "layanan"}
)
_COMMENT_PREFIX = re.compile(r"^\s*(komentar|komen)\b\s*[:\-]?\s*", re.IGNORECASE)


def _entity(tracker: Tracker, name: str) -> str | None:
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") == name and entity.get("value") is not None:
            return str(entity["value"]).strip()
    return None


def score_of(tracker: Tracker) -> int | None:
    """The score 1..5 the message gives, or None (e.g. "7", "12", a sentence with two digits)."""
    text = str((tracker.latest_message or {}).get("text") or "")
    if text.startswith("/"):  # a button payload: its entity is the score
        value = _entity(tracker, "csat_score")
        return int(value) if value in {"1", "2", "3", "4", "5"} else None
    # Typed text: read from the text itself, not from what DIET tagged (it may tag one digit
    # of "3 atau 4").
    lone = _LONE_SCORE.match(text)
    if lone:
        return int(lone.group(1))
    # "nilai 4", "4 dari 5", "saya kasih 5 bintang": exactly one digit 1..5, and every other
    # word a rating word. "lampu mati sudah 3 hari" holds a digit but is not a rating (the NLU
    # may still call it csat_rate: measured, see docs/complaints.md).
    rest, out_of_five = re.subn(r"\bdari\s*5\b", " ", text.lower())
    digits = _WORDED_SCORE.findall(rest)
    words = re.findall(r"[^\W\d_]+", rest)
    if (
        len(digits) == 1
        and not re.search(r"\d{2,}|[06-9]", rest)
        and (out_of_five or any(w in _SCORE_WORDS for w in words))
        and all(w in _SCORE_WORDS | _FILLER_WORDS for w in words)
    ):
        return int(digits[0])
    return None


def subject_of(tracker: Tracker) -> tuple[str, str] | None:
    """The subject a button named ("ticket:ADU-…" / "handoff:12"), or None for a typed digit."""
    value = _entity(tracker, "csat_subject")
    if not value or ":" not in value:
        return None
    kind, ref = value.split(":", 1)
    return (kind, ref) if kind in ratings.SUBJECT_KINDS and ref else None


def comment_of(tracker: Tracker) -> str:
    """The comment without its KOMENTAR keyword ("" when only the keyword was sent)."""
    text = str((tracker.latest_message or {}).get("text") or "")
    match = _COMMENT_PREFIX.match(text)
    return text[match.end() :].strip() if match else ""


def _rate(owner: str, score: int, subject: tuple[str, str] | None, channel: str) -> bool:
    pending = ratings.pending_for(owner, subject=subject)
    if pending is None:
        return False
    ratings.record_rating(
        pending.subject_kind, pending.subject_ref, score, channel, agency=pending.agency
    )
    ratings.set_stage(owner, pending.subject_kind, pending.subject_ref, "comment")
    return True


def _comment(owner: str, text: str) -> bool:
    pending = ratings.pending_for(owner, stage="comment")
    if pending is None:
        return False
    return ratings.add_comment(pending.subject_kind, pending.subject_ref, text)


class ActionCsatRate(Action):
    def name(self) -> str:
        return "action_csat_rate"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        score = score_of(tracker)
        if score is None or tracker.active_loop_name:
            # Not a score, or a form is active (it rejected the digit; still the form's turn).
            return [FollowupAction(FALLBACK_ACTION)]
        try:
            recorded = await asyncio.to_thread(
                _rate, owner_of(tracker), score, subject_of(tracker), channel_of(tracker)
            )
        except SQLAlchemyError:
            logger.exception("Rating could not be stored")
            recorded = False
        if not recorded:
            # No question pending for this citizen (or past 7 days): a normal message.
            return [FollowupAction(FALLBACK_ACTION)]
        dispatcher.utter_message(response="utter_csat_thanks", score=score)
        return []


class ActionCsatComment(Action):
    def name(self) -> str:
        return "action_csat_comment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.active_loop_name:
            return [FollowupAction(FALLBACK_ACTION)]
        owner = owner_of(tracker)
        text = comment_of(tracker)
        try:
            pending = await asyncio.to_thread(ratings.pending_for, owner, "comment")
        except SQLAlchemyError:
            logger.exception("Rating request could not be read")
            pending = None
        if pending is None:
            return [FollowupAction(FALLBACK_ACTION)]
        if not text:
            dispatcher.utter_message(response="utter_csat_comment_empty")
            return []
        try:
            saved = await asyncio.to_thread(_comment, owner, text)
        except SQLAlchemyError:
            logger.exception("Comment could not be stored")
            saved = False
        if not saved:
            return [FollowupAction(FALLBACK_ACTION)]
        dispatcher.utter_message(response="utter_csat_comment_saved")
        return []
