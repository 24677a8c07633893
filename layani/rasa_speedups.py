"""Rasa 3.6 hot spots that cost a turn more than its own work, fixed without changing behaviour.

Why: profiled with py-spy under 20 concurrent citizens (docs/performance.md), a quarter of the
Rasa server's busy time went to `RemoteAction._validate_action_result`. It calls
`jsonschema.validate(result, schema)` on every action-server reply, and that function checks the
*schema itself* against the JSON Schema meta-schema before validating the reply: 18 ms of CPU per
custom action, for a schema that never changes. Building the validator once and validating each
reply with it is 0.5 ms and accepts and rejects exactly the same replies (same schema, same
validator class, same `ValidationError` with Rasa's hint appended).

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


def install() -> None:
    """Replace the slow method on Rasa's class (idempotent)."""
    global _INSTALLED
    if _INSTALLED:
        return
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = validate_action_result
    _INSTALLED = True
