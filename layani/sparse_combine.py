"""Join a message's sparse features in one step instead of one `scipy.sparse.hstack` per featuriser.

Why: before DIET and the ResponseSelector read a message, Rasa's `Message._combine_features`
deep-copies the first featuriser's matrix and then calls `scipy.sparse.hstack` once for every
further featuriser (four of them in Layani: regex, lexical, word and character counts), for the
sequence and the sentence features. Each `hstack` goes through `scipy.sparse.bmat`, which
rebuilds and re-checks a COO matrix in Python. py-spy of the Rasa server under 20 concurrent
citizens (session 13, docs/performance.md): 10 % of the samples in which a thread held the GIL,
on the single NLU thread that every message passes through.

`combine_features` builds the same matrix directly: the blocks' COO data, rows and columns
concatenated in featuriser order, each block's columns shifted by the widths before it, the
values in the dtype `bmat` would choose (`upcast`) and the indices in the one it would choose
(`get_index_dtype` of the larger dimension). Pairwise `hstack` calls give exactly this (the
blocks' entries in order, nothing summed or sorted), so the features DIET and the
ResponseSelector see are the same arrays (tests/unit/test_sparse_combine.py). Anything else
(one feature, dense features, a block that is not COO, rows that do not match) takes Rasa's
path unchanged, errors included.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.shared.nlu.training_data.features import Features
from scipy.sparse import coo_matrix
from scipy.sparse._sputils import get_index_dtype, upcast

_INSTALLED = False
_RASA_COMBINE: Any = None


def combine_features(features: list[Any], featurizers: list[str]) -> Any:
    """`Message._combine_features` with all-COO sparse blocks joined at once."""
    blocks = [f.features for f in features]
    if (
        len(features) < 2
        or not all(type(block) is coo_matrix for block in blocks)
        or len({block.shape[0] for block in blocks}) != 1
    ):
        return _RASA_COMBINE(features, featurizers)
    widths = [block.shape[1] for block in blocks]
    offsets = np.cumsum([0, *widths[:-1]])
    shape = (blocks[0].shape[0], int(sum(widths)))
    index_dtype = get_index_dtype(maxval=max(shape))
    data = np.concatenate([block.data for block in blocks]).astype(
        upcast(*(block.dtype for block in blocks)), copy=False
    )
    row = np.concatenate([block.row for block in blocks]).astype(index_dtype, copy=False)
    col = np.concatenate(
        [
            block.col.astype(index_dtype) + index_dtype(offset)
            for block, offset in zip(blocks, offsets, strict=True)
        ]
    )
    first = features[0]
    matrix = coo_matrix((data, (row, col)), shape=shape)
    return Features(matrix, first.type, first.attribute, featurizers)


def install() -> None:
    """Use `combine_features` for every message in this process (idempotent)."""
    global _INSTALLED, _RASA_COMBINE
    if _INSTALLED:
        return
    from rasa.shared.nlu.training_data.message import Message

    _RASA_COMBINE = Message._combine_features
    Message._combine_features = staticmethod(combine_features)
    _INSTALLED = True
