"""Training-cache fingerprints of features and messages, computed in one pass (training only).

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

Messages: after each NLU node (tokeniser, normaliser, each featuriser) the hook fingerprints the
node's output, the whole training data, message by message. Rasa's `Message.fingerprint` walks
the message's data with `deep_container_fingerprint`, which JSON-dumps and MD5-hashes every
nested level on its own: each token of each message is three dumps and hashes, for every node.
py-spy of a training (session 13, docs/performance.md): 12.7 s of the parent's time before
DIET starts. `message_fingerprint` keys the same content (the data dict with keys sorted, lists
in order, tokens by text, offsets, lemma and data, features by their fingerprint, anything
else by its type and `str`, as Rasa's falls back to `str`) as one canonical text hashed once.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.utils.io import deep_container_fingerprint

_PLAIN = (int, float, bool, type(None))


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


def _token(token: Token) -> str:
    """A token's part of the canonical text (the bulk of a message: inlined for speed)."""
    text, start, end, lemma = token.text, token.start, token.end, token.lemma
    if type(text) is str and type(lemma) is str and type(start) is int and type(end) is int:
        data = canonical(token.data) if token.data else "{}"
        return f"Token[{text!r},int:{start},int:{end},{lemma!r},{data}]"
    return "Token" + canonical([text, start, end, lemma, token.data])


def canonical(value: Any) -> str:
    """One text for a message's content: equal content, equal text; any difference shows."""
    kind = type(value)
    if kind is str:
        return repr(value)
    if isinstance(value, Token):  # the bulk of a message: checked early
        return _token(value)
    if kind in _PLAIN:
        return f"{kind.__name__}:{value!r}"
    if isinstance(value, dict):
        entries = sorted(f"{canonical(k)}:{canonical(v)}" for k, v in value.items())
        return "{" + ",".join(entries) + "}"
    if isinstance(value, (list, tuple)):
        opening = "[" if isinstance(value, list) else "("
        return opening + ",".join(canonical(item) for item in value) + "]"
    if isinstance(value, np.ndarray):
        return "ndarray:" + _digest(value.shape, value.dtype, np.ascontiguousarray(value))
    own = getattr(value, "fingerprint", None)
    if callable(own):
        return f"{kind.__name__}<{own()}>"
    return f"{kind.__name__}:{value!s}"


def message_fingerprint(self: Message) -> str:
    """`Message.fingerprint` from one canonical text (same content, same key; cached as Rasa's)."""
    if self._cached_fingerprint is None:
        text = canonical([self.data, self.features])
        self._cached_fingerprint = hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()
    return self._cached_fingerprint


def token_fingerprint(self: Token) -> str:
    """`Token.fingerprint` from the same canonical text."""
    return hashlib.md5(canonical(self).encode(), usedforsecurity=False).hexdigest()


def install() -> None:
    """Use these fingerprints in this process (called by `tooling/train.py`; idempotent)."""
    Features.fingerprint = fingerprint
    Message.fingerprint = message_fingerprint
    Token.fingerprint = token_fingerprint
