"""The parallel training runner: same results as Rasa's runner, the offloaded node beside the rest.

Toy components stand in for DIET and the ResponseSelector: the one named in
`OFFLOADED_COMPONENTS` must run in a child process *while* the parent trains the other (each
waits for the other's marker file, so a sequential run would time out), and Rasa's hooks (the
training cache) must still see every node in the parent.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import (
    ExecutionContext,
    GraphComponent,
    GraphNodeHook,
    GraphSchema,
    SchemaNode,
)
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage

from layani import training_runner
from layani.training_runner import ParallelTrainingRunner
from tests.unit import child_install_probe

WAIT_SECONDS = 120


def _await(path: Path) -> bool:
    deadline = time.monotonic() + WAIT_SECONDS
    while not path.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


class Provider(GraphComponent):
    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config

    @classmethod
    def create(cls, config, model_storage, resource, execution_context) -> Provider:
        return cls(config)

    def provide(self) -> dict[str, Any]:
        return {"value": 21, "dir": self.config["dir"]}


class ChildTrainer(Provider):
    """Offloaded in the tests: marks its start, then waits for the parent's trainer."""

    def train(self, data: dict[str, Any]) -> dict[str, Any]:
        folder = Path(data["dir"])
        if folder.name == "concurrent":
            (folder / "child-started").touch()
            overlapped = _await(folder / "parent-started")
        else:
            overlapped = None
        return {
            "value": data["value"] * 2,
            "pid": os.getpid(),
            "overlapped": overlapped,
            "saw_parent_cache": any(key.startswith("cache-") for key in data),
            "patched_by": os.environ.get(child_install_probe.MARK_ENV),
        }


class ParentTrainer(Provider):
    def train(self, data: dict[str, Any]) -> dict[str, Any]:
        # Rasa's components fill lazy caches on their shared inputs while the child starts.
        for index in range(10_000):
            data[f"cache-{index}"] = index
        folder = Path(data["dir"])
        if folder.name == "concurrent":
            (folder / "parent-started").touch()
            overlapped = _await(folder / "child-started")
        else:
            overlapped = None
        return {"value": data["value"] + 1, "pid": os.getpid(), "overlapped": overlapped}


class RecordingHook(GraphNodeHook):
    def __init__(self) -> None:
        self.calls: list = []

    def on_before_node(self, node_name, execution_context, config, received_inputs) -> dict:
        self.calls.append(("before", node_name, os.getpid()))
        return {"node": node_name}

    def on_after_node(self, node_name, execution_context, config, output, input_hook_data):
        self.calls.append(("after", node_name, os.getpid(), input_hook_data["node"]))


def _schema(folder: Path) -> GraphSchema:
    def node(uses, fn, needs, target=False) -> SchemaNode:
        return SchemaNode(
            needs=needs,
            uses=uses,
            constructor_name="create",
            fn=fn,
            config={"dir": str(folder)},
            is_target=target,
        )

    return GraphSchema(
        {
            "provide": node(Provider, "provide", {}),
            "train_child": node(ChildTrainer, "train", {"data": "provide"}, target=True),
            "train_parent": node(ParentTrainer, "train", {"data": "provide"}, target=True),
        }
    )


def _run(runner_class, folder: Path, hook: RecordingHook) -> dict[str, Any]:
    schema = _schema(folder)
    storage = LocalModelStorage(folder.parent / f"storage-{runner_class.__name__}")
    runner = runner_class.create(schema, storage, ExecutionContext(schema), hooks=[hook])
    return runner.run()


@pytest.fixture
def offload_child_trainer(monkeypatch):
    monkeypatch.setattr(training_runner, "OFFLOADED_COMPONENTS", ("ChildTrainer",))
    monkeypatch.setattr(training_runner, "HEAVY_COMPONENTS", ("ParentTrainer",))
    monkeypatch.delenv(training_runner.DISABLE_ENV, raising=False)


def test_offloaded_node_trains_in_a_child_while_the_parent_trains(tmp_path, offload_child_trainer):
    folder = tmp_path / "concurrent"
    folder.mkdir()
    hook = RecordingHook()
    results = _run(ParallelTrainingRunner, folder, hook)

    child = results["train_child"]
    parent = results["train_parent"]
    assert child["pid"] != os.getpid()
    assert parent["pid"] == os.getpid()
    # Each trainer saw the other one start: they ran at the same time.
    assert child["overlapped"] and parent["overlapped"]
    assert (child["value"], parent["value"]) == (42, 22)
    # The child got the inputs as they were when it started, not the parent's later changes.
    assert child["saw_parent_cache"] is False

    # The training cache's hooks ran in the parent, before and after every node.
    assert {(c[0], c[1]) for c in hook.calls} == {
        (when, name) for when in ("before", "after") for name in _schema(folder).nodes
    }
    assert all(call[2] == os.getpid() for call in hook.calls)
    assert ("after", "train_child", os.getpid(), "train_child") in hook.calls


def test_results_match_rasas_sequential_runner(tmp_path, offload_child_trainer):
    folder = tmp_path / "sequential"
    folder.mkdir()
    parallel = _run(ParallelTrainingRunner, folder, RecordingHook())
    rasa = _run(DaskGraphRunner, folder, RecordingHook())

    def without_pid(results):
        return {
            name: {**out, "pid": None, "saw_parent_cache": None} for name, out in results.items()
        }

    assert without_pid(parallel) == without_pid(rasa)


def test_graph_without_offloaded_nodes_runs_like_rasa(tmp_path, monkeypatch):
    monkeypatch.setattr(training_runner, "OFFLOADED_COMPONENTS", ("NoSuchComponent",))
    folder = tmp_path / "sequential"
    folder.mkdir()
    results = _run(ParallelTrainingRunner, folder, RecordingHook())
    assert results["train_child"]["pid"] == os.getpid()


def test_offloaded_node_alone_stays_in_the_parent(tmp_path, offload_child_trainer, monkeypatch):
    # Nothing heavy to overlap with (the training cache holds DIET): no child process to start.
    monkeypatch.setattr(training_runner, "HEAVY_COMPONENTS", ("NoSuchComponent",))
    folder = tmp_path / "sequential"
    folder.mkdir()
    results = _run(ParallelTrainingRunner, folder, RecordingHook())
    assert results["train_child"]["pid"] == os.getpid()


def test_install_makes_rasa_training_use_the_parallel_runner(monkeypatch):
    import rasa.model_training

    monkeypatch.setattr(rasa.model_training, "DaskGraphRunner", DaskGraphRunner)
    training_runner.install()
    assert rasa.model_training.DaskGraphRunner is ParallelTrainingRunner


def test_the_child_applies_the_training_patches_the_parent_installed(
    tmp_path, offload_child_trainer, monkeypatch
):
    """The ResponseSelector's process must save its model as the parent would (lean_checkpoints)."""
    monkeypatch.setattr(training_runner, "CHILD_INSTALLS", ["tests.unit.child_install_probe"])
    monkeypatch.delenv(child_install_probe.MARK_ENV, raising=False)
    folder = tmp_path / "patched"
    folder.mkdir()
    child = _run(ParallelTrainingRunner, folder, RecordingHook())["train_child"]
    assert child["patched_by"] == str(child["pid"]) != str(os.getpid())
