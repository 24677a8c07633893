"""`layani pack import` and `layani pack new`: spreadsheets become packs, bad rows are named."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from pack_helpers import DISHUB_QUESTIONS, SAMPLE, TODAY, dishub_row, fill_info, write_sheet

from tooling.cli import main
from tooling.packtool.importing import import_sheet
from tooling.packtool.lint import lint
from tooling.packtool.scaffold import PackExists, new_pack
from tooling.packtool.tabular import SheetError, parse_sheet


@pytest.fixture()
def agencies(tmp_path: Path) -> Path:
    path = tmp_path / "nlu_data" / "agencies"
    path.mkdir(parents=True)
    return path


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_sample_csv_imports_into_rasa_yaml(agencies: Path) -> None:
    result = import_sheet("pdam_kota", SAMPLE, agencies, today=TODAY)
    assert len(result.topics) >= 5
    nlu = _load(agencies / "pdam_kota" / "nlu.yml")
    responses = _load(agencies / "pdam_kota" / "responses.yml")
    assert nlu["version"] == "3.1" and responses["version"] == "3.1"
    assert set(responses) == {"version", "responses"}
    sheet = {t.topic: t for t in parse_sheet(SAMPLE)}
    block = next(b for b in nlu["nlu"] if b["intent"] == "faq/pdam_pasang_baru")
    examples = [line[2:] for line in block["examples"].splitlines()]
    assert examples == sheet["pdam_pasang_baru"].questions
    default, sms = responses["responses"]["utter_faq/pdam_pasang_baru"]
    assert default["text"] == sheet["pdam_pasang_baru"].answer  # multi-line answer kept exactly
    assert sms["channel"] == "sms" and sms["text"] == sheet["pdam_pasang_baru"].sms_answer
    assert (
        default["metadata"]
        == sms["metadata"]
        == {
            "agency": "pdam_kota",
            "source": "https://contoh.go.id/pdam/pasang-baru",
            "reviewed": "2026-11-28",
            "topic": "pdam_pasang_baru",
        }
    )


def test_rasa_reads_imported_files(agencies: Path) -> None:
    from rasa.shared.core.domain import Domain
    from rasa.shared.nlu.training_data.loading import load_data

    import_sheet("pdam_kota", SAMPLE, agencies, today=TODAY)
    data = load_data(str(agencies / "pdam_kota" / "nlu.yml"))
    assert {m.get("intent_response_key") for m in data.intent_examples} == {
        f"faq/{t.topic}" for t in parse_sheet(SAMPLE)
    }
    domain = Domain.load(str(agencies / "pdam_kota" / "responses.yml"))
    assert "utter_faq/pdam_tarif" in domain.responses


def test_xlsx_imports_like_csv(agencies: Path, tmp_path: Path) -> None:
    import csv

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    with open(SAMPLE, encoding="utf-8") as handle:
        for row in csv.reader(handle):
            sheet.append(row)
    # Excel stores dates as dates, and staff type dd/mm/yyyy: both accepted.
    sheet.cell(row=2, column=6).value = dt.datetime(2026, 11, 28)
    sheet.cell(row=3, column=6).value = "28/11/2026"
    xlsx = tmp_path / "sample.xlsx"
    workbook.save(xlsx)

    import_sheet("from_csv", SAMPLE, agencies, today=TODAY)
    import_sheet("from_xlsx", xlsx, agencies, today=TODAY)
    a = (agencies / "from_csv" / "responses.yml").read_text().replace("from_csv", "X")
    b = (agencies / "from_xlsx" / "responses.yml").read_text().replace("from_xlsx", "X")
    assert a == b
    assert (agencies / "from_csv" / "nlu.yml").read_text().replace("from_csv", "X") == (
        agencies / "from_xlsx" / "nlu.yml"
    ).read_text().replace("from_xlsx", "X")


def test_bad_rows_are_named_and_nothing_is_written(agencies: Path, tmp_path: Path) -> None:
    long_sms = "Info parkir berlangganan. " * 14
    rows = [
        dishub_row(),
        ["Parkir Liar!", "\n".join(DISHUB_QUESTIONS), "a", "b", "https://x.go.id", "2026-11-01"],
        dishub_row(
            DISHUB_QUESTIONS[:1]
            + ["jadwal bus di terminal", "terminal bus kota dimana", "beli tiket bus di terminal"],
            topic="dishub_terminal",
        ),
        [
            "dishub_uji_kir",
            "\n".join(q + " kir" for q in DISHUB_QUESTIONS),
            "jawab",
            long_sms,
            "",
            "2027-02-30",
        ],
        [
            "dishub_sms_kutip",
            "\n".join(q + " sms" for q in DISHUB_QUESTIONS),
            "jawab",
            "Info \u201cresmi\u201d \U0001f600",
            "https://x.go.id",
            "2099-01-01",
        ],
    ]
    with pytest.raises(SheetError) as caught:
        import_sheet("dishub", write_sheet(tmp_path / "bad.csv", rows), agencies, today=TODAY)
    errors = "\n".join(caught.value.errors)
    assert "row 3: topic id 'Parkir Liar!' is not a valid id" in errors
    assert "row 4 (topic 'dishub_terminal'): 3 different questions, at least 20 needed" in errors
    assert (
        "row 4: question 'bagaimana cara daftar parkir berlangganan' is also a question of "
        "topic 'dishub_parkir_langganan' (row 2)" in errors
    )
    assert "row 5: reviewed date '2027-02-30' is not a valid date" in errors
    assert "row 5 (topic 'dishub_uji_kir'): SMS answer is 3 SMS segments" in errors
    assert "row 5 (topic 'dishub_uji_kir'): source is missing" in errors
    assert "row 6 (topic 'dishub_sms_kutip'): SMS answer has characters outside GSM-7" in errors
    assert "U+201C, use '\"'" in errors and "U+1F600" in errors
    assert "row 6: reviewed date 2099-01-01 is in the future" in errors
    assert not (agencies / "dishub").exists()


def test_missing_header_column(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("topik,pertanyaan,jawaban\npdam_a,b,c\n", encoding="utf-8")
    with pytest.raises(SheetError, match=r"3 problem|1 problem") as caught:
        parse_sheet(path)
    assert "row 1 (header) lacks column(s) sms_answer, source, reviewed" in caught.value.errors[0]


def test_indonesian_headers_semicolons_and_continuation_rows(tmp_path: Path) -> None:
    path = tmp_path / "id.csv"
    first, rest = DISHUB_QUESTIONS[:10], DISHUB_QUESTIONS[10:]
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        handle.write("Topik;Pertanyaan;Jawaban;Jawaban SMS;Sumber;Tanggal Tinjau\n")
        handle.write(
            'dishub_parkir;"'
            + "\n".join("- " + q for q in first)
            + '";Jawab;SMS;Perda 1/2020;01/11/2026\n'
        )
        handle.write('dishub_parkir;"' + "\n".join(rest) + '";;;;\n')
    (topic,) = parse_sheet(path, today=TODAY)
    assert topic.questions == DISHUB_QUESTIONS and topic.reviewed == "2026-11-01"
    assert topic.source == "Perda 1/2020"


def test_reimport_updates_topics_and_keeps_the_others(agencies: Path, tmp_path: Path) -> None:
    import_sheet("pdam_kota", SAMPLE, agencies, today=TODAY)
    responses = agencies / "pdam_kota" / "responses.yml"
    responses.write_text(
        responses.read_text().replace("\nresponses:", "\n# hand-written note\nresponses:")
    )
    changed = dishub_row(topic="pdam_tarif")
    import_sheet("pdam_kota", write_sheet(tmp_path / "u.csv", [changed]), agencies, today=TODAY)
    data = _load(responses)["responses"]
    assert data["utter_faq/pdam_tarif"][0]["text"] == changed[2]
    assert "utter_faq/pdam_pasang_baru" in data and len(data) == len(parse_sheet(SAMPLE))
    assert "# hand-written note" in responses.read_text()
    nlu = _load(agencies / "pdam_kota" / "nlu.yml")["nlu"]
    assert [b["intent"] for b in nlu].count("faq/pdam_tarif") == 1


def test_new_pack_scaffold_passes_lint_once_filled(agencies: Path, tmp_path: Path) -> None:
    new_pack("dishub", agencies)
    with pytest.raises(PackExists):
        new_pack("dishub", agencies)
    unfilled = [p for p in lint(["dishub"], agencies, run_rasa=False, today=TODAY) if p.blocking]
    messages = " | ".join(p.message for p in unfilled)
    assert "`name:` is empty" in messages and "the pack has no topics yet" in messages

    # Fill the placeholders by hand the way docs/packs.md says: uncomment and replace.
    fill_info(agencies, "dishub")
    nlu = agencies / "dishub" / "nlu.yml"
    examples = "".join(f"#     - {q}\n" for q in DISHUB_QUESTIONS)
    text = nlu.read_text().replace(
        "#     - bagaimana cara ...\n#     - syarat ... apa saja\n", examples
    )
    nlu.write_text(
        text.replace("# - intent: faq/contoh_topik", "  - intent: faq/dishub_parkir")
        .replace("#   examples: |", "    examples: |")
        .replace("#     - ", "      - ")
    )
    responses = agencies / "dishub" / "responses.yml"
    lines = responses.read_text().splitlines(keepends=True)
    body = "".join(
        line[2:]
        for line in lines
        if line.startswith("# ") and ("responses:" in line or line.startswith("#  "))
    )
    body = (
        body.replace("contoh_topik", "dishub_parkir")
        .replace("https://...", "https://contoh.go.id/dishub")
        .replace("YYYY-MM-DD", "2026-11-01")
    )
    responses.write_text("".join(lines) + body)
    problems = [
        p.render() for p in lint(["dishub"], agencies, run_rasa=False, today=TODAY) if p.blocking
    ]
    assert problems == []


def test_cli_import_and_lint_exit_codes(agencies: Path, tmp_path: Path, capsys) -> None:
    base = ["pack", "--agencies-dir", str(agencies)]
    assert main(base + ["new", "pdam_kota"]) == 0
    fill_info(agencies, "pdam_kota")
    assert main(base + ["import", "pdam_kota", str(SAMPLE)]) == 0
    assert "imported 6 topic(s)" in capsys.readouterr().out
    assert main(base + ["lint", "--no-rasa"]) == 0
    bad = write_sheet(tmp_path / "b.csv", [dishub_row(DISHUB_QUESTIONS[:3])])
    assert main(base + ["import", "pdam_kota", str(bad)]) == 1
    assert (
        "row 2 (topic 'dishub_parkir_langganan'): 3 different questions" in capsys.readouterr().err
    )
    nlu = agencies / "pdam_kota" / "nlu.yml"
    nlu.write_text(nlu.read_text().replace("- harga air pdam per kubik berapa\n", ""))
    capsys.readouterr()
    assert main(base + ["lint", "--no-rasa", "--pack", "pdam_kota"]) == 0  # 21 examples left
    nlu.write_text(
        nlu.read_text()
        .replace("- tarif pdam naik ya tahun ini\n", "")
        .replace("- tarif air minum sosial berapa\n", "")
    )
    assert main(base + ["lint", "--no-rasa", "--pack", "pdam_kota"]) == 1
    out = capsys.readouterr().out
    assert "nlu.yml:" in out and "topic 'pdam_tarif' has 19 examples" in out
