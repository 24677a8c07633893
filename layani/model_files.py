"""Which model file belongs to the current sources: `models/layani-<hash>.tar.gz`.

Why here and not in the training tool: the launcher (`layani/run.py`) must find the model for
the sources it runs, and the runtime never imports `tooling/`. Training (`tooling/train.py`)
writes to the same name, so "same sources, same file" holds for both. The hash covers
config.yml, every domain and training file the importer would read (so the enabled packs
too), and Layani's own NLU components and policies.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from layani import packs
from layani.paths import CONFIG_FILE, MODELS_DIR, ROOT

MODEL_PREFIX = "layani-"


def _component_sources() -> Iterable[Path]:
    """The code and word lists Layani's own Rasa components run (NLU, language layer, policy)."""
    found: list[Path] = []
    for folder in ("layani/nlu", "layani/language", "layani/policies"):
        for pattern in ("*.py", "*.txt", "*.yml"):
            found += sorted((ROOT / folder).rglob(pattern))
    return found


def component_hash() -> str:
    """Hash of the components' own code: Rasa's training cache fingerprints a component's
    config and inputs but not its code, so its cache folder is named by this."""
    digest = hashlib.sha256()
    for path in _component_sources():
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def content_hash(config: Path = CONFIG_FILE) -> str:
    from layani.importer import source_files

    digest = hashlib.sha256()
    digest.update(",".join(packs.enabled_packs()).encode())
    for path in [config, *source_files(), *_component_sources()]:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path(config: Path = CONFIG_FILE, models_dir: Path = MODELS_DIR) -> Path:
    return models_dir / f"{MODEL_PREFIX}{content_hash(config)}.tar.gz"
