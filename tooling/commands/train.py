"""`layani train [--if-stale]`: the training `make train` runs (model named by content hash)."""

from __future__ import annotations

import argparse
from pathlib import Path

from layani.paths import CONFIG_FILE, MODELS_DIR


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("train", help="train the model (or reuse it when current)")
    parser.add_argument("--if-stale", action="store_true", help="skip when the model is current")
    parser.add_argument("--config", default=str(CONFIG_FILE))
    parser.add_argument("--out", default=str(MODELS_DIR))
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from tooling.train import train

    train(Path(args.config), Path(args.out), if_stale=args.if_stale)
    return 0
