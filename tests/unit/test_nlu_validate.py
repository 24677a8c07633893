"""`make validate` (tooling/validate.py): which Rasa warnings fail the build."""

from __future__ import annotations

from pathlib import Path

from tooling.validate import is_our_problem, referenced_in_code


def test_any_ordinary_warning_is_a_failure() -> None:
    assert is_our_problem(
        "The intent 'greet' is listed in the domain file, "
        "but is not found in the NLU training data.",
        set(),
    )
    assert is_our_problem(
        "The example 'halo' was found labeled with multiple different intents", set()
    )


def test_unused_utterance_fails_unless_code_or_form_uses_it() -> None:
    message = "The utterance 'utter_ask_rephrase' is not used in any story or rule."
    assert is_our_problem(message, set())
    assert not is_our_problem(message, {"utter_ask_rephrase"})
    assert not is_our_problem("The utterance 'utter_faq' is not used in any story or rule.", set())


def test_unused_intent_fails_unless_a_slot_mapping_uses_it() -> None:
    message = "The intent 'affirm' is not used in any story or rule."
    assert is_our_problem(message, set(), set())
    assert not is_our_problem(message, set(), {"affirm"})


def test_responses_sent_by_actions_are_found(tmp_path: Path) -> None:
    (tmp_path / "actions").mkdir()
    (tmp_path / "actions" / "x.py").write_text(
        "dispatcher.utter_message(response=\"utter_ask_rephrase\")\nNAME = 'utter_help'\n",
        encoding="utf-8",
    )
    assert referenced_in_code(["actions"], root=tmp_path) == {"utter_ask_rephrase", "utter_help"}


def test_project_fallback_responses_are_referenced_by_the_fallback_action() -> None:
    assert {"utter_ask_rephrase", "utter_fallback_menu_or_human"} <= referenced_in_code()
