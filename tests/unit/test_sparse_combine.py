"""One-step join of a message's sparse features: the same matrix as Rasa's hstack chain.

DIET and the ResponseSelector read these arrays directly; any difference in order, dtype or
index type would change what the models compute.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

from layani import sparse_combine

FEATURIZERS = ["RegexFeaturizer", "LexicalSyntacticFeaturizer", "CountVectorsFeaturizer"]


@pytest.fixture(autouse=True)
def rasa_path():
    sparse_combine.install()
    return sparse_combine._RASA_COMBINE


def _block(rows, cols, dtype, seed, density=0.3):
    return sp.random(rows, cols, density=density, format="coo", dtype=dtype, random_state=seed)


def _features(blocks, kind="sequence"):
    return [
        Features(b, kind, "text", name) for b, name in zip(blocks, FEATURIZERS * 2, strict=False)
    ]


def _assert_same(ours, rasas):
    assert type(ours.features) is type(rasas.features) is sp.coo_matrix
    assert ours.features.shape == rasas.features.shape
    for part in ("data", "row", "col"):
        mine, theirs = getattr(ours.features, part), getattr(rasas.features, part)
        assert mine.dtype == theirs.dtype
        np.testing.assert_array_equal(mine, theirs)
    assert (ours.type, ours.attribute, ours.origin) == (rasas.type, rasas.attribute, rasas.origin)


@pytest.mark.parametrize(
    "dtypes",
    [
        (np.float32, np.float32, np.float32, np.float32),
        (np.float64, np.float32, np.float32),
        (np.int64, np.float32),
    ],
)
def test_same_matrix_as_rasas_hstack_chain(rasa_path, dtypes):
    blocks = [_block(7, 5 + 40 * i, dtype, seed=i) for i, dtype in enumerate(dtypes)]
    names = FEATURIZERS[: len(blocks)]
    _assert_same(
        sparse_combine.combine_features(_features(blocks), names),
        rasa_path(_features(blocks), names),
    )


def test_empty_blocks_and_sentence_rows(rasa_path):
    blocks = [_block(1, 30, np.float32, 1), sp.coo_matrix((1, 12), dtype=np.float32)]
    blocks.append(_block(1, 8, np.float32, 2))
    names = FEATURIZERS
    _assert_same(
        sparse_combine.combine_features(_features(blocks, "sentence"), names),
        rasa_path(_features(blocks, "sentence"), names),
    )


def test_rows_that_do_not_match_fail_as_in_rasa():
    blocks = [_block(3, 4, np.float32, 1), _block(2, 4, np.float32, 2)]
    with pytest.raises(ValueError, match="sequence dimensions do not match"):
        sparse_combine.combine_features(_features(blocks), FEATURIZERS[:2])


def test_messages_use_it():
    message = Message(data={"text": "ktp hilang"})
    for block, name in zip(
        [_block(2, 3, np.float32, 1), _block(2, 6, np.float32, 2)], FEATURIZERS[:2], strict=True
    ):
        message.add_features(Features(block, "sequence", "text", name))
    sequence, _ = message.get_sparse_features("text", FEATURIZERS[:2])
    assert sequence.features.shape == (2, 9)
    assert sequence.origin == FEATURIZERS[:2]
    assert Message._combine_features is sparse_combine.combine_features
