"""The NLU parse cache answers repeated short messages from memory, and only those.

Rasa's `MessageProcessor._parse_message_with_graph` is replaced by `cached_parse`; here the
original is a counting stand-in, so the tests see exactly when the pipeline would run.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from layani import parse_cache


class FakeProcessor:
    """Stands in for Rasa's MessageProcessor: only the attribute dict matters to the cache."""


@pytest.fixture
def pipeline(monkeypatch):
    calls: list[str] = []

    def run_pipeline(processor, message, tracker, only_output_properties=True):
        calls.append(message.text)
        parsed = {"text": message.text, "intent": {"name": "greet", "confidence": 0.9}}
        if not only_output_properties:  # Rasa's full message data: the sender's id and metadata
            parsed["message_id"] = message.message_id
        return parsed

    monkeypatch.setattr(parse_cache, "_RASA_PARSE", run_pipeline)
    monkeypatch.setattr(parse_cache, "_INSTALLED_SIZE", 2)
    return calls


def parse(processor, text: str, message_id: str = "m1", output_only: bool = True) -> dict:
    message = SimpleNamespace(text=text, message_id=message_id)
    return parse_cache.cached_parse(processor, message, None, output_only)


def test_a_repeated_short_message_runs_the_pipeline_once(pipeline):
    processor = FakeProcessor()
    first = parse(processor, "halo")
    second = parse(processor, "halo")
    assert pipeline == ["halo"]
    assert first == second


def test_a_hit_is_a_copy_so_callers_cannot_change_what_later_citizens_get(pipeline):
    processor = FakeProcessor()
    parse(processor, "menu")["intent"]["name"] = "faq/skck"  # Rasa annotates what it gets
    assert parse(processor, "menu")["intent"]["name"] == "greet"


def test_messages_with_digits_or_long_stories_are_never_kept(pipeline):
    processor = FakeProcessor()
    nik = "nik saya 3171234567890001"
    story = "jalan " * 30
    for _ in range(2):
        parse(processor, nik)
        parse(processor, story)
    assert pipeline == [nik, story, nik, story]
    assert len(processor.__dict__.get("_layani_parse_cache", ())) == 0


def test_the_oldest_entry_leaves_first_and_a_new_model_starts_empty(pipeline):
    processor = FakeProcessor()
    for text in ("halo", "menu", "batal", "halo"):  # size 2: "halo" was evicted by "batal"
        parse(processor, text)
    assert pipeline == ["halo", "menu", "batal", "halo"]
    parse(FakeProcessor(), "batal")  # another processor (a newly loaded model) has its own
    assert pipeline[-1] == "batal"


def test_full_message_data_is_never_served_to_another_sender(pipeline):
    processor = FakeProcessor()
    parse(processor, "halo", message_id="citizen-a", output_only=False)
    other = parse(processor, "halo", message_id="citizen-b", output_only=False)
    assert other["message_id"] == "citizen-b"
    assert pipeline == ["halo", "halo"]


def test_size_zero_turns_the_cache_off(pipeline, monkeypatch):
    monkeypatch.setattr(parse_cache, "_INSTALLED_SIZE", 0)
    processor = FakeProcessor()
    parse(processor, "halo")
    parse(processor, "halo")
    assert pipeline == ["halo", "halo"]


@pytest.mark.parametrize(
    ("text", "kept"),
    [("terima kasih", True), ("cek ADU-7K2M-9QXD", False), ("", False), ("x" * 121, False)],
)
def test_cacheable(text, kept):
    assert parse_cache.cacheable(text) is kept
