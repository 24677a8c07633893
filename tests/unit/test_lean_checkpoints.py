"""A model saved without the optimizer's state answers exactly like one saved with it.

Why it matters: the optimizer's state was 2/3 of every trained model's bytes (written, gzipped,
cached and unpacked on every training and start) and nothing served reads it. The tiny project
of test_rasa_speedups is trained twice with the same seeds, once with Rasa's save and once
with `layani.lean_checkpoints`; both archives are loaded with Rasa's own load (the one
`--finetune` uses) and must give the same intent and FAQ rankings and TED probabilities.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from tests.unit.test_rasa_speedups import _answers, train_tiny_project


def _checkpoint_bytes(model: Path) -> dict[str, int]:
    """Bytes of each component's TensorFlow checkpoint data in a model archive."""
    with tarfile.open(model) as archive:
        return {
            Path(member.name).parent.name: member.size
            for member in archive.getmembers()
            if ".tf_model.data-" in member.name
        }


@pytest.fixture(scope="module")
def full_and_lean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from rasa.utils.tensorflow.models import RasaModel

    from layani.lean_checkpoints import save_without_optimizer

    full = train_tiny_project(tmp_path_factory.mktemp("full"), "full")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(RasaModel, "save", save_without_optimizer)
        lean = train_tiny_project(tmp_path_factory.mktemp("lean"), "lean")
    return full, lean


def test_lean_model_answers_exactly_like_the_full_one(full_and_lean) -> None:
    full, lean = full_and_lean
    full_answers = _answers(full)
    assert _answers(lean) == full_answers
    assert full_answers["halo"]["intents"][0][0] == "greet"  # the models do discriminate


def test_lean_checkpoints_are_at_most_half_the_full_ones(full_and_lean) -> None:
    """Adam keeps two slots per trained weight: without them a checkpoint shrinks to 1/3-1/2
    (Layani's model: 1/3; the answers above show no weight of the model itself is missing)."""
    full, lean = full_and_lean
    full_bytes, lean_bytes = _checkpoint_bytes(full), _checkpoint_bytes(lean)
    assert len(full_bytes) == 3  # DIET, ResponseSelector, TED
    assert full_bytes.keys() == lean_bytes.keys()
    for component, size in full_bytes.items():
        assert lean_bytes[component] / size < 0.55, component
