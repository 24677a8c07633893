"""`make validate`: Rasa's data validation over the whole bot, failing on any warning.

Why not plain `rasa data validate`: it exits 0 on warnings (duplicated examples, intents missing
from the domain, slot mappings to unknown entities ...), and those warnings are exactly the
mistakes that make a model quietly worse. This runs the same checks as the CLI through Rasa's
Python API with the project importer (config.yml), records every warning and exits non-zero if
any remains.

One class of Rasa warning is a known false alarm and is checked more precisely instead:
"The utterance 'utter_x' is not used in any story or rule". Rasa cannot see responses that
actions send (`dispatcher.utter_message(response="utter_x")`), that forms ask implicitly
(`utter_ask_<slot>`), or that retrieval intents use (`utter_faq/<id>`). Such a warning is accepted
only when the response is referenced in that way; otherwise it fails like any other. Likewise
"The intent 'x' is not used in any story or rule" is accepted when a slot mapping uses the intent
(a form's yes/no question filled `from_intent: affirm`).
Warnings raised by libraries about themselves (deprecations) are not about our data and ignored.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import warnings
from collections.abc import Iterable
from pathlib import Path

from layani.paths import CONFIG_FILE, DOMAIN_DIR, ROOT

logger = logging.getLogger("tooling.validate")

UNUSED_UTTERANCE_RE = re.compile(r"The utterance '([^']+)' is not used in any story or rule")
UNUSED_INTENT_RE = re.compile(r"The intent '([^']+)' is not used in any story or rule")
CODE_DIRS = ("actions", "layani", "channels", "services", "console", "tooling")
_IGNORED_CATEGORIES = (DeprecationWarning, PendingDeprecationWarning, FutureWarning, ImportWarning)
# Rasa 3.6 emits this for EVERY domain that has slots (rasa/shared/core/slot_mappings.py,
# validate_slot_mappings): a migration notice, not a finding about our data.
_RASA_NOTICES = ("Slot auto-fill has been removed in 3.0",)


def referenced_in_code(code_dirs: Iterable[str] = CODE_DIRS, root: Path = ROOT) -> set[str]:
    """Response names quoted in Python code (e.g. `response="utter_x"`)."""
    names: set[str] = set()
    pattern = re.compile(r"[\"'](utter_[A-Za-z0-9_/]+)[\"']")
    for folder in code_dirs:
        for path in sorted((root / folder).rglob("*.py")):
            names.update(pattern.findall(path.read_text(encoding="utf-8", errors="replace")))
    return names


def implicitly_used(domain: object) -> set[str]:
    """Responses Rasa itself uses: form questions `utter_ask_[<form>_]<slot>`, and
    `utter_default`, which Rasa's core fallback `action_default_fallback` sends."""
    used: set[str] = {"utter_default"}
    for form, spec in (getattr(domain, "forms", None) or {}).items():
        for slot in (spec or {}).get("required_slots", []) or []:
            used.update({f"utter_ask_{slot}", f"utter_ask_{form}_{slot}"})
    return used


# Rasa's ResponsesSyncImporter merges the retrieval intents found in the NLU data (faq/<id>) into
# the domain; a domain that declares `faq` itself (needed so rules can name it) then always gets
# "duplicated intents ...: faq". Only that exact case is a false alarm.
RETRIEVAL_DUPLICATE_RE = re.compile(
    r"^The following duplicated intents have been found across multiple domain files: faq$"
)


def intents_in_slot_mappings(domain: object) -> set[str]:
    """Intents that fill slots (`from_intent` / `from_trigger_intent` with `intent:`)."""
    used: set[str] = set()
    for slot in getattr(domain, "slots", None) or []:
        for mapping in getattr(slot, "mappings", None) or []:
            intents = mapping.get("intent") or []
            used.update([intents] if isinstance(intents, str) else intents)
    return used


def is_our_problem(
    message: str, accepted_utterances: set[str], accepted_intents: set[str] = frozenset()
) -> bool:
    """False for the false alarms described in the module docstring, True for everything else."""
    if RETRIEVAL_DUPLICATE_RE.match(message):
        return False
    intent = UNUSED_INTENT_RE.search(message)
    if intent:
        return intent.group(1) not in accepted_intents
    match = UNUSED_UTTERANCE_RE.search(message)
    if not match:
        return True
    name = match.group(1)
    return not (name in accepted_utterances or name.startswith("utter_faq"))


def run_validation(config: Path = CONFIG_FILE, max_history: int | None = None) -> list[str]:
    """Run Rasa's validator over the project; return the warnings that count as failures."""
    from rasa.shared.importers.importer import TrainingDataImporter
    from rasa.validator import Validator

    problems: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        importer = TrainingDataImporter.load_from_config(
            config_path=str(config), domain_path=str(DOMAIN_DIR)
        )
        domain = importer.get_domain()
        if domain.is_empty():
            return ["The domain is empty."]
        validator = Validator.from_importer(importer)
        checks = [
            validator.verify_domain_validity(),
            validator.verify_actions_in_stories_rules(),
            validator.verify_forms_in_stories_rules(),
            validator.verify_form_slots(),
            validator.verify_slot_mappings(),
            validator.verify_nlu(True),
            validator.verify_story_structure(False, max_history=max_history),
        ]
        validator.warn_if_config_mandatory_keys_are_not_set()
    if not all(checks):
        # Errors and story conflicts are logged by Rasa itself (see above).
        problems.append("Rasa's validator reported errors or story conflicts (see the log above).")

    accepted = referenced_in_code() | implicitly_used(domain)
    accepted_intents = intents_in_slot_mappings(domain)
    seen: set[str] = set()
    for item in caught:
        if issubclass(item.category, _IGNORED_CATEGORIES):
            continue
        message = str(item.message).strip()
        if message.startswith(_RASA_NOTICES):
            continue
        if message in seen or not is_our_problem(message, accepted, accepted_intents):
            continue
        seen.add(message)
        problems.append(message)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(CONFIG_FILE))
    parser.add_argument("--max-history", type=int, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    problems = run_validation(Path(args.config), args.max_history)
    if problems:
        print(f"Data validation FAILED: {len(problems)} warning(s) from our data:", file=sys.stderr)
        for number, message in enumerate(problems, start=1):
            print(f"  {number}. {message.splitlines()[0]}", file=sys.stderr)
        return 1
    print("Data validation passed: no warnings.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
