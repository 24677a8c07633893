"""A training graph runner that trains the ResponseSelector in a second process, beside DIET.

Why: Rasa's `DaskGraphRunner` runs the training graph with `dask.get`, one node after the other.
DIET (about 2.5 min) and the ResponseSelector (about 1.5 min) do not depend on each other, but the
second waits for the first, and TensorFlow keeps only about 1.3 of the 2 cores busy
(docs/performance.md, "Training"). `ParallelTrainingRunner` runs every node in order as Rasa
does, except the `train` nodes of the components named in `OFFLOADED_COMPONENTS`: those start in
a spawned child process as soon as their inputs exist, while the parent goes on with DIET.

Why a process and not a thread: DIET and the ResponseSelector both draw from process-wide random
generators (numpy's global state for batch shuffling, TensorFlow's global seed and eager op-seed
counter for the sparse-weight masks). Two threads would interleave their draws and the fixed
`random_seed` would no longer give the same model twice. In its own process each component seeds
and draws exactly as in a sequential run.

What stays in the parent: Rasa's hooks (the training cache's fingerprints and the copy of the
trained resource into the cache) run before and after the node as usual; the child only builds
the component and calls its `train`, which persists into the same on-disk model storage.

`install()` is called by `tooling/train.py` only; serving keeps Rasa's runner.
"""

from __future__ import annotations

import copy
import importlib
import logging
import multiprocessing
import os
import pickle
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphNode
from rasa.engine.runner.dask import DaskGraphRunner

logger = logging.getLogger(__name__)

# Component classes (by name, subclasses included) whose `train` node runs in the child process.
OFFLOADED_COMPONENTS = ("ResponseSelector",)
# TensorFlow-trained components: an offloaded node goes to the child only when one of these trains
# in the parent at the same time. Alone (e.g. only a response text changed and the training cache
# holds DIET), the child's start (importing TensorFlow again, copying the data) would be pure cost.
HEAVY_COMPONENTS = ("DIETClassifier", "TEDPolicy")
# Environment switch to fall back to Rasa's sequential runner (e.g. to compare timings).
DISABLE_ENV = "LAYANI_SEQUENTIAL_TRAINING"
# Modules whose `install()` patched Rasa in the parent; the spawned child imports Rasa afresh, so
# it calls them too before it trains (e.g. `layani.lean_checkpoints`). Filled by `install()`.
CHILD_INSTALLS: list[str] = []


def _set_up_child(installs: tuple[str, ...]) -> None:
    """Apply in the child the same training patches as in the parent."""
    for module in installs:
        importlib.import_module(module).install()


def _warm_up(modules: list[str]) -> int:
    """Import the offloaded components (TensorFlow) in the child while the parent featurises."""
    for module in modules:
        importlib.import_module(module)
    return os.getpid()


def _run_pickled(payload: bytes) -> tuple[str, Any]:
    """Run one node in the child: build the component and call its function."""
    node, args = pickle.loads(payload)
    return node(*args)


def _trains(node: GraphNode, class_names: tuple[str, ...]) -> bool:
    """Whether this node is a `train` call of a component named in `class_names` (or a subclass)."""
    if node._fn_name != "train":
        return False
    names = {cls.__name__ for cls in node._component_class.__mro__}
    return any(name in names for name in class_names)


def is_offloaded(node: GraphNode) -> bool:
    """Whether this node is a `train` call of a component in `OFFLOADED_COMPONENTS`."""
    return _trains(node, OFFLOADED_COMPONENTS)


class ParallelTrainingRunner(DaskGraphRunner):
    """`DaskGraphRunner` whose offloaded train nodes run in a child process concurrently."""

    def run(
        self,
        inputs: dict[str, Any] | None = None,
        targets: list[str] | None = None,
    ) -> dict[str, Any]:
        """Run the graph (see `GraphRunner.run`); same results as Rasa's runner."""
        run_targets = targets if targets else self._graph_schema.target_names
        schema = self._graph_schema.minimal_graph_schema(run_targets)
        nodes = {name: self._instantiated_nodes[name] for name in schema.nodes}
        offloaded = {name for name, node in nodes.items() if is_offloaded(node)}
        partners = [
            name
            for name, node in nodes.items()
            if name not in offloaded and _trains(node, HEAVY_COMPONENTS)
        ]
        if not offloaded or not partners:
            return super().run(inputs, targets)

        needs = {name: list(node.needs.values()) for name, node in schema.nodes.items()}
        results: dict[str, Any] = {}
        for input_name, input_value in (inputs or {}).items():
            if input_name in needs:
                raise GraphRunError(f"Input '{input_name}' clashes with a node name.")
            results[input_name] = (input_name, input_value)

        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            max_workers=1,
            mp_context=context,
            initializer=_set_up_child,
            initargs=(tuple(CHILD_INSTALLS),),
        ) as pool:
            modules = {self._instantiated_nodes[n]._component_class.__module__ for n in offloaded}
            pool.submit(_warm_up, sorted(modules))
            pending: dict[Future, tuple[str, list[dict]]] = {}
            todo = sorted(needs)  # names sort the same in every run: a fixed order
            while todo or pending:
                ready = [n for n in todo if all(d in results for d in needs[n])]
                # Start the child's work first, so that it overlaps the parent's.
                ready.sort(key=lambda n: n not in offloaded)
                if ready:
                    name = ready[0]
                    todo.remove(name)
                    args = tuple(results[d] for d in needs[name])
                    if name in offloaded:
                        future, hook_outputs = self._submit(pool, name, args)
                        pending[future] = (name, hook_outputs)
                    else:
                        results[name] = self._instantiated_nodes[name](*args)
                    continue
                if not pending:
                    raise GraphRunError(f"Graph cannot progress: {todo} wait for missing inputs.")
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    name, hook_outputs = pending.pop(future)
                    node_name, output = future.result()
                    self._instantiated_nodes[name]._run_after_hooks(hook_outputs, output)
                    results[name] = (node_name, output)
        return dict(results[target] for target in run_targets)  # as Rasa's: name -> output

    def _submit(
        self, pool: ProcessPoolExecutor, name: str, args: tuple[Any, ...]
    ) -> tuple[Future, list[dict]]:
        """Run the node's before-hooks here, then its component in the child."""
        node = self._instantiated_nodes[name]
        kwargs = {}
        received = dict(arg for arg in args if isinstance(arg, tuple))
        for input_name, provider in node._inputs.items():
            if provider not in received:
                raise GraphRunError(f"Missing input '{provider}' to run node '{name}'.")
            kwargs[input_name] = received[provider]
        hook_outputs = node._run_before_hooks(kwargs)
        bare = copy.copy(node)
        bare._hooks = []
        # Serialise here, not in the pool's feeder thread: the parent goes on training and fills
        # lazy caches of the shared training data (a dict changing size under the pickler).
        payload = pickle.dumps((bare, args), protocol=pickle.HIGHEST_PROTOCOL)
        logger.info(f"Training node '{name}' in a child process, beside the other nodes.")
        return pool.submit(_run_pickled, payload), hook_outputs


def install(child_installs: tuple[str, ...] = ()) -> None:
    """Make Rasa's model training use `ParallelTrainingRunner`; `child_installs` names the
    modules whose `install()` the child process must call as the parent did."""
    import rasa.model_training

    CHILD_INSTALLS[:] = child_installs
    rasa.model_training.DaskGraphRunner = ParallelTrainingRunner
