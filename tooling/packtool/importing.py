"""`layani pack import`: spreadsheet -> validated topics -> pack files -> lint of the pack.

Nothing is written while the sheet has errors. After writing, the pack is linted (without the
slow `rasa data validate`) against every other pack, so a question that collides with another
agency's is reported at once, with both places named.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from layani import packs
from layani.paths import AGENCIES_DIR
from tooling.packtool import rules
from tooling.packtool.lint import lint
from tooling.packtool.model import Problem
from tooling.packtool.scaffold import new_pack
from tooling.packtool.tabular import parse_sheet
from tooling.packtool.writer import merge


@dataclass
class ImportResult:
    directory: Path
    topics: list[str]
    problems: list[Problem]


def import_sheet(
    agency: str, sheet: Path, agencies_dir: Path = AGENCIES_DIR, today: dt.date | None = None
) -> ImportResult:
    finding = rules.id_problem(agency, "agency id")
    if finding:
        raise ValueError(f"{finding[0]}: {finding[1]}")
    if not sheet.is_file():
        raise ValueError(f"{sheet} does not exist")
    topics = parse_sheet(sheet, today)
    directory = agencies_dir / agency
    new_pack(agency, agencies_dir, only_missing=True)
    merge(directory, agency, topics, packs.PACK_NLU_FILE, packs.PACK_RESPONSES_FILE)
    problems = lint([agency], agencies_dir, run_rasa=False, today=today)
    return ImportResult(directory, [t.topic for t in topics], problems)
