"""`layani pack eval`: cross-validation finds topics that another pack swallows."""

from __future__ import annotations

from pathlib import Path

from pack_helpers import SAMPLE, dishub_row, make_pack, write_sheet

from tooling.cli import main
from tooling.packtool.evaluate import evaluate, render


def test_eval_reports_accuracy_and_a_colliding_pack(tmp_path: Path, capsys) -> None:
    agencies = tmp_path / "nlu_data" / "agencies"
    agencies.mkdir(parents=True)
    make_pack(agencies, "pdam_kota", SAMPLE)
    make_pack(agencies, "dishub", write_sheet(tmp_path / "d.csv", [dishub_row()]))
    common = tmp_path / "common"  # no common intents: keep the test small

    clean = evaluate("dishub", agencies, folds=5, common_dir=common)
    assert [s.topic for s in clean.topics] == ["dishub_parkir_langganan"]
    assert clean.topics[0].accuracy >= 0.8 and clean.collisions == []

    # A second utility writes its "tarif" questions almost like PDAM's: eval must say so.
    pdam_tarif = [
        "berapa tarif air per meter kubik",
        "harga air per kubik berapa",
        "golongan tarif air ada apa saja",
        "cara menghitung tagihan air",
        "tarif air untuk rumah tangga berapa",
        "tarif air naik ya tahun ini",
        "biaya pemakaian air per m3 berapa",
        "tarif progresif air itu apa",
        "tarif air untuk usaha atau toko",
        "berapa biaya beban tetap di tagihan air",
        "hitungan tarif blok pemakaian air",
        "trf air brp per m3",
        "harga per kubik air di sini",
        "dasar penetapan tarif air apa",
        "tarif khusus air untuk rumah ibadah",
        "apa itu golongan R1 R2 di tagihan air",
        "berapa harga 10 kubik air",
        "water tariff per cubic meter",
        "tarif air sosial berapa",
        "kok tarif air saya masuk golongan niaga",
    ]
    make_pack(
        agencies,
        "spam_desa",
        write_sheet(tmp_path / "s.csv", [dishub_row(pdam_tarif, topic="spam_tarif")]),
    )
    report = evaluate("spam_desa", agencies, folds=5, common_dir=common)
    pairs = {(c.source, c.target) for c in report.collisions}
    assert ("spam_desa:faq/spam_tarif", "pdam_kota:faq/pdam_tarif") in pairs or (
        "pdam_kota:faq/pdam_tarif",
        "spam_desa:faq/spam_tarif",
    ) in pairs
    text = render(report)
    assert "Collisions" in text and "pdam_tarif" in text

    assert main(["pack", "--agencies-dir", str(agencies), "eval", "dishub"]) in (0, 1)
    assert "Held-out accuracy per topic" in capsys.readouterr().out
