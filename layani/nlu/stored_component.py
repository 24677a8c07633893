"""Base for Layani's small trainable NLU components that keep their state as one JSON file.

Why: the vocabulary guard and the topic-evidence guard learn only word lists at training time;
Rasa's graph expects each trainable component to create, persist and load itself through the
model storage. The plumbing is the same for both, so it lives here once.
"""

from __future__ import annotations

import json
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage


class JsonStoredComponent(GraphComponent):
    """Subclasses set STORE_FILE and implement `restore(state)`; `persist(state)` saves it."""

    STORE_FILE = "state.json"

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        state: dict[str, Any] | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self.restore(state)

    def restore(self, state: dict[str, Any] | None) -> None:
        """Build the component's working state from what `persist` stored (None: untrained)."""
        raise NotImplementedError

    def persist(self, state: dict[str, Any]) -> Resource:
        with self._storage.write_to(self._resource) as directory:
            (directory / self.STORE_FILE).write_text(json.dumps(state), "utf-8")
        self.restore(state)
        return self._resource

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> JsonStoredComponent:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> JsonStoredComponent:
        try:
            with model_storage.read_from(resource) as directory:
                state = json.loads((directory / cls.STORE_FILE).read_text("utf-8"))
        except (ValueError, FileNotFoundError):
            state = None
        return cls(config, model_storage, resource, state)
