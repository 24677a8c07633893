"""Run Rasa's conversation tests (tests/conversations/*.yml) against the current model.

`rasa test core --e2e` parses each test story's user text with the trained NLU and checks every
predicted action against the story; any mistake fails `make test`.
"""

from __future__ import annotations

import subprocess
import sys

from layani.paths import ROOT
from tooling.train import train

TESTS_DIR = ROOT / "tests" / "conversations"
OUT_DIR = ROOT / "reports" / "conversations"


def main() -> int:
    if not any(TESTS_DIR.glob("*.yml")):
        print("No conversation tests found in tests/conversations", file=sys.stderr)
        return 1
    model = train(if_stale=True)
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
