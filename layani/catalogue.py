"""The service catalogue (spec/topics.yml): intent, FAQ and complaint-category ids are a contract.

`spec/topics.yml` is a copy of `../shared/spec/topics.yml`; a test keeps the two identical.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from layani.paths import CATALOGUE_FILE


@dataclass(frozen=True)
class Catalogue:
    core_intents: dict[str, str]
    faq: dict[str, dict]
    complaint_categories: dict[str, dict]

    def faq_agency(self, topic: str) -> str:
        return self.faq[topic]["agency"]

    def complaint_route(self, category: str) -> str:
        return self.complaint_categories[category]["route"]


@lru_cache(maxsize=4)
def load_catalogue(path: Path = CATALOGUE_FILE) -> Catalogue:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return Catalogue(
        core_intents=dict(data["core_intents"]),
        faq=dict(data["faq"]),
        complaint_categories=dict(data["complaint_categories"]),
    )
