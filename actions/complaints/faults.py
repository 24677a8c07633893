"""Crash points for the "action server killed mid-submission" test, inert in normal operation.

When `LAYANI_FAULT_FILE` names an existing file whose content is a point name, reaching that
point deletes the file and kills the process at once (no clean-up, like `kill -9`), so the test
can prove that a complaint is neither lost after being acknowledged nor saved twice. Without the
variable (every real deployment) `maybe_crash` does nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

from layani import settings


def maybe_crash(point: str) -> None:
    path = settings.load().fault_file
    if not path:
        return
    fault = Path(path)
    try:
        wanted = fault.read_text(encoding="utf-8").strip()
    except OSError:
        return
    if wanted != point:
        return
    fault.unlink(missing_ok=True)
    os._exit(137)
