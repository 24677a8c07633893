"""Bring the database at DATABASE_URL to the newest schema (`alembic upgrade heads`)."""

from __future__ import annotations

import sys


def main() -> int:
    from pathlib import Path

    if not (Path(__file__).parent / "migrations").is_dir():
        return 0
    from storage.db import upgrade_database

    upgrade_database()
    return 0


if __name__ == "__main__":
    sys.exit(main())
