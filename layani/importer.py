"""Rasa training-data importer that assembles the bot from its parts.

Rasa's CLI takes one `--domain` path, but Layani's domain is split by concern (`bot/domain/`)
and every agency pack carries its own responses (`nlu_data/agencies/<agency>/responses.yml`).
This importer, named in `config.yml` under `importers:`, gives `rasa train`, `rasa data validate`
and `rasa test` the same view: core domain + enabled packs' responses, common NLU + enabled packs'
NLU, and the stories and rules in `bot/`. Paths passed on the command line are ignored on purpose,
so the three commands can never disagree about what the bot is made of.
"""

from __future__ import annotations

import logging
from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.importers.rasa import RasaFileImporter

from layani import packs
from layani.paths import AGENCIES_DIR, BOT_DIR, COMMON_NLU_DIR, DOMAIN_DIR

logger = logging.getLogger(__name__)


def domain_files() -> list[Path]:
    files = sorted(DOMAIN_DIR.rglob("*.yml"))
    for name in packs.enabled_packs():
        files += packs.pack_files(name, packs.PACK_RESPONSES_FILE)
    return files


def training_files() -> list[Path]:
    files = sorted(COMMON_NLU_DIR.rglob("*.yml"))
    for name in packs.enabled_packs():
        files += packs.pack_files(name, packs.PACK_NLU_FILE)
    files += sorted((BOT_DIR / "stories").rglob("*.yml"))
    files += sorted((BOT_DIR / "rules").rglob("*.yml"))
    return files


def source_files() -> list[Path]:
    """Every file whose content shapes the trained model (used for the staleness hash)."""
    return domain_files() + training_files()


class LayaniImporter(RasaFileImporter):
    """`RasaFileImporter` over the project's own domain and data layout (see module docstring)."""

    def __init__(
        self,
        config_file: str | None = None,
        domain_path: str | None = None,
        training_data_paths: list[str] | None = None,
        **_: object,
    ) -> None:
        extra = [p for p in (training_data_paths or []) if _is_conversation_test(p)]
        super().__init__(
            config_file=config_file,
            domain_path=str(DOMAIN_DIR),
            training_data_paths=[str(p) for p in training_files()] + extra,
        )
        logger.debug("Layani importer: packs %s", packs.enabled_packs(AGENCIES_DIR))

    def get_domain(self) -> Domain:
        return Domain.load([str(p) for p in domain_files()])


def _is_conversation_test(path: str) -> bool:
    """`rasa test` passes tests/conversations/*; keep those so test stories are found."""
    return "conversations" in Path(path).parts
