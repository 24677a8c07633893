"""Save TensorFlow models without the optimizer's state (training only).

Why: Rasa's `RasaModel.save` writes a Keras checkpoint of everything the model references, and
after training that includes the Adam optimizer: two slot variables per weight, 2/3 of the bytes
of every checkpoint (224 of the ResponseSelector's 337 MB and 57 of DIET's 87 MB in Layani's
425 MB model, docs/performance.md "Training"). Nothing served reads them (`layani.rasa_speedups`
loads weights only), yet every training gzips them into the archive (about 50 MB/s on these
machines), copies them into the training cache, and every `make run` unpacks them again.

`install()` makes `RasaModel.save` leave the optimizer out of the checkpoint's object graph; the
model's own variables are saved exactly as before. Rasa's own `RasaModel.load` (used by
`--finetune`) still works: it runs one training step, which creates a fresh optimizer, and then
reads the weights; fine-tuning then starts with fresh Adam moments instead of the previous
training's, as it already does for every weight the new data adds.

`install()` is called by `tooling/train.py` (and, through `layani.training_runner`, in the
process that trains the ResponseSelector); serving never saves a model.
"""

from __future__ import annotations

from typing import Any

OPTIMIZER_CHILD = "optimizer"


def save_without_optimizer(self: Any, model_file_name: str, overwrite: bool = True) -> None:
    """`RasaModel.save` whose checkpoint holds the model's variables and not the optimizer's."""
    model_class = type(self)
    children = model_class._trackable_children

    def children_without_optimizer(
        model: Any, save_type: str = "checkpoint", **kwargs: Any
    ) -> dict:
        found = children(model, save_type, **kwargs)
        if model is self:
            found.pop(OPTIMIZER_CHILD, None)
        return found

    model_class._trackable_children = children_without_optimizer
    try:
        self.save_weights(model_file_name, overwrite=overwrite, save_format="tf")
    finally:
        model_class._trackable_children = children


def install() -> None:
    """Make every Rasa TensorFlow model save its checkpoint without the optimizer."""
    from rasa.utils.tensorflow.models import RasaModel

    RasaModel.save = save_without_optimizer
