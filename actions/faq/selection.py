"""Pure decisions for the FAQ actions: no dispatcher, no I/O, easy to test.

Why a custom action instead of Rasa's built-in `utter_faq`: the built-in retrieval action always
answers the top topic, even when the response selector is torn between two ("ktp sy rusak
datanya salah" scores KTP-rusak and KTP-ubah-data almost equally). A wrong confident answer
costs a citizen a wasted trip to an office, so when the top two topics are close we ask one
short question instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

RETRIEVAL_INTENT = "faq"
RESPONSE_PREFIX = "utter_faq/"
LABEL_PREFIX = "utter_faq_label_"
ASPECT_PREFIX = "utter_faq_aspect_"

# What a follow-up asks about, recognised by keywords (formal, chat, SMS shorthand, Javanese,
# Sundanese, English). A follow-up naming none or several aspects gets the full answer.
ASPECT_PATTERNS = (
    (
        "biaya",
        re.compile(
            r"\b(biaya\w*|bayar\w*|byr\w*|gratis|harga\w*|tarif\w*|ongkos\w*|duit|uang|pnbp|"
            r"piro|pinten|sabaraha|how much|cost|fee)\b"
        ),
    ),
    (
        "online",
        re.compile(
            r"\b(online|onln|onlen|daring|aplikasi\w*|apk|app|lewat hp|via hp|internet|"
            r"website|situs)\b"
        ),
    ),
    (
        "waktu",
        re.compile(
            r"\b(lama\w*|lm|berapa hari|brp hr|kapan|jadinya|jdny|sehari|how long|suwene|"
            r"sabaraha lami)\b"
        ),
    ),
    (
        "tempat",
        re.compile(
            r"\b(di ?mana|dmn|ke ?mana|kmn|tempat\w*|tmpt\w*|kantor\w*|lokasi\w*|where|"
            r"ngendi|endi|pundi|ka mana)\b"
        ),
    ),
)

# Ask a clarifying question when the best two topics are closer than this (response-selector
# confidence, 0..1). Tuned on the held-out FAQ sets (docs/faq.md, "Ambiguity threshold").
AMBIGUITY_GAP = 0.2

# Actions after which "biayanya berapa?" / "LANJUT" refer to the topic just answered.
FAQ_ANSWER_ACTIONS = frozenset(
    {"action_faq_answer", "action_faq_choose", "action_faq_followup", "action_faq_more"}
)

Ranking = list[tuple[str, float]]


def topic_ranking(latest_message: dict[str, Any]) -> Ranking:
    """(topic, confidence) pairs from the response selector, best first.

    Rasa stores the selector's output under the retrieval intent's name when the
    ResponseSelector is configured with `retrieval_intent: faq`, else under `default`.
    """
    selector = (latest_message or {}).get("response_selector") or {}
    output = selector.get(RETRIEVAL_INTENT) or selector.get("default") or {}
    ranking: Ranking = []
    for item in output.get("ranking") or []:
        key = str(item.get("intent_response_key") or "")
        if key.startswith(RETRIEVAL_INTENT + "/"):
            ranking.append((key.split("/", 1)[1], float(item.get("confidence") or 0.0)))
    if not ranking:
        response = output.get("response") or {}
        key = str(response.get("intent_response_key") or "")
        if key.startswith(RETRIEVAL_INTENT + "/"):
            ranking.append((key.split("/", 1)[1], float(response.get("confidence") or 0.0)))
    ranking.sort(key=lambda pair: pair[1], reverse=True)
    return ranking


def known_topics(domain: dict[str, Any]) -> list[str]:
    """Topics that have an answer in the assembled domain (enabled packs only)."""
    return sorted(
        name[len(RESPONSE_PREFIX) :]
        for name in (domain.get("responses") or {})
        if name.startswith(RESPONSE_PREFIX)
    )


def close_pair(
    ranking: Ranking, known: Iterable[str], gap: float = AMBIGUITY_GAP
) -> tuple[str, str] | None:
    """The two best answerable topics when they are too close to choose between, else None."""
    known_set = set(known)
    answerable = [(topic, conf) for topic, conf in ranking if topic in known_set]
    if len(answerable) < 2:
        return None
    (first, c1), (second, c2) = answerable[0], answerable[1]
    return (first, second) if c1 - c2 < gap else None


def best_topic(
    ranking: Ranking, known: Iterable[str], allowed: Sequence[str] | None = None
) -> str | None:
    """Highest-ranked topic that has an answer (and is among `allowed`, when given)."""
    known_set = set(known)
    for topic, _ in ranking:
        if topic in known_set and (allowed is None or topic in allowed):
            return topic
    return None


def answered_just_before(events: Sequence[dict[str, Any]]) -> bool:
    """True when an FAQ answer was the assistant's reply to the previous user message.

    Looks at the events between the previous user message and the current one. "Biayanya
    berapa?" asked after, say, a complaint form must not be answered about an old FAQ topic.
    """
    user_seen = 0
    for event in reversed(events):
        kind = event.get("event")
        if kind == "user":
            user_seen += 1
            if user_seen == 2:
                return False
        elif kind == "action" and user_seen == 1 and event.get("name") in FAQ_ANSWER_ACTIONS:
            return True
    return False


def followup_aspect(text: str) -> str | None:
    """The one aspect a follow-up asks about (biaya, online, waktu, tempat), else None."""
    lowered = (text or "").lower()
    found = [name for name, pattern in ASPECT_PATTERNS if pattern.search(lowered)]
    return found[0] if len(found) == 1 else None


def default_variant(domain: dict[str, Any], topic: str) -> dict[str, Any] | None:
    """The channel-independent (full chat) variant of a topic's answer."""
    for variant in (domain.get("responses") or {}).get(RESPONSE_PREFIX + topic) or []:
        if not variant.get("channel") and variant.get("text"):
            return variant
    return None


def topic_label(domain: dict[str, Any], topic: str) -> str:
    """Button title for a topic, from `utter_faq_label_<topic>` (falls back to the id)."""
    variants = (domain.get("responses") or {}).get(LABEL_PREFIX + topic) or []
    for variant in variants:
        if not variant.get("channel") and variant.get("text"):
            return str(variant["text"])
    return topic.replace("_", " ")


def choice_payload(topic: str) -> str:
    """Button payload; under Telegram's 64-byte callback limit for every catalogue id."""
    return "/choose_faq_topic" + json.dumps({"faq_topic": topic}, separators=(",", ":"))
