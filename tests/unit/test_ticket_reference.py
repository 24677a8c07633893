"""TicketReferenceGuard: a message with a ticket id asks about that ticket, whatever DIET said."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors.regex_entity_extractor import RegexEntityExtractor
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from layani.nlu.ticket_reference import TicketReferenceGuard
from layani.nlu.tokenizer import IndonesianTokenizer

REGEX_FILE = Path(__file__).resolve().parents[2] / "nlu_data" / "common" / "regex.yml"


@pytest.fixture(scope="module")
def extractor(tmp_path_factory) -> RegexEntityExtractor:
    """Rasa's own extractor trained on the project's ticket-id regex (case-insensitive)."""
    config = {**RegexEntityExtractor.get_default_config(), "case_sensitive": False}
    storage = LocalModelStorage(tmp_path_factory.mktemp("regex"))
    component = RegexEntityExtractor.create(
        config, storage, Resource("regex"), ExecutionContext(None)
    )
    regexes = load_data(str(REGEX_FILE))
    # Rasa's extractor only uses regexes named like an entity seen in annotated examples.
    annotated = Message(
        data={
            TEXT: "cek ADU-7Q2M-K8RT",
            "intent": "check_status",
            "entities": [{"start": 4, "end": 17, "value": "ADU-7Q2M-K8RT", "entity": "ticket_id"}],
        }
    )
    component.train(regexes.merge(TrainingData([annotated])))
    return component


@pytest.fixture
def guard() -> TicketReferenceGuard:
    config = TicketReferenceGuard.get_default_config()
    return TicketReferenceGuard.create(config, None, None, None)


def _parse(extractor, guard, text: str, intent: str) -> str:
    message = Message(data={TEXT: text})
    IndonesianTokenizer(IndonesianTokenizer.get_default_config()).process([message])
    message.set("intent", {"name": intent, "confidence": 0.6})
    message.set("intent_ranking", [{"name": intent, "confidence": 0.6}])
    extractor.process([message])
    guard.process([message])
    return message.get("intent")["name"]


@pytest.mark.parametrize(
    ("text", "guessed"),
    [
        ("any update buat pengajuan PMH-6RE2-J3WY min?", "nlu_fallback"),
        ("bah, kek mana kabar laporanku lae? nomornya adu-m3f8-9gkd", "faq"),
        ("halo, ADU-7Q2M-K8RT gimana", "greet"),
        ("PMH-3HX9-LW42", "out_of_scope"),
    ],
)
def test_a_ticket_id_makes_it_a_status_question(extractor, guard, text, guessed) -> None:
    assert _parse(extractor, guard, text, guessed) == "check_status"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("batalkan laporan ADU-7Q2M-K8RT", "cancel"),
        ("sy mau bicara dgn petugas soal ADU-7Q2M-K8RT", "request_human"),
        ("cek status ADU-7Q2M-K8RT", "check_status"),
    ],
)
def test_intents_that_use_a_ticket_for_something_else_stay(extractor, guard, text, intent) -> None:
    assert _parse(extractor, guard, text, intent) == intent


@pytest.mark.parametrize(
    "text",
    [
        "syarat bikin skck apa aja",
        "nomor saya 081234567890",
        "ADU-123",  # not the id format: 4+4 characters
        "KADU-7Q2M-K8RT1",  # inside a longer word
    ],
)
def test_without_a_ticket_id_nothing_changes(extractor, guard, text) -> None:
    assert _parse(extractor, guard, text, "faq") == "faq"
