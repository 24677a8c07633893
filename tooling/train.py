"""Train the assistant, or skip training when a model for the current sources already exists.

The model file is `models/layani-<hash>.tar.gz`, named by `layani/model_files.py` (the launcher
finds it there too): the hash covers config.yml, every domain and training file the importer
would read (so the enabled packs too), and Layani's own NLU components. Same sources, same
name: a second `make run` with nothing changed does not retrain, and tests reuse the model by
hash. The result is a normal Rasa model in Rasa's default `models/`, loadable with
`rasa.core.agent.Agent.load`.
"""

from __future__ import annotations

import argparse
import fcntl
import logging
import os
import sys
from pathlib import Path

from layani.model_files import model_path
from layani.paths import CONFIG_FILE, MODELS_DIR, ROOT

logger = logging.getLogger("tooling.train")


def train(
    config: Path = CONFIG_FILE,
    models_dir: Path = MODELS_DIR,
    if_stale: bool = False,
    name: str | None = None,
) -> Path:
    """Train (or reuse) the model for the current sources and return its path."""
    models_dir.mkdir(parents=True, exist_ok=True)
    # One training at a time per models dir: parallel `make` or test runs wait and then reuse.
    with open(models_dir / ".train.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        # Hash the sources only once the lock is held, so the name matches what is trained.
        target = models_dir / f"{name}.tar.gz" if name else model_path(config, models_dir)
        if if_stale and target.exists():
            shown = target.relative_to(ROOT) if target.is_relative_to(ROOT) else target
            print(f"Model is up to date: {shown}")
            return target
        os.environ.setdefault("LOG_LEVEL", "INFO")
        import rasa.api

        from layani.importer import domain_files, training_files

        print(f"Training {target.name} (this takes a few minutes on 2 cores)...", flush=True)
        result = rasa.api.train(
            domain=str(domain_files()[0].parent),
            config=str(config),
            training_files=[str(p) for p in training_files()],
            output=str(models_dir),
            fixed_model_name=target.name[: -len(".tar.gz")],
            force_training=True,
        )
        if result.code != 0 or not result.model:
            raise SystemExit(f"Training failed (code {result.code})")
        print(f"Model written: {result.model}")
        return Path(result.model)


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the Layani model")
    parser.add_argument("--if-stale", action="store_true", help="skip when the model is current")
    parser.add_argument("--config", default=str(CONFIG_FILE))
    parser.add_argument("--out", default=str(MODELS_DIR))
    args = parser.parse_args(argv)
    train(Path(args.config), Path(args.out), if_stale=args.if_stale)
    return 0


if __name__ == "__main__":
    sys.exit(main())
