"""The Fernet key(s) that protect personal data at rest, loaded in one place.

Why shared: the database store (`storage/personal_data.py`) and the channel layer's files (the
webhook gateway's Redis journal, the dead-letter log) must use the same key and the same rules,
and the gateway must not import SQLAlchemy or Rasa to get it. Rules:
- `LAYANI_PII_KEY`: one Fernet key, or several separated by commas (the first encrypts, all
  decrypt, for key rotation).
- Unset: the embedded profile (SQLite) generates `var/pii.key` (mode 600) once; any other
  profile refuses, because a key generated on one server makes the data unreadable on the next.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from cryptography.fernet import Fernet, MultiFernet

logger = logging.getLogger(__name__)

KEY_FILE_NAME = "pii.key"


class MissingKey(Exception):
    """No usable key: unset outside the embedded profile, or not a Fernet key."""


def generated_key(directory: Path) -> str:
    """Read `directory`/pii.key, creating it (mode 600) atomically if no process did yet."""
    path = directory / KEY_FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(Fernet.generate_key().decode("ascii"))
    logger.warning("LAYANI_PII_KEY is not set: generated %s (embedded profile only)", path)
    return path.read_text(encoding="ascii").strip()


def cipher(raw: str, generate_in: Path | None) -> MultiFernet:
    """The cipher for `raw` (LAYANI_PII_KEY); when it is empty, the key file generated in
    `generate_in` (embedded profile), or MissingKey when `generate_in` is None."""
    raw = (raw or "").strip()
    if not raw:
        if generate_in is None:
            raise MissingKey("LAYANI_PII_KEY must be set when the database is not SQLite")
        raw = generated_key(generate_in)
    try:
        return MultiFernet([Fernet(k.strip().encode("ascii")) for k in raw.split(",") if k.strip()])
    except (ValueError, TypeError) as exc:
        raise MissingKey("LAYANI_PII_KEY is not a valid Fernet key") from exc
