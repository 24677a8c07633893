"""Run Rasa's conversation tests (tests/conversations/*.yml) against the current model.

`rasa test core --e2e` parses each test story's user text with the trained NLU and checks every
predicted action against the story; any mistake fails `make test`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from layani.paths import ROOT
from tooling.train import train

TESTS_DIR = ROOT / "tests" / "conversations"
OUT_DIR = ROOT / "reports" / "conversations"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model",
        type=Path,
        help="test this model file instead of the current one (trained first if stale)",
    )
    args = parser.parse_args(argv)
    if not any(TESTS_DIR.glob("*.yml")):
        print("No conversation tests found in tests/conversations", file=sys.stderr)
        return 1
    if args.model is not None and not args.model.is_file():
        print(f"No model at {args.model}", file=sys.stderr)
        return 2
    # Without --model the current sources' model is used, trained first when it is stale.
    model = args.model or train(if_stale=True)
    cmd = [
        sys.executable,
        "-m",
        "rasa",
        "test",
        "core",
        "--model",
        str(model),
        "--stories",
        str(TESTS_DIR),
        "--out",
        str(OUT_DIR),
        "--e2e",
        "--fail-on-prediction-errors",
    ]
    result = subprocess.run(cmd, cwd=ROOT)
    if result.returncode != 0:
        print(f"Conversation tests failed; see {OUT_DIR}/failed_test_stories.yml", file=sys.stderr)
    else:
        print("Conversation tests passed")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
