"""Training is skipped when a model for the same sources exists, and redone when they change."""

from __future__ import annotations

from pathlib import Path

import layani.importer as importer
import layani.model_files as model_files
import tooling.train as training


def test_same_sources_give_same_model_name():
    assert training.model_path() == training.model_path()


def test_existing_model_is_reused_without_training(tmp_path, monkeypatch):
    target = training.model_path(models_dir=tmp_path)
    target.write_bytes(b"model")

    def fail(*_a, **_k):  # pragma: no cover - reached only on regression
        raise AssertionError("retrained although the model was current")

    import rasa.api

    monkeypatch.setattr(rasa.api, "train", fail)
    assert training.train(models_dir=tmp_path, if_stale=True) == target
    assert target.read_bytes() == b"model"


def test_changed_training_data_changes_the_hash(tmp_path, monkeypatch):
    data = tmp_path / "nlu.yml"
    data.write_text("version: '3.1'\nnlu: []\n")
    monkeypatch.setattr(importer, "source_files", lambda: [data])
    monkeypatch.setattr(model_files, "ROOT", Path("/"))
    before = model_files.content_hash()
    data.write_text("version: '3.1'\nnlu:\n- intent: greet\n  examples: '- halo'\n")
    assert model_files.content_hash() != before
