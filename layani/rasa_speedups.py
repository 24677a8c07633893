"""Rasa 3.6 hot spots that cost a turn more than its own work, fixed without changing behaviour.

Why: profiled with py-spy under 20 concurrent citizens (docs/performance.md), a quarter of the
Rasa server's busy time went to `RemoteAction._validate_action_result`. It calls
`jsonschema.validate(result, schema)` on every action-server reply, and that function checks the
*schema itself* against the JSON Schema meta-schema before validating the reply: 18 ms of CPU per
custom action, for a schema that never changes. Building the validator once and validating each
reply with it is 0.5 ms and accepts and rejects exactly the same replies (same schema, same
validator class, same `ValidationError` with Rasa's hint appended).

Second, memory: Rasa's `RasaModel.load` builds every TensorFlow model (DIET, ResponseSelector,
TED) by running one *training* step (`model.fit` on one example) before it reads the weights. That
traces the gradient graph, allocates the Adam optimizer's two slot variables per weight and reads
them back from the checkpoint: for a serving process, 2/3 of every checkpoint (the optimizer's
state) and the training graph are dead weight, about 1 GB of the Rasa server's RSS with Layani's
model (docs/performance.md, "Where the memory goes"). `load_for_inference` builds the variables
through the prediction path instead, restores only the model's own variables (checking that
every one of them was in the checkpoint) and then traces prediction exactly as Rasa does; the
predictions are the same numbers (tests/unit/test_rasa_speedups.py). Fine-tuning keeps Rasa's
load, which needs the optimizer state.

Third, the prediction of one message: `install()` also installs `layani.fast_inference` (the
lean path through DIET and the ResponseSelector, same numbers) and `layani.parse_thread` (the
NLU on its own thread, so TensorFlow overlaps the other turns' Python) and
`layani.sparse_combine` (a message's sparse features joined in one step, the same matrix).

`install()` is called once by the Rasa server (layani/server.py) before the agent loads.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

_INSTALLED = False


@lru_cache(maxsize=1)
def _action_result_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)  # once, as jsonschema.validate would on every call
    return validator_class(schema)


def validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    """`RemoteAction._validate_action_result` with the validator built once."""
    from jsonschema import ValidationError
    from rasa.shared.constants import DOCS_BASE_URL

    try:
        _action_result_validator().validate(result)
        return True
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error


_EVENT_TYPES: dict[str, Any] = {}  # type name -> Event class, emptied when one is defined


def resolve_event_type(type_name: str, default: Any = None) -> Any:
    """`Event.resolve_by_type` without walking every Event subclass for every stored event.

    Rasa walks the whole class tree (`all_subclasses`, `inspect.isabstract` on each) to turn
    the type name of each event it reads back from the conversation store into a class: 2.4 %
    of the Rasa server's samples under load (docs/performance.md). The answer only changes
    when an Event subclass is defined, which empties the memo (`_forget_event_types`)."""
    found = _EVENT_TYPES.get(type_name)
    if found is None:
        found = _RASA_RESOLVE(type_name, None if type_name == "topic" else _NO_CLASS)
        _EVENT_TYPES[type_name] = found
    if found is _NO_CLASS:
        if default is not None:
            return default
        raise ValueError(f"Unknown event name '{type_name}'.")
    return found


class _NoClass:
    """Memo marker: no Event class has this type name."""


_NO_CLASS: Any = _NoClass
_RASA_RESOLVE: Any = None


def _forget_event_types(cls: Any, **kwargs: Any) -> None:
    _EVENT_TYPES.clear()
    super(_EVENT_BASE, cls).__init_subclass__(**kwargs)


_EVENT_BASE: Any = None
_RASA_LOAD: Any = None


def load_for_inference(
    cls: Any,
    model_file_name: str,
    model_data_example: Any,
    predict_data_example: Any = None,
    finetune_mode: bool = False,
    *args: Any,
    **kwargs: Any,
) -> Any:
    """`RasaModel.load` without the training step, the optimizer and its state (serving only)."""
    if finetune_mode or predict_data_example is None:
        return _RASA_LOAD.__func__(
            cls, model_file_name, model_data_example, predict_data_example, finetune_mode,
            *args, **kwargs,
        )  # fmt: skip
    from rasa.utils.train_utils import create_data_generators

    model = cls(*args, **kwargs)
    generator, _ = create_data_generators(
        model_data=predict_data_example, batch_sizes=1, epochs=1, shuffle=False
    )
    # One eager pass through the prediction path creates every variable prediction reads.
    model._training = False
    model.prepare_for_predict()
    model.batch_predict(next(iter(generator))[0])
    status = model.load_weights(model_file_name)
    # Every variable of the model must come from the checkpoint (a random one would change
    # predictions silently); the optimizer's slots in the checkpoint are left unread on purpose.
    status.assert_existing_objects_matched()
    status.expect_partial()
    # The label embeddings computed above came from the random initial weights: recompute them
    # with the trained ones and trace prediction, as Rasa's load does.
    model.prepared_for_prediction = False
    model._tf_predict_step = None
    model.run_inference(predict_data_example)
    return model


def install() -> None:
    """Replace the slow methods on Rasa's classes (idempotent)."""
    global _INSTALLED, _RASA_LOAD, _RASA_RESOLVE, _EVENT_BASE
    if _INSTALLED:
        return
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import Event
    from rasa.utils.tensorflow.models import RasaModel

    from layani import fast_inference, parse_thread, sparse_combine

    RemoteAction._validate_action_result = validate_action_result
    _RASA_RESOLVE, _EVENT_BASE = Event.resolve_by_type, Event
    Event.resolve_by_type = staticmethod(resolve_event_type)
    Event.__init_subclass__ = classmethod(_forget_event_types)
    _RASA_LOAD = RasaModel.__dict__["load"]
    RasaModel.load = classmethod(load_for_inference)
    fast_inference.install()
    parse_thread.install()
    sparse_combine.install()
    _INSTALLED = True
