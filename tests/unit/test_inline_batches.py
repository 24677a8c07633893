"""Rasa's models train with batches prepared inline (no prefetch thread), and still learn."""

from __future__ import annotations

import numpy as np
import tensorflow as tf
from rasa.utils.tensorflow.models import RasaModel

from layani import inline_batches


class _Batches(tf.keras.utils.Sequence):
    """Four batches of a learnable rule (y = x0 > x1), like Rasa's batch generator."""

    def __init__(self) -> None:
        rng = np.random.default_rng(1)
        self.x = rng.normal(size=(256, 2)).astype("float32")
        self.y = (self.x[:, 0] > self.x[:, 1]).astype("float32")

    def __len__(self) -> int:
        return 4

    def __getitem__(self, i: int):
        part = slice(64 * i, 64 * (i + 1))
        return self.x[part], self.y[part]


def test_fit_defaults_to_inline_batches_and_keeps_an_explicit_choice(monkeypatch) -> None:
    seen: list[object] = []

    def keras_fit(self, *args, **kwargs):
        seen.append(kwargs.get("workers"))

    monkeypatch.setattr(RasaModel, "fit", keras_fit)  # what install() wraps; undone after
    inline_batches.install()
    inline_batches.install()  # a second install does not wrap twice

    RasaModel.fit(None, "data", epochs=1)
    RasaModel.fit(None, "data", epochs=1, workers=2)

    assert seen == [0, 2]


def test_a_keras_model_trained_with_inline_batches_learns() -> None:
    """workers=0 is a mode Keras supports for a Sequence: the model trains as usual."""
    tf.random.set_seed(1)
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.1), loss="binary_crossentropy")
    history = model.fit(_Batches(), epochs=15, verbose=0, workers=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
