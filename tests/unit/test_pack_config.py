"""Packs enabled per deployment (LAYANI_PACKS): a disabled pack adds nothing to the bot."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pack_helpers import ROOT, sample_tree

SCRIPT = """
import json
from layani.importer import LayaniImporter
importer = LayaniImporter(config_file="config.yml")
domain = importer.get_domain()
nlu = importer.get_nlu_data("id")
print(json.dumps({
    "responses": sorted(r for r in domain.responses if r.startswith("utter_faq/")),
    "topics": sorted({m.get("intent_response_key") for m in nlu.intent_examples
                      if (m.get("intent_response_key") or "").startswith("faq/")}),
}))
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A project copy whose only packs are the sample PDAM pack and a small Dishub pack."""
    root = tmp_path_factory.mktemp("project")
    for name in ("config.yml", "bot", "nlu_data/common", "spec"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        else:
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, root / name)
    sample_tree(root)
    return root


def _assembled(project: Path, packs: str) -> dict:
    env = dict(os.environ, LAYANI_ROOT=str(project), LAYANI_PACKS=packs)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_disabled_pack_is_absent_from_domain_and_training_data(project: Path) -> None:
    only_dishub = _assembled(project, "dishub")
    assert only_dishub["responses"] == ["utter_faq/dishub_parkir_langganan"]
    assert only_dishub["topics"] == ["faq/dishub_parkir_langganan"]

    everything = _assembled(project, "all")
    assert "utter_faq/pdam_tarif" in everything["responses"]
    assert "faq/pdam_tarif" in everything["topics"]
    assert "faq/dishub_parkir_langganan" in everything["topics"]


def test_unknown_pack_name_fails_fast(project: Path) -> None:
    env = dict(os.environ, LAYANI_ROOT=str(project), LAYANI_PACKS="pdam_kota,pdam_typo")
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0
    assert "LAYANI_PACKS names unknown agency packs: pdam_typo" in result.stderr
