"""Fingerprint sparse features by hashing their arrays, not by printing them (training only).

Why: Rasa's training cache fingerprints every graph node's output after the node has run, so
that a later training can reuse what did not change. For the featurisers' output (the training
data with its sparse feature matrices) `Features.fingerprint` renders each matrix as text, one
"(row, col)  value" line per non-zero entry, and hashes that text. py-spy on `make train`
(docs/performance.md, "Training"): about 6 s of the parent's time before DIET can start, on the
critical path of every training (the other ~16 s of fingerprinting are the messages' own data,
left as Rasa does it).

`fingerprint` below hashes the same things (type, origin, attribute and the matrix's shape,
dtype, coordinates and values, in the same COO order Rasa's text walks) as bytes: the same
matrix gives the same key, a different one a different key. The keys differ from Rasa's own: an
entry Rasa's text fingerprint wrote is simply not found (one full training), never misread.
"""

from __future__ import annotations

import hashlib

from rasa.shared.nlu.training_data.features import Features
from rasa.shared.utils.io import deep_container_fingerprint

_INSTALLED = False


def sparse_digest(matrix) -> str:
    """A hex digest of a scipy sparse matrix: shape, dtype, COO coordinates and values."""
    coo = matrix.tocoo()
    digest = hashlib.blake2b(digest_size=32)
    digest.update(repr((coo.shape, str(coo.dtype))).encode())
    for array in (coo.row, coo.col, coo.data):
        digest.update(array.tobytes())
    return digest.hexdigest()


def fingerprint(self: Features) -> str:
    """`Features.fingerprint` with the sparse matrix hashed as bytes (same inputs, same key)."""
    if self._cached_fingerprint is None:
        if self.is_dense():
            content = hashlib.blake2b(self.features.tobytes(), digest_size=32).hexdigest()
        else:
            content = sparse_digest(self.features)
        self._cached_fingerprint = deep_container_fingerprint(
            [self.type, self.origin, self.attribute, content]
        )
    return self._cached_fingerprint


def install() -> None:
    """Use the byte-hash fingerprint in this process (called by `tooling/train.py`)."""
    global _INSTALLED
    if not _INSTALLED:
        Features.fingerprint = fingerprint
        _INSTALLED = True
