"""Contract of the FAQ agency packs (docs/faq.md), checked for every catalogue topic.

All 40 topics of `spec/topics.yml` must have: training examples (>= 40, no duplicates within or
across topics), a default answer (<= 1,200 characters) and an SMS variant (GSM-7, <= 2 segments,
offers LANJUT), each with metadata naming the catalogue agency, an official source and a review
date. A missing pack fails here on purpose: the catalogue is a contract, not a wish list.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from layani.catalogue import load_catalogue
from layani.gsm7 import is_gsm7, segment_count
from layani.paths import AGENCIES_DIR

CATALOGUE = load_catalogue()
TOPICS = sorted(CATALOGUE.faq)
MAX_CHAT_CHARS = 1200
MAX_SMS_SEGMENTS = 2
MIN_EXAMPLES = 40
FOLLOWUPS_FILE = AGENCIES_DIR.parent / "common" / "faq_followups.yml"


def _examples(block: dict) -> list[str]:
    return [
        line.strip()[2:].strip()
        for line in str(block.get("examples", "")).splitlines()
        if line.strip().startswith("- ")
    ]


def _load_packs() -> tuple[dict[str, list[tuple[str, str]]], dict[str, list], dict[str, str]]:
    """(examples per topic with their pack, response variants per topic, pack of each response)."""
    examples: dict[str, list[tuple[str, str]]] = defaultdict(list)
    responses: dict[str, list] = {}
    response_pack: dict[str, str] = {}
    for pack in sorted(p for p in AGENCIES_DIR.iterdir() if p.is_dir()):
        nlu_file = pack / "nlu.yml"
        if nlu_file.is_file():
            for block in (yaml.safe_load(nlu_file.read_text(encoding="utf-8")) or {}).get(
                "nlu", []
            ):
                intent = str(block.get("intent", ""))
                if intent.startswith("faq/"):
                    examples[intent[4:]] += [(text, pack.name) for text in _examples(block)]
        responses_file = pack / "responses.yml"
        if responses_file.is_file():
            data = yaml.safe_load(responses_file.read_text(encoding="utf-8")) or {}
            for name, variants in (data.get("responses") or {}).items():
                if name.startswith("utter_faq/"):
                    responses[name[len("utter_faq/") :]] = variants
                    response_pack[name[len("utter_faq/") :]] = pack.name
    return examples, responses, response_pack


EXAMPLES, RESPONSES, RESPONSE_PACK = _load_packs()


def normalise(text: str) -> str:
    """Case, punctuation and spacing folded: "KTP-el hilang?" == "ktp el hilang"."""
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())


def _variants(topic: str) -> tuple[list, list]:
    variants = RESPONSES.get(topic) or []
    default = [v for v in variants if not v.get("channel")]
    sms = [v for v in variants if v.get("channel") == "sms"]
    return default, sms


@pytest.mark.parametrize("topic", TOPICS)
def test_topic_has_enough_training_examples(topic: str) -> None:
    texts = [text for text, _ in EXAMPLES.get(topic, [])]
    assert len(texts) >= MIN_EXAMPLES, f"faq/{topic}: {len(texts)} examples, need {MIN_EXAMPLES}"
    normalised = [normalise(t) for t in texts]
    dupes = sorted({t for t in normalised if normalised.count(t) > 1})
    assert not dupes, f"faq/{topic} repeats examples: {dupes}"


def test_no_example_is_shared_between_topics() -> None:
    owners: dict[str, set] = defaultdict(set)
    for topic, items in EXAMPLES.items():
        for text, _pack in items:
            owners[normalise(text)].add(topic)
    shared = {text: sorted(topics) for text, topics in owners.items() if len(topics) > 1}
    assert not shared, f"examples used by more than one topic: {shared}"


def test_followup_examples_do_not_collide_with_topics() -> None:
    data = yaml.safe_load(FOLLOWUPS_FILE.read_text(encoding="utf-8"))
    topic_texts = {normalise(t) for items in EXAMPLES.values() for t, _ in items}
    for block in data["nlu"]:
        if "intent" not in block:
            continue
        clash = [t for t in _examples(block) if normalise(t) in topic_texts]
        assert not clash, f"{block['intent']} shares examples with FAQ topics: {clash}"


@pytest.mark.parametrize("topic", TOPICS)
def test_topic_has_default_answer_within_chat_limit(topic: str) -> None:
    default, _ = _variants(topic)
    assert len(default) == 1, f"utter_faq/{topic}: need exactly one default variant"
    text = default[0].get("text", "")
    assert 0 < len(text) <= MAX_CHAT_CHARS, f"utter_faq/{topic}: {len(text)} characters"


@pytest.mark.parametrize("topic", TOPICS)
def test_topic_has_sms_variant_in_two_gsm7_segments(topic: str) -> None:
    _, sms = _variants(topic)
    assert len(sms) == 1, f"utter_faq/{topic}: need exactly one `channel: sms` variant"
    text = sms[0].get("text", "")
    bad = sorted({ch for ch in text if not is_gsm7(ch)})
    assert not bad, f"utter_faq/{topic} SMS has non-GSM-7 characters {bad}"
    assert segment_count(text) <= MAX_SMS_SEGMENTS, (
        f"utter_faq/{topic} SMS: {segment_count(text)} segments"
    )
    assert "LANJUT" in text, f"utter_faq/{topic} SMS must say how to get more (LANJUT)"


@pytest.mark.parametrize("topic", TOPICS)
def test_every_variant_names_agency_source_and_review_date(topic: str) -> None:
    variants = RESPONSES.get(topic) or []
    assert variants, f"utter_faq/{topic} is missing"
    for variant in variants:
        meta = variant.get("metadata") or {}
        assert meta.get("agency") == CATALOGUE.faq_agency(topic), (
            f"{topic}: agency {meta.get('agency')}"
        )
        assert meta.get("topic") == topic
        source = str(meta.get("source") or "")
        assert re.search(
            r"https?://|\b(UU|PP|Perpres|Permen\w*|Perpol|PMK|Perda|Perbup|Perwali|Kep\w*|SE|Inpres)\b",
            source,
        ), f"{topic}: source {source!r} is neither a URL nor a regulation"
        reviewed = dt.date.fromisoformat(str(meta.get("reviewed")))
        assert dt.date(2025, 1, 1) <= reviewed <= dt.date.today(), f"{topic}: reviewed {reviewed}"


@pytest.mark.parametrize("topic", TOPICS)
def test_response_lives_in_the_pack_of_its_agency(topic: str) -> None:
    assert RESPONSE_PACK.get(topic) == CATALOGUE.faq_agency(topic)
    packs = {pack for _, pack in EXAMPLES.get(topic, [])}
    assert packs == {CATALOGUE.faq_agency(topic)}, f"faq/{topic} examples live in {packs}"


def test_no_faq_responses_or_intents_outside_the_catalogue() -> None:
    assert set(RESPONSES) <= set(TOPICS), sorted(set(RESPONSES) - set(TOPICS))
    assert set(EXAMPLES) <= set(TOPICS), sorted(set(EXAMPLES) - set(TOPICS))


@pytest.mark.parametrize("pack", sorted(p.name for p in AGENCIES_DIR.iterdir() if p.is_dir()))
def test_agency_file_describes_the_pack(pack: str) -> None:
    info = yaml.safe_load((AGENCIES_DIR / pack / "agency.yml").read_text(encoding="utf-8"))[
        "agency"
    ]
    assert info["id"] == pack
    assert info["name"] and info["office_hours"] and info["locations"]
    assert set(info["contact"]) >= {"phone", "email", "website"}
    assert set(info.get("complaint_categories") or []) <= set(CATALOGUE.complaint_categories)


def test_chat_answers_end_by_naming_agency_and_source() -> None:
    """The catalogue asks every answer to say whose service it is and where to check."""
    missing = []
    for topic in TOPICS:
        default, _ = _variants(topic)
        if default and "Sumber" not in default[0]["text"].splitlines()[-1]:
            missing.append(topic)
    assert not missing, f"last line lacks 'Sumber ...': {missing}"


def test_pack_files_are_where_the_importer_looks() -> None:
    from layani import importer

    files = {Path(p) for p in importer.domain_files() + importer.training_files()}
    missing = sorted(
        topic
        for topic in TOPICS
        if not {
            AGENCIES_DIR / CATALOGUE.faq_agency(topic) / name
            for name in ("responses.yml", "nlu.yml")
        }
        <= files
    )
    assert not missing, f"topics whose pack the importer does not load: {missing}"


@pytest.mark.parametrize("topic", TOPICS)
def test_full_answer_is_gsm7_so_lanjut_pages_stay_cheap(topic: str) -> None:
    """LANJUT on SMS sends the full answer in pages; one non-GSM-7 character would switch every
    page to UCS-2 (67 instead of 153 characters per segment)."""
    default, _ = _variants(topic)
    assert default, f"utter_faq/{topic} has no default variant"
    bad = sorted({ch for ch in default[0]["text"] if not is_gsm7(ch)})
    assert not bad, f"utter_faq/{topic} full answer has non-GSM-7 characters {bad}"
