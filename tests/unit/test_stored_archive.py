"""The model archive is written without compression and still reads as Rasa reads it."""

from __future__ import annotations

import gzip
import tarfile
from pathlib import Path

import pytest
from rasa.engine.storage import local_model_storage
from tarsafe import TarSafe

from layani import stored_archive


@pytest.fixture()
def installed(monkeypatch):
    monkeypatch.setattr(local_model_storage, "TarSafe", TarSafe)
    stored_archive.install()
    return local_model_storage.TarSafe


def _write(tar_class, folder: Path, archive: Path) -> None:
    with tar_class.open(archive, "w:gz") as tar:  # the call create_model_package makes
        tar.add(folder, arcname="")


def test_archive_is_stored_not_compressed_and_reads_back(installed, tmp_path: Path) -> None:
    folder = tmp_path / "components"
    folder.mkdir()
    weights = bytes(2_000_000)  # zeros: level 9 would shrink them a thousandfold
    (folder / "weights.bin").write_bytes(weights)
    archive = tmp_path / "model.tar.gz"

    _write(installed, folder, archive)

    assert archive.stat().st_size > len(weights)  # stored, not deflated
    with gzip.open(archive) as raw:  # still a standard gzip file
        assert raw.read(1)
    with TarSafe.open(archive, mode="r:gz") as tar:  # Rasa's loader
        out = tmp_path / "unpacked"
        tar.extractall(out)
    assert (out / "weights.bin").read_bytes() == weights


def test_other_modes_keep_their_behaviour(installed, tmp_path: Path) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "a.txt").write_text("halo " * 10_000)
    archive = tmp_path / "x.tar.xz"
    with installed.open(archive, "w:xz") as tar:
        tar.add(folder, arcname="")
    assert archive.stat().st_size < 10_000  # xz still compresses
    assert tarfile.is_tarfile(archive)
