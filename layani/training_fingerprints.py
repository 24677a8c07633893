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
matrix gives the same key, a different one a different key. Dense features are keyed by their
shape and dtype too (Rasa's key reads only their bytes, so a 3 x 4 and a 4 x 3 matrix shared it).
The keys differ from Rasa's own: an entry Rasa's text fingerprint wrote is simply not found (one
full training), never misread.
"""

from __future__ import annotations

import hashlib

from rasa.shared.nlu.training_data.features import Features
from rasa.shared.utils.io import deep_container_fingerprint


def _digest(shape: tuple, dtype, *arrays) -> str:
    """A hex digest of an array's shape and dtype and the bytes of its parts."""
    digest = hashlib.blake2b(digest_size=32)
    digest.update(repr((tuple(shape), str(dtype))).encode())
    for array in arrays:
        digest.update(array.tobytes())
    return digest.hexdigest()


def feature_digest(features: Features) -> str:
    """Digest of a feature matrix: dense as its values, sparse as its COO coordinates and values."""
    if features.is_dense():
        return _digest(features.features.shape, features.features.dtype, features.features)
    coo = features.features.tocoo()
    return _digest(coo.shape, coo.dtype, coo.row, coo.col, coo.data)


def fingerprint(self: Features) -> str:
    """`Features.fingerprint` with the matrix hashed as bytes (same inputs, same key)."""
    if self._cached_fingerprint is None:
        self._cached_fingerprint = deep_container_fingerprint(
            [self.type, self.origin, self.attribute, feature_digest(self)]
        )
    return self._cached_fingerprint


def install() -> None:
    """Use the byte-hash fingerprint in this process (called by `tooling/train.py`; idempotent)."""
    Features.fingerprint = fingerprint
