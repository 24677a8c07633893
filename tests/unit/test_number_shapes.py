"""Numbers reach the featurisers as their shape: any reference number reads like any other."""

from __future__ import annotations

import pytest
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from layani.nlu.normalise import default_normaliser
from layani.nlu.normaliser import TextNormaliser
from layani.nlu.number_shapes import (
    CODE_SHAPE,
    NIK_SHAPE,
    NUMBER_SHAPE,
    PHONE_SHAPE,
    TICKET_SHAPE,
    number_shape,
)
from layani.nlu.tokenizer import IndonesianTokenizer


@pytest.mark.parametrize(
    ("token", "shape"),
    [
        ("ADU-7K3M-Q9PX", TICKET_SHAPE),
        ("pmh-kmqx-prtw", TICKET_SHAPE),  # Layani ids may hold no digit at all
        ("REQ-2026-778899", CODE_SHAPE),
        ("B1234XYZ", CODE_SHAPE),
        ("2026000123", NUMBER_SHAPE),
        ("000123", NUMBER_SHAPE),
        ("3273015205900003", NIK_SHAPE),
        ("081234567890", PHONE_SHAPE),
        ("+6281234567890", PHONE_SHAPE),
    ],
)
def test_numbers_become_their_shape(token: str, shape: str) -> None:
    assert number_shape(token) == shape


@pytest.mark.parametrize(
    "token", ["112", "1708", "2026", "17", "covid19", "Rp100.000", "24/2018", "e-ktp", "lapor"]
)
def test_short_numbers_and_words_keep_their_text(token: str) -> None:
    # Emergency numbers, years and ages are words in FAQ questions; they must stay readable.
    assert number_shape(token) is None


def test_normaliser_shapes_numbers_but_keeps_offsets_for_entities() -> None:
    text = "cek status 2026000123 sama ADU-7K3M-Q9PX"
    message = Message.build(text)
    tokenizer = IndonesianTokenizer(IndonesianTokenizer.get_default_config())
    message.set(TOKENS_NAMES[TEXT], tokenizer.tokenize(message, TEXT))
    TextNormaliser({}, default_normaliser()).process([message])
    tokens = message.get(TOKENS_NAMES[TEXT])
    assert [t.text for t in tokens] == ["cek", "status", NUMBER_SHAPE, "sama", TICKET_SHAPE]
    ticket = tokens[-1]
    assert text[ticket.start : ticket.end] == "ADU-7K3M-Q9PX"
