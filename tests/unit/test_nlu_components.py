"""Rasa components of the Indonesian pipeline: tokenizer and token normaliser (no model needed)."""

from __future__ import annotations

import pytest
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from layani.nlu.normalise import default_normaliser
from layani.nlu.normaliser import TextNormaliser
from layani.nlu.tokenizer import IndonesianTokenizer, split_words


@pytest.fixture(scope="module")
def tokenizer() -> IndonesianTokenizer:
    return IndonesianTokenizer(IndonesianTokenizer.get_default_config())


def _tokens(tokenizer: IndonesianTokenizer, text: str):
    message = Message(data={TEXT: text})
    tokenizer.process([message])
    return message.get(TOKENS_NAMES[TEXT])


def test_ticket_ids_stay_one_token_with_exact_offsets(tokenizer: IndonesianTokenizer) -> None:
    text = "cek status ADU-7K3M-Q9PX, sama (pmh-2b9x-k4rt) ya"
    tokens = _tokens(tokenizer, text)
    words = [t.text for t in tokens]
    assert "ADU-7K3M-Q9PX" in words and "pmh-2b9x-k4rt" in words
    for token in tokens:
        assert text[token.start : token.end] == token.text


def test_phone_numbers_and_dates_are_not_cut(tokenizer: IndonesianTokenizer) -> None:
    words = [t.text for t in _tokens(tokenizer, "hp 0812-3456-7890 tgl 12-01-2025 jam 10:30")]
    assert words == ["hp", "0812-3456-7890", "tgl", "12-01-2025", "jam", "10:30"]


def test_clitic_split_and_reduplication_kept() -> None:
    assert split_words("anak-anak sy mau bikin ktp-nya") == [
        "anak-anak",
        "sy",
        "mau",
        "bikin",
        "ktp",
        "-nya",
    ]


def test_punctuation_glued_by_sms_writers_is_split() -> None:
    assert split_words("caranya?kok gak bisa,gmn") == ["caranya", "kok", "gak", "bisa", "gmn"]


def test_punctuation_and_emoji_are_dropped() -> None:
    assert split_words("halo min!!! 🙏 :)") == ["halo", "min"]


def test_text_of_only_symbols_is_one_token(tokenizer: IndonesianTokenizer) -> None:
    assert [t.text for t in _tokens(tokenizer, ":)")] == [":)"]


def test_normaliser_component_rewrites_text_and_lemma_but_keeps_offsets(
    tokenizer: IndonesianTokenizer,
) -> None:
    text = "KTP sy ilang, hrs gmn?? tolooong"
    message = Message(data={TEXT: text})
    tokenizer.process([message])
    TextNormaliser({"lemmatize": False}, default_normaliser()).process([message])
    tokens = message.get(TOKENS_NAMES[TEXT])
    assert [t.lemma for t in tokens] == ["ktp", "saya", "hilang", "harus", "bagaimana", "tolong"]
    assert [t.text for t in tokens] == [t.lemma for t in tokens]
    assert [text[t.start : t.end] for t in tokens] == [
        "KTP",
        "sy",
        "ilang",
        "hrs",
        "gmn",
        "tolooong",
    ]


def test_normaliser_component_processes_training_data(tokenizer: IndonesianTokenizer) -> None:
    data = TrainingData([Message(data={TEXT: "kk sy ilang", "intent": "faq"})])
    tokenizer.process_training_data(data)
    TextNormaliser({"lemmatize": False}, default_normaliser()).process_training_data(data)
    assert [t.text for t in data.training_examples[0].get(TOKENS_NAMES[TEXT])] == [
        "kk",
        "saya",
        "hilang",
    ]


def test_optional_lemmatisation(tokenizer: IndonesianTokenizer) -> None:
    message = Message(data={TEXT: "persyaratannya pembuatan"})
    tokenizer.process([message])
    TextNormaliser({"lemmatize": True}, default_normaliser()).process([message])
    assert [t.lemma for t in message.get(TOKENS_NAMES[TEXT])] == ["syarat", "buat"]
