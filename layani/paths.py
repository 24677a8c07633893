"""Project paths, resolved once so scripts, tests and the importer agree on them."""

from __future__ import annotations

import os
from pathlib import Path

# Read here, not in layani.settings: the settings (var/ defaults) and every path depend on it.
ROOT = Path(os.environ.get("LAYANI_ROOT", Path(__file__).resolve().parent.parent))
BOT_DIR = ROOT / "bot"
DOMAIN_DIR = BOT_DIR / "domain"
NLU_DIR = ROOT / "nlu_data"
COMMON_NLU_DIR = NLU_DIR / "common"
AGENCIES_DIR = NLU_DIR / "agencies"
MODELS_DIR = ROOT / "models"
VAR_DIR = ROOT / "var"
CATALOGUE_FILE = ROOT / "spec" / "topics.yml"
CONFIG_FILE = ROOT / "config.yml"
