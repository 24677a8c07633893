"""Helpers for the pack tooling tests: build packs in a temporary agencies folder."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from collections.abc import Sequence
from pathlib import Path

from tooling.packtool.importing import import_sheet
from tooling.packtool.scaffold import new_pack

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "packs" / "sample_agency.csv"
SAMPLE_INFO = ROOT / "examples" / "packs" / "sample_agency.yml"
TODAY = dt.date(2026, 11, 28)
HEADER = ["topic", "questions", "answer", "sms_answer", "source", "reviewed"]

DISHUB_QUESTIONS = [
    "bagaimana cara daftar parkir berlangganan",
    "syarat parkir berlangganan tahunan apa saja",
    "stiker parkir langganan didapat dimana",
    "biaya parkir berlangganan motor setahun",
    "biaya parkir berlangganan mobil berapa",
    "parkir langganan bisa dibayar bareng pajak kendaraan?",
    "cr daftar parkir lgnn",
    "apakah parkir berlangganan wajib",
    "stiker parkir berlangganan hilang gimana",
    "parkir berlangganan berlaku di mana saja",
    "kalau sudah langganan parkir masih bayar jukir?",
    "perpanjang stiker parkir tahunan",
    "parkir berlangganan untuk kendaraan luar kota",
    "mau berhenti parkir berlangganan",
    "how to register subscription parking",
    "piye carane daftar parkir langganan",
    "ngurus stiker parkir langganan di samsat?",
    "denda kalau tidak pasang stiker parkir",
    "dasar hukum retribusi parkir berlangganan",
    "tarif retribusi parkir tepi jalan langganan",
    "pindah alamat, stiker parkir langganan gimana",
]


def write_sheet(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def dishub_row(questions: list[str] = DISHUB_QUESTIONS, topic: str = "dishub_parkir_langganan"):
    return [
        topic,
        "\n".join(questions),
        "Parkir berlangganan didaftarkan bersamaan dengan pembayaran pajak kendaraan di Samsat.",
        "Parkir berlangganan: daftar dan bayar saat pajak kendaraan di Samsat. "
        "Info: Dinas Perhubungan.",
        "https://contoh.go.id/dishub/parkir",
        "2026-11-01",
    ]


def fill_info(agencies: Path, agency: str) -> None:
    text = SAMPLE_INFO.read_text(encoding="utf-8").replace("pdam_kota", agency)
    (agencies / agency / "agency.yml").write_text(text, encoding="utf-8")


def make_pack(agencies: Path, agency: str, sheet: Path) -> None:
    new_pack(agency, agencies)
    fill_info(agencies, agency)
    import_sheet(agency, sheet, agencies, today=TODAY)


def sample_tree(tmp_path: Path) -> Path:
    """An agencies folder with the sample PDAM pack and a one-topic Dishub pack."""
    agencies = tmp_path / "nlu_data" / "agencies"
    agencies.mkdir(parents=True)
    make_pack(agencies, "pdam_kota", SAMPLE)
    make_pack(agencies, "dishub", write_sheet(tmp_path / "dishub.csv", [dishub_row()]))
    return agencies


def line_at(path: Path, line: int) -> str:
    return path.read_text(encoding="utf-8").splitlines()[line - 1]


def copy_tree(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target
