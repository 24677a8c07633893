"""A lean path through DIET and the ResponseSelector for the one message of a turn.

Why: profiled in process (cProfile, 300 held-out messages, docs/performance.md "Where a turn
went"), a parse spent about as much time in Rasa's Python around the two TensorFlow models as in
the models themselves. For every message, each of the two components

1. builds a `RasaModelData` from the message's features (`_create_model_data`: stacking the
   sparse features of the four featurisers with scipy, once per component although both read the
   same features of the same message);
2. wraps it in a `RasaBatchDataGenerator` to cut one batch of one example;
3. calls its traced prediction through `tf.function.__call__`, which re-derives the call's
   signature from the numpy inputs (canonicalisation, function-cache lookup) before it runs the
   graph it traced at load time.

Here (1) is done once per message when both components read the same features in the same
layout (same featurisers, same label keys, no feature added in between) and reused by the
second; (2) is `prepare_batch` on that data directly, the function the generator calls; (3) calls
the concrete function traced at load time with the batch converted to tensors of the traced
signature's dtypes. The graph, its weights and its inputs are the same, so the outputs are the
same numbers (tests/unit/test_fast_inference.py compares both paths on a trained model; the
held-out comparison is in docs/performance.md). Anything unusual (no model, eager mode, a batch
whose layout does not fit the traced signature) takes Rasa's own path.

`install()` is called by `layani.rasa_speedups.install()` (the Rasa server, layani/server.py).
"""

from __future__ import annotations

from typing import Any

_INSTALLED = False
_RASA_PREDICT: Any = None
_SHARED = "_layani_model_data"


def _model_data_key(component: Any, message: Any) -> tuple:
    """What `_create_model_data([message], training=False)` depends on: the featurisers read,
    the label keys and the message's features as they are now."""
    featurizers = component.component_config.get("featurizers") or ()
    return (
        tuple(featurizers),
        component.label_key,
        component.label_sub_key,
        tuple(id(feature) for feature in message.features),
    )


def _model_data(component: Any, message: Any) -> Any:
    """The prediction model data of `message`, built once for both components."""
    key = _model_data_key(component, message)
    shared = message.__dict__.get(_SHARED)
    if shared is not None and shared[0] == key:
        return shared[1]
    model_data = component._create_model_data([message], training=False)
    message.__dict__[_SHARED] = (key, model_data)
    return model_data


def _concrete(model: Any, batch: tuple) -> Any:
    """The concrete prediction function traced for this batch layout, or None."""
    cached = model.__dict__.get("_layani_concrete")
    if cached is None:
        if model._tf_predict_step is None:
            return None  # not traced yet: Rasa's path traces it
        function = model._tf_predict_step.get_concrete_function()
        specs = function.structured_input_signature[0][0]
        cached = model.__dict__["_layani_concrete"] = (function, specs)
    function, specs = cached
    if len(specs) != len(batch):
        return None
    for spec, array in zip(specs, batch, strict=True):
        if array is None or not spec.shape.is_compatible_with(array.shape):
            return None
    return cached


def run_one(model: Any, model_data: Any) -> dict[str, Any]:
    """`RasaModel.run_inference(model_data)` for model data of exactly one example."""
    # TensorFlow and Keras through Rasa's module: Rasa pins them, Layani does not depend on them.
    from rasa.shared.constants import DIAGNOSTIC_DATA
    from rasa.utils.tensorflow import models as rasa_models
    from rasa.utils.tensorflow.data_generator import RasaDataGenerator

    tf, tf_utils, RasaModel = rasa_models.tf, rasa_models.tf_utils, rasa_models.RasaModel

    if model._run_eagerly or not model.prepared_for_prediction:
        return model.run_inference(model_data)
    batch = RasaDataGenerator.prepare_batch(model_data.data, 0, 1)
    concrete = _concrete(model, batch)
    if concrete is None:
        return model.run_inference(model_data)
    function, specs = concrete
    model._training = False
    tensors = [
        tf.constant(array, dtype=spec.dtype) for spec, array in zip(specs, batch, strict=True)
    ]
    outputs = tf_utils.sync_to_numpy_or_python_type(function(tensors))
    if DIAGNOSTIC_DATA in outputs:
        outputs[DIAGNOSTIC_DATA] = RasaModel._empty_lists_to_none_in_dict(outputs[DIAGNOSTIC_DATA])
    return outputs


def predict(self: Any, message: Any) -> Any:
    """`DIETClassifier._predict` (and the ResponseSelector's, which inherits it) on the lean
    path."""
    if self.model is None:
        return _RASA_PREDICT(self, message)
    model_data = _model_data(self, message)
    if model_data.is_empty():
        return None
    return run_one(self.model, model_data)


def install() -> None:
    """Route DIET's and the ResponseSelector's prediction through the lean path (idempotent)."""
    global _INSTALLED, _RASA_PREDICT
    if _INSTALLED:
        return
    from rasa.nlu.classifiers.diet_classifier import DIETClassifier

    _RASA_PREDICT = DIETClassifier._predict
    DIETClassifier._predict = predict
    _INSTALLED = True
