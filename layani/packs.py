"""Which agency packs a deployment enables, and which files each pack contributes.

A pack is a folder `nlu_data/agencies/<agency>/` holding `nlu.yml` (training examples),
`responses.yml` (domain responses with SMS variants and metadata) and `agency.yml`
(name, contact, office hours, locations, complaint categories). A city can run only its own
agencies by setting `LAYANI_PACKS` (comma-separated agency ids); unset or `all` enables every pack.
"""

from __future__ import annotations

from pathlib import Path

from layani import settings
from layani.paths import AGENCIES_DIR

PACK_NLU_FILE = "nlu.yml"
PACK_RESPONSES_FILE = "responses.yml"
PACK_INFO_FILE = "agency.yml"


def all_packs(agencies_dir: Path = AGENCIES_DIR) -> list[str]:
    if not agencies_dir.is_dir():
        return []
    return sorted(
        p.name for p in agencies_dir.iterdir() if p.is_dir() and not p.name.startswith(".")
    )


def enabled_packs(agencies_dir: Path = AGENCIES_DIR, setting: str | None = None) -> list[str]:
    """Packs named by `LAYANI_PACKS` (or `setting`), in catalogue order; unknown names fail fast."""
    raw = setting if setting is not None else settings.load().packs
    available = all_packs(agencies_dir)
    if raw.strip() in ("", "all"):
        return available
    wanted = [name.strip() for name in raw.split(",") if name.strip()]
    unknown = sorted(set(wanted) - set(available))
    if unknown:
        raise ValueError(
            f"LAYANI_PACKS names unknown agency packs: {', '.join(unknown)}; "
            f"available: {', '.join(available)}"
        )
    return [name for name in available if name in wanted]


def pack_files(name: str, filename: str, agencies_dir: Path = AGENCIES_DIR) -> list[Path]:
    path = agencies_dir / name / filename
    return [path] if path.is_file() else []
