"""Category classifier: catalogue ids only, the held-out target, place words, the CLI."""

from __future__ import annotations

import subprocess
import sys

import pytest

from actions.complaints import classifier
from layani.catalogue import load_catalogue
from layani.paths import ROOT

HELDOUT = ROOT / "eval" / "heldout" / "complaint_categories.yml"
DEV = ROOT / "tests" / "unit" / "data" / "complaint_categories_dev.yml"


def test_categories_are_exactly_the_catalogue_ids():
    model = classifier.load_model()
    assert set(model.categories) == set(load_catalogue().complaint_categories)


def test_heldout_set_is_large_enough_and_uses_catalogue_ids():
    items = classifier.load_heldout(HELDOUT)
    per_category = {}
    for _text, category in items:
        per_category[category] = per_category.get(category, 0) + 1
    assert set(per_category) == set(load_catalogue().complaint_categories)
    assert min(per_category.values()) >= 8


def test_heldout_accuracy_at_least_90_percent():
    report = classifier.evaluate(HELDOUT)
    assert report["accuracy"] >= 0.90, classifier.format_report(report)


def test_development_set_is_all_correct():
    report = classifier.evaluate(DEV)
    assert report["accuracy"] == 1.0, classifier.format_report(report)


@pytest.mark.parametrize(
    "text, expected",
    [
        # The place is a school / health centre; the problem is the road / rubbish.
        ("jalan depan SDN 3 Cibeunying bolong gede, udah 2 bulan", "jalan_rusak"),
        ("sampah numpuk depan puskesmas Cilodong", "sampah"),
        # Bribery while applying for an ID card goes to the inspectorate, not Dukcapil.
        ("ada pungli waktu bikin KTP di kecamatan", "pelayanan_publik"),
        ("KTP saya sudah 3 bulan belum jadi", "adminduk"),
        # Burning rubbish is pollution, not rubbish collection.
        ("tetangga bakar sampah tiap sore asapnya masuk rumah", "lingkungan"),
        ("SAMPAHNYAAA GAK DIANGKUT2", "sampah"),
        ("", "lainnya"),
        ("halo apa kabar", "lainnya"),
    ],
)
def test_examples(text, expected):
    assert classifier.classify(text) == expected


def test_evaluate_reports_confusions(tmp_path):
    path = tmp_path / "mini.yml"
    path.write_text("sampah:\n  - sampah numpuk\n  - lampu jalan mati\n")
    report = classifier.evaluate(path)
    assert report["total"] == 2 and report["correct"] == 1
    assert report["confusions"] == {"sampah -> lampu_jalan": 1}
    assert "accuracy 50.0%" in classifier.format_report(report)


def _cli(*args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "tooling.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout


def test_cli_one_text():
    assert _cli("complaint-category", "pohon tumbang di jalan Dago") == "pohon_tumbang\n"


def test_cli_reads_stdin_one_id_per_line():
    out = _cli("complaint-category", stdin="air pdam mati\n\nlampu jalan mati di gang mawar\n")
    assert out.splitlines() == ["air_bersih", "lainnya", "lampu_jalan"]
