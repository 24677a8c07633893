"""Train the assistant, or skip training when a model for the current sources already exists.

The model file is `models/layani-<hash>.tar.gz`, named by `layani/model_files.py` (the launcher
finds it there too): the hash covers config.yml, every domain and training file the importer
would read (so the enabled packs too), and Layani's own NLU components. Same sources, same
name: a second `make run` with nothing changed does not retrain, and tests reuse the model by
hash. The result is a normal Rasa model in Rasa's default `models/`, loadable with
`rasa.core.agent.Agent.load`.

Faster paths (docs/performance.md, "Training"):
- Rasa's training cache: components whose config and inputs did not change are reused. A
  change to a (non-FAQ) response text retrained neither DIET nor the ResponseSelector: 13 % of
  a full training's CPU time (docs/performance.md, "Training"). Rasa fingerprints a
  component's config and data but not its code, so the cache folder is named by the hash of
  Layani's own component code (`layani.model_files.component_hash`): changed code, fresh cache.
- Parallel training (`layani/training_runner.py`, on by default): the ResponseSelector trains in
  a child process while DIET trains in this one, so both cores work. `--sequential` (or the
  environment variable LAYANI_SEQUENTIAL_TRAINING=1) keeps Rasa's one-node-at-a-time runner.
- `--finetune`: when a pack changed its NLU examples but added no intent or FAQ topic, continue
  training the latest model for a fraction of the epochs (Rasa's fine-tuning) instead of
  training from scratch. Rasa refuses when labels changed; then train normally. Measured: 57 %
  of a full training's CPU time, but 0.6 FAQ points lower: a quick check while writing a pack,
  not a release model.
"""

from __future__ import annotations

import argparse
import fcntl
import logging
import os
import sys
from pathlib import Path

from layani.model_files import component_hash, model_path
from layani.paths import CONFIG_FILE, MODELS_DIR, ROOT

logger = logging.getLogger("tooling.train")


def train(
    config: Path = CONFIG_FILE,
    models_dir: Path = MODELS_DIR,
    if_stale: bool = False,
    name: str | None = None,
    finetune_from: Path | None = None,
    epoch_fraction: float = 0.3,
    parallel: bool = True,
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
        os.environ.setdefault(
            "RASA_CACHE_DIRECTORY", str(ROOT / ".rasa" / f"cache-{component_hash()}")
        )
        os.environ.setdefault("RASA_MAX_CACHE_SIZE", "3000")  # MB; one model's parts are ~500
        import rasa.api

        from layani import (
            inline_batches,
            lean_checkpoints,
            sparse_combine,
            stored_archive,
            training_fingerprints,
        )

        training_fingerprints.install()
        stored_archive.install()
        inline_batches.install()
        lean_checkpoints.install()
        sparse_combine.install()
        if parallel:
            from layani import training_runner

            training_runner.install(
                child_installs=(
                    "layani.lean_checkpoints",
                    "layani.sparse_combine",
                    "layani.inline_batches",
                )
            )
        from layani.importer import domain_files, training_files

        print(f"Training {target.name} (this takes a few minutes on 2 cores)...", flush=True)
        result = rasa.api.train(
            domain=str(domain_files()[0].parent),
            config=str(config),
            training_files=[str(p) for p in training_files()],
            output=str(models_dir),
            fixed_model_name=target.name[: -len(".tar.gz")],
            model_to_finetune=str(finetune_from) if finetune_from else None,
            finetuning_epoch_fraction=epoch_fraction,
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
    parser.add_argument(
        "--finetune",
        nargs="?",
        const="latest",
        metavar="MODEL",
        help="continue training MODEL (default: the newest in --out) on the changed data",
    )
    parser.add_argument("--epoch-fraction", type=float, default=0.3, help="with --finetune")
    parser.add_argument(
        "--sequential",
        action="store_true",
        help="train the graph one node at a time (Rasa's runner) instead of DIET beside the "
        "ResponseSelector",
    )
    args = parser.parse_args(argv)
    finetune_from = None
    if args.finetune:
        finetune_from = (
            newest_model(Path(args.out)) if args.finetune == "latest" else Path(args.finetune)
        )
        if finetune_from is None:
            raise SystemExit("--finetune: no model to continue from; train once without it")
    train(
        Path(args.config).resolve(),  # the model name hashes paths relative to the checkout
        Path(args.out).resolve(),
        if_stale=args.if_stale,
        finetune_from=finetune_from,
        epoch_fraction=args.epoch_fraction,
        parallel=not (args.sequential or os.environ.get("LAYANI_SEQUENTIAL_TRAINING")),
    )
    return 0


def newest_model(models_dir: Path) -> Path | None:
    models = sorted(models_dir.glob("layani-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


if __name__ == "__main__":
    sys.exit(main())
