"""Train Rasa's TensorFlow models with their batches prepared inline, without a prefetch thread.

Why: Rasa calls Keras's `fit` with its default `workers=1`, so Keras wraps Rasa's batch generator
in a `tf.data` pipeline with `prefetch(1)`: a TensorFlow thread calls back into Python for the
next batch. At the end of `fit` the pipeline's iterator is destroyed from the main thread, which
waits for that thread, and the wait stalled for 40-60 s with both processes idle: after the
ResponseSelector's last epoch in 3 of 7 trainings, and after DIET's in 2 of 10 (then the
whole training took 4:14 instead of 3:20). docs/performance.md, "Session 14", has the stack
(`IteratorResource::~IteratorResource` waiting in `UnboundedThreadPool`) and the timings.

How: `install()` makes `RasaModel.fit` default to `workers=0`, Keras's documented "run the
generator on the main thread": no prefetch thread, nothing to wait for. Measured on the full
model: the same DIET and ResponseSelector weights to the bit (every variable of both
checkpoints), epochs no slower (DIET 2:41 against 2:42; the ResponseSelector 1:39 against
1:56, one thread less competing for the two cores). An explicit `workers` is kept.
Called by `tooling/train.py`, in the parent and (through `layani.training_runner`) in the
process that trains the ResponseSelector.
"""

from __future__ import annotations

import functools
from typing import Any

_INLINE = "_layani_inline_batches"


def install() -> None:
    """Make `RasaModel.fit` prepare batches on the calling thread unless told otherwise."""
    from rasa.utils.tensorflow.models import RasaModel

    if getattr(RasaModel.fit, _INLINE, False):
        return
    keras_fit = RasaModel.fit

    @functools.wraps(keras_fit)
    def fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("workers", 0)
        return keras_fit(self, *args, **kwargs)

    setattr(fit, _INLINE, True)
    RasaModel.fit = fit
