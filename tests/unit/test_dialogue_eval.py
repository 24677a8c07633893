"""The dialogue-level runner's judgement (tooling/dialogue_eval.py) on hand-made tracker events:
an outcome is right by what the bot did after the reply, not by the predicted intent."""

from __future__ import annotations

from pathlib import Path

import pytest

from tooling.dialogue_eval import (
    DIALOGUE_DIR,
    PREFIXES,
    REACHED,
    Result,
    _turn_from_events,
    breakdown,
    load_sets,
    outcome_check,
)


def _user(intent: str) -> dict:
    return {"event": "user", "text": "x", "parse_data": {"intent": {"name": intent}}}


def _bot(response: str) -> dict:
    return {"event": "bot", "text": response, "metadata": {"utter_action": response}}


def _action(name: str) -> dict:
    return {"event": "action", "name": name}


FORM_AT_CONFIRM = [
    _user("start_complaint"),
    {"event": "active_loop", "name": "complaint_form"},
    {"event": "slot", "name": "requested_slot", "value": "complaint_confirm"},
]


def test_turn_reads_only_the_events_after_the_last_user_message() -> None:
    events = [
        _user("greet"),
        _action("utter_greet"),
        _bot("utter_greet"),
        _user("thanks"),
        _action("utter_thanks"),
        _bot("utter_thanks"),
    ]
    turn = _turn_from_events(events)
    assert turn.intent == "thanks"
    assert turn.responses == ["utter_thanks"]
    assert turn.actions == ["utter_thanks"]
    assert turn.active_loop is None


def test_affirm_at_the_complaint_summary_counts_only_when_the_ticket_is_saved() -> None:
    check = outcome_check("complaint_confirm", "affirm")
    saved = [
        *FORM_AT_CONFIRM,
        _user("affirm"),
        _action("complaint_form"),
        {"event": "active_loop", "name": None},
        _action("action_complaint_finish"),
        _bot("utter_complaint_saved"),
    ]
    assert check(_turn_from_events(saved))
    # Right intent, but the form asked again instead of saving: wrong outcome.
    asked_again = [*FORM_AT_CONFIRM, _user("affirm"), _bot("utter_ask_complaint_confirm")]
    assert not check(_turn_from_events(asked_again))


def test_cancel_needs_the_form_closed_and_nothing_saved() -> None:
    check = outcome_check("complaint_confirm", "cancel")
    cancelled = [
        *FORM_AT_CONFIRM,
        _user("cancel"),
        _bot("utter_complaint_cancelled"),
        {"event": "active_loop", "name": None},
    ]
    assert check(_turn_from_events(cancelled))
    still_open = [*FORM_AT_CONFIRM, _user("cancel"), _bot("utter_complaint_which_field")]
    assert not check(_turn_from_events(still_open))


def test_short_reply_with_no_answer_or_a_fallback_is_wrong() -> None:
    silent = [_user("affirm"), _action("action_default_fallback")]
    assert not outcome_check("bot_challenge_answered", "affirm")(_turn_from_events(silent))
    rephrase = [_user("nlu_fallback"), _bot("utter_ask_rephrase")]
    assert not outcome_check("after_greeting", "affirm")(_turn_from_events(rephrase))
    handoff = [_user("request_human"), _action("action_handoff_start"), _bot("utter_x")]
    assert outcome_check("after_greeting", "request_human")(_turn_from_events(handoff))


def test_skip_at_the_photo_step_moves_the_form_on() -> None:
    at_photo = [
        _user("start_complaint"),
        {"event": "active_loop", "name": "complaint_form"},
        {"event": "slot", "name": "requested_slot", "value": "complaint_photo"},
    ]
    moved = [*at_photo, _user("deny"), {"event": "slot", "name": "requested_slot", "value": "x"}]
    assert outcome_check("complaint_photo_asked", "skip")(_turn_from_events(moved))
    assert not outcome_check("complaint_photo_asked", "skip")(
        _turn_from_events([*at_photo, _user("deny"), _bot("utter_complaint_photo_hint")])
    )


def test_sets_load_and_unknown_contexts_are_errors(tmp_path: Path) -> None:
    good = tmp_path / "good.yml"
    good.write_text(
        "version: 1\ncases:\n  - context: complaint_confirm\n    replies:\n"
        '      - {text: "wis bener", meaning: affirm, register: regional, variety: javanese}\n',
        encoding="utf-8",
    )
    (reply,) = load_sets([good])
    assert (reply.context, reply.meaning, reply.register, reply.variety) == (
        "complaint_confirm",
        "affirm",
        "regional",
        "javanese",
    )
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "cases:\n  - context: nowhere\n    replies:\n      - {text: y, meaning: affirm}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="unknown context"):
        load_sets([bad])


def test_project_sets_use_known_contexts_and_meanings() -> None:
    replies = load_sets(sorted(DIALOGUE_DIR.glob("*.yml")))
    assert replies
    for reply in replies:
        assert reply.context in PREFIXES and reply.context in REACHED
        outcome_check(reply.context, reply.meaning)  # KeyError for an unknown meaning


def test_breakdown_leaves_out_unreached_contexts() -> None:
    (a, b) = load_sets_from_text()
    results = [Result(a, True, True, "affirm", []), Result(b, False, False, None, [])]
    assert breakdown(results, lambda r: r.context) == {"complaint_confirm": (1, 1)}


def load_sets_from_text():
    from tooling.dialogue_eval import Reply

    return (
        Reply("complaint_confirm", "ya", "affirm", "formal", "-", "x.yml"),
        Reply("application_confirm", "ya", "affirm", "formal", "-", "x.yml"),
    )
