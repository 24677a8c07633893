"""Held-out FAQ sets (eval/heldout/faq_*.yml) stay separate from training and cover every topic.

The evaluation is only honest if no held-out message (after folding case and punctuation) is
also a training example, and if each topic is tested in all four registers.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from layani.catalogue import load_catalogue
from layani.paths import AGENCIES_DIR

ROOT = Path(__file__).resolve().parents[2]
HELDOUT_DIR = ROOT / "eval" / "heldout"
REGISTERS = {"formal", "colloquial", "sms", "regional"}
TOPICS = sorted(load_catalogue().faq)


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())


def _examples(block: dict) -> list[str]:
    return [
        line.strip()[2:].strip()
        for line in str(block.get("examples", "")).splitlines()
        if line.strip().startswith("- ")
    ]


def _heldout() -> dict[str, dict[str, list[str]]]:
    by_topic: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted(HELDOUT_DIR.glob("faq_*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            intent = block["intent"]
            assert intent.startswith("faq/"), f"{path.name}: {intent}"
            register = (block.get("metadata") or {}).get("register")
            assert register in REGISTERS, f"{path.name}: {intent} has register {register!r}"
            by_topic[intent[4:]][register] += _examples(block)
    return by_topic


def _training_texts() -> set[str]:
    texts: set[str] = set()
    for path in list(AGENCIES_DIR.glob("*/nlu.yml")) + list(
        (AGENCIES_DIR.parent / "common").glob("*.yml")
    ):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            if "intent" in block:
                texts.update(normalise(t) for t in _examples(block))
    return texts


HELDOUT = _heldout()


@pytest.mark.parametrize("topic", TOPICS)
def test_topic_has_ten_heldout_messages_in_all_registers(topic: str) -> None:
    registers = HELDOUT.get(topic, {})
    assert set(registers) == REGISTERS, f"faq/{topic}: registers {sorted(registers)}"
    assert sum(len(v) for v in registers.values()) >= 10


def test_no_heldout_message_is_a_training_example() -> None:
    training = _training_texts()
    leaked = sorted(
        f"{topic}: {text}"
        for topic, registers in HELDOUT.items()
        for texts in registers.values()
        for text in texts
        if normalise(text) in training
    )
    assert not leaked, f"held-out messages also used for training: {leaked}"
