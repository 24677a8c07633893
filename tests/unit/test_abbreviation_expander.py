"""AbbreviationExpander: unknown SMS abbreviations reach the featurisers as training words."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from layani.nlu.abbreviations import AbbreviationExpander
from layani.nlu.normalise import default_normaliser
from layani.nlu.normaliser import TextNormaliser
from layani.nlu.tokenizer import IndonesianTokenizer

TRAINING = [
    "saya mau bicara dengan petugas",
    "tolong sambungkan ke petugas",
    "cek status pengaduan saya",
    "saya mau buat pengaduan",
    "minta surat keterangan domisili",
]


def _prepare(texts: list[str]) -> list[Message]:
    messages = [Message(data={TEXT: t}) for t in texts]
    IndonesianTokenizer(IndonesianTokenizer.get_default_config()).process(messages)
    TextNormaliser({}, default_normaliser()).process(messages)
    return messages


@pytest.fixture
def expander(tmp_path: Path) -> AbbreviationExpander:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("abbreviations")
    AbbreviationExpander({}, storage, resource).train(TrainingData(_prepare(TRAINING)))
    return AbbreviationExpander.load({}, storage, resource, None)


def _words(expander: AbbreviationExpander, text: str) -> list[str]:
    message = expander.process(_prepare([text]))[0]
    return [token.text for token in message.get(TOKENS_NAMES[TEXT])]


def test_unlisted_sms_forms_become_the_words_the_model_was_trained_on(expander):
    assert _words(expander, "mo ngmg sm ptgs")[-1] == "petugas"
    assert "pengaduan" in _words(expander, "cek sttus pngdn sy")
    assert "status" in _words(expander, "cek sttus pngdn sy")
    assert "domisili" in _words(expander, "srt ket dmsl")


def test_known_words_and_entity_offsets_are_untouched(expander):
    message = expander.process(_prepare(["cek status ADU-7K2M-9QXD ptgs"]))[0]
    tokens = message.get(TOKENS_NAMES[TEXT])
    # The normaliser gives the ticket id its shape; the expander leaves that word alone.
    assert [t.text.upper() for t in tokens][:3] == ["CEK", "STATUS", "NOMORTIKET"]
    assert "cek status ADU-7K2M-9QXD ptgs"[tokens[2].start : tokens[2].end] == "ADU-7K2M-9QXD"
    last = tokens[-1]
    assert last.text == "petugas"
    assert "cek status ADU-7K2M-9QXD ptgs"[last.start : last.end] == "ptgs"


def test_untrained_component_changes_nothing(tmp_path: Path):
    component = AbbreviationExpander({}, LocalModelStorage(tmp_path), Resource("x"))
    message = component.process(_prepare(["mo ngmg sm ptgs"]))[0]
    assert [t.text for t in message.get(TOKENS_NAMES[TEXT])][-1] == "ptgs"
