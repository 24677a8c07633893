"""The training cache's feature fingerprint: byte-hashed, and still a key for exactly one matrix.

A wrong key would make the training cache reuse a component trained on other features (a stale
model) or never reuse anything; both would go unnoticed in a normal training.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from rasa.shared.nlu.training_data.features import Features

from layani.training_fingerprints import fingerprint


def _features(matrix, kind="sequence", attribute="text"):
    return Features(matrix, kind, attribute, "CountVectorsFeaturizer")


@pytest.fixture
def matrix():
    return sp.random(12, 5000, density=0.01, format="csr", dtype=np.float32, random_state=7)


def test_same_matrix_gives_the_same_key(matrix):
    assert fingerprint(_features(matrix)) == fingerprint(_features(matrix.copy()))
    assert fingerprint(_features(matrix)) == fingerprint(_features(matrix.tocoo()))


def test_a_changed_value_position_or_shape_changes_the_key(matrix):
    key = fingerprint(_features(matrix))
    value = matrix.copy()
    value.data[3] += 1.0
    moved = matrix.tolil()
    row, col = matrix.nonzero()
    moved[row[0], col[0]], moved[row[0], (col[0] + 1) % 5000] = 0, matrix[row[0], col[0]]
    wider = sp.hstack([matrix, sp.csr_matrix((12, 1), dtype=np.float32)]).tocsr()
    keys = {fingerprint(_features(m)) for m in (value, moved.tocsr(), wider)}
    assert key not in keys and len(keys) == 3


def test_kind_and_attribute_are_part_of_the_key(matrix):
    keys = {
        fingerprint(_features(matrix)),
        fingerprint(_features(matrix, kind="sentence")),
        fingerprint(_features(matrix, attribute="response")),
    }
    assert len(keys) == 3


def test_dense_features_are_keyed_by_their_values():
    dense = np.arange(12, dtype=np.float32).reshape(3, 4)
    changed = dense.copy()
    changed[2, 3] = -1
    assert fingerprint(_features(dense)) == fingerprint(_features(dense.copy()))
    assert fingerprint(_features(dense)) != fingerprint(_features(changed))


def test_dense_features_of_another_shape_get_another_key():
    dense = np.arange(12, dtype=np.float32)
    wide, tall = dense.reshape(3, 4), dense.reshape(4, 3)
    assert fingerprint(_features(wide)) != fingerprint(_features(tall))


def _message(text="ktp saya hilang", tokens=None, features=None, **data):
    from rasa.nlu.tokenizers.tokenizer import Token
    from rasa.shared.nlu.training_data.message import Message

    words = text.split()
    offsets = [text.index(word) for word in words]
    message = Message(data={"text": text, "intent": "faq", **data}, features=features or [])
    message.set("text_tokens", tokens or [Token(w, o) for w, o in zip(words, offsets, strict=True)])
    return message


def test_a_message_key_follows_its_content_and_nothing_else(matrix):
    from rasa.nlu.tokenizers.tokenizer import Token

    from layani.training_fingerprints import message_fingerprint

    key = message_fingerprint(_message())
    assert key == message_fingerprint(_message())
    others = {
        message_fingerprint(m)
        for m in (
            _message("ktp saya hilang lagi"),
            _message(intent_tokens=["faq"]),
            _message(tokens=[Token("ktp", 0), Token("aku", 4), Token("hilang", 8)]),
            _message(tokens=[Token("ktp", 0, lemma="kartu"), Token("saya", 4), Token("hilang", 9)]),
            _message(tokens=[Token("ktp", 0, data={"pattern": {"x": 1}})]),
            _message(features=[_features(matrix)]),
            _message(count=1),
            _message(count="1"),
        )
    }
    assert key not in others and len(others) == 8


def test_a_message_key_changes_when_rasa_sets_new_data():
    from layani.training_fingerprints import message_fingerprint

    message = _message()
    before = message_fingerprint(message)
    message.set("text_tokens_normalised", True)
    assert message_fingerprint(message) != before
