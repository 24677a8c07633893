"""`layani pack lint`: each problem of issue 7 is caught and points at the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from pack_helpers import (
    DISHUB_QUESTIONS,
    TODAY,
    dishub_row,
    line_at,
    make_pack,
    sample_tree,
    write_sheet,
)

from tooling.packtool.lint import lint


def _lint(agencies: Path, names=None):
    return [p for p in lint(names, agencies, run_rasa=False, today=TODAY) if p.blocking]


@pytest.fixture()
def agencies(tmp_path: Path) -> Path:
    return sample_tree(tmp_path)


def test_sample_packs_are_clean(agencies: Path) -> None:
    assert [p.render() for p in _lint(agencies)] == []


def test_topic_with_too_few_examples(agencies: Path) -> None:
    nlu = agencies / "pdam_kota" / "nlu.yml"
    lines = nlu.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, text in enumerate(lines) if "intent: faq/pdam_tarif" in text)
    # keep the intent line, `examples: |` and the first 5 examples of pdam_tarif
    end = next(i for i in range(start + 1, len(lines)) if "- intent:" in lines[i])
    nlu.write_text("".join(lines[: start + 7] + lines[end:]), encoding="utf-8")

    problems = _lint(agencies)
    assert len(problems) == 1, [p.render() for p in problems]
    problem = problems[0]
    assert problem.path == nlu
    assert "intent: faq/pdam_tarif" in line_at(nlu, problem.line)
    assert "has 5 examples, at least 20" in problem.message
    assert "add 15 or more" in problem.fix


def test_example_duplicated_across_agencies(tmp_path: Path) -> None:
    agencies = tmp_path / "nlu_data" / "agencies"
    agencies.mkdir(parents=True)
    make_pack(
        agencies,
        "pdam_kota",
        Path(__file__).resolve().parents[2] / "examples/packs/sample_agency.csv",
    )
    # Same question as PDAM's, different case and punctuation: still the same example.
    questions = DISHUB_QUESTIONS[:-1] + ["Berapa tarif air PDAM per meter kubik"]
    make_pack(agencies, "dishub", write_sheet(tmp_path / "d.csv", [dishub_row(questions)]))

    problems = _lint(agencies)
    assert len(problems) == 1, [p.render() for p in problems]  # one problem per collision
    problem = problems[0]
    assert problem.path == agencies / "dishub" / "nlu.yml"
    assert "- Berapa tarif air PDAM per meter kubik" in line_at(problem.path, problem.line)
    # the message names the other place as file:line
    pdam_nlu = agencies / "pdam_kota" / "nlu.yml"
    pdam_line = next(
        i
        for i, t in enumerate(pdam_nlu.read_text().splitlines(), 1)
        if t.strip() == "- berapa tarif air PDAM per meter kubik?"
    )
    assert f"{pdam_nlu}:{pdam_line}" in problem.message
    assert "of topic 'pdam_tarif'" in problem.message and "is the same as" in problem.message
    assert "reword" in problem.fix

    # Linting only the PDAM pack reports it at PDAM's line, naming the Dishub place.
    only = _lint(agencies, ["pdam_kota"])
    assert [(p.path, p.line) for p in only] == [(pdam_nlu, pdam_line)]
    assert f"{problem.path}:{problem.line}" in only[0].message


def test_near_duplicate_across_topics(agencies: Path) -> None:
    nlu = agencies / "dishub" / "nlu.yml"
    text = nlu.read_text(encoding="utf-8")
    # the same words in another order as a pdam_cek_tagihan example
    nlu.write_text(
        text.replace(
            "- denda kalau tidak pasang stiker parkir", "- tagihan cek pdam pakai nomor pelanggan"
        ),
        encoding="utf-8",
    )
    problems = _lint(agencies)
    assert len(problems) == 1, [p.render() for p in problems]
    assert (
        "nearly the same as (similarity 1.00) 'cek tagihan pdam pakai nomor pelanggan'"
        in problems[0].message
    )


def test_sms_answer_over_two_segments(agencies: Path) -> None:
    responses = agencies / "pdam_kota" / "responses.yml"
    text = responses.read_text(encoding="utf-8")
    old = "Pindah meter PDAM: ajukan di kantor PDAM"
    assert old in text
    responses.write_text(
        text.replace(old, old + " (pelayanan buka setiap hari kerja)" * 3), encoding="utf-8"
    )

    problems = _lint(agencies)
    assert len(problems) == 1, [p.render() for p in problems]
    problem = problems[0]
    assert problem.path == responses
    assert "channel: sms" in line_at(responses, problem.line)
    assert (
        "`utter_faq/pdam_pindah_meter` (sms variant): SMS answer is 3 SMS segments"
        in problem.message
    )
    assert "at most 2 segments" in problem.fix


def test_sms_answer_outside_gsm7(agencies: Path) -> None:
    responses = agencies / "pdam_kota" / "responses.yml"
    text = responses.read_text(encoding="utf-8")
    responses.write_text(
        text.replace("Info: kantor atau situs PDAM.", "Info: kantor \u2013 situs PDAM."),
        encoding="utf-8",
    )
    messages = [p.message for p in _lint(agencies)]
    gsm = [m for m in messages if "outside GSM-7" in m]
    assert len(gsm) == 1 and "U+2013" in gsm[0] and "use '-'" in gsm[0], messages
    # one UCS-2 character makes the 2-segment answer cost 4 segments: reported too
    assert any("4 SMS segments" in m for m in messages), messages


def test_missing_source(agencies: Path) -> None:
    responses = agencies / "pdam_kota" / "responses.yml"
    lines = responses.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(
        i for i, t in enumerate(lines) if 'source: "https://contoh.go.id/pdam/balik-nama"' in t
    )
    lines[index] = lines[index].replace(' source: "https://contoh.go.id/pdam/balik-nama",', "")
    responses.write_text("".join(lines), encoding="utf-8")

    problems = _lint(agencies)
    assert len(problems) == 1, [p.render() for p in problems]
    problem = problems[0]
    assert problem.line == index + 1 and "metadata:" in line_at(responses, problem.line)
    assert "utter_faq/pdam_balik_nama" in problem.message and "source is missing" in problem.message
    assert "official URL or regulation" in problem.fix


def test_missing_sms_variant_metadata_and_bad_date(agencies: Path) -> None:
    responses = agencies / "pdam_kota" / "responses.yml"
    text = responses.read_text(encoding="utf-8")
    text = text.replace(
        'reviewed: "2026-11-28", topic: pdam_tarif}',
        'reviewed: "28-13-2026", topic: pdam_tarif}',
        1,
    )
    responses.write_text(text, encoding="utf-8")
    messages = [p.message for p in _lint(agencies)]
    assert any("reviewed date '28-13-2026' is not a valid date" in m for m in messages), messages


def test_rendered_problem_names_file_line_and_fix(agencies: Path) -> None:
    responses = agencies / "pdam_kota" / "responses.yml"
    responses.write_text(
        responses.read_text(encoding="utf-8").replace("channel: sms", "channel: telegram"),
        encoding="utf-8",
    )
    rendered = [p.render(agencies.parent.parent) for p in _lint(agencies)]
    assert rendered and rendered[0].startswith("nlu_data/agencies/pdam_kota/responses.yml:")
    assert "has no SMS variant. Fix: add a variant with `channel: sms`" in rendered[0]


def test_topic_claimed_by_two_packs(agencies: Path, tmp_path: Path) -> None:
    make_pack(
        agencies,
        "pdam_lain",
        write_sheet(
            tmp_path / "x.csv",
            [dishub_row([q + " di kota lain" for q in DISHUB_QUESTIONS], topic="pdam_tarif")],
        ),
    )
    messages = [p.message for p in _lint(agencies, ["pdam_lain"])]
    assert any("topic 'pdam_tarif' is also defined by pack 'pdam_kota'" in m for m in messages), (
        messages
    )


def test_unknown_pack_and_yaml_error(agencies: Path) -> None:
    assert "pack 'nope' does not exist" in _lint(agencies, ["nope"])[0].message
    nlu = agencies / "dishub" / "nlu.yml"
    nlu.write_text(nlu.read_text(encoding="utf-8") + "  - intent: [broken\n", encoding="utf-8")
    problems = _lint(agencies, ["dishub"])
    assert problems[0].path == nlu and "YAML syntax error" in problems[0].message


def test_follow_up_aspect_answers_are_checked_like_sms(agencies: Path) -> None:
    responses = agencies / "pdam_kota" / "responses.yml"
    meta = '{agency: pdam_kota, source: "https://contoh.go.id/pdam", reviewed: "2026-11-28"'
    responses.write_text(
        responses.read_text(encoding="utf-8")
        + "  utter_faq_aspect_pdam_tarif_biaya:\n"
        + '    - text: "Biaya \u201cbeban tetap\u201d ada di rekening."\n'
        + f"      metadata: {meta}, topic: pdam_tarif}}\n"
        + "  utter_faq_aspect_pdam_tarip_waktu:\n"
        + '    - text: "Tarif berlaku sejak ditetapkan kepala daerah."\n'
        + f"      metadata: {meta}, topic: pdam_tarip}}\n",
        encoding="utf-8",
    )
    problems = _lint(agencies)
    rendered = [p.render() for p in problems]
    assert len(problems) == 2, rendered
    gsm, orphan = problems
    assert "utter_faq_aspect_pdam_tarif_biaya" in line_at(responses, gsm.line - 1)
    assert "outside GSM-7" in gsm.message
    assert "topic 'pdam_tarip', which has no questions" in orphan.message


def test_project_packs_pass_lint() -> None:
    """Every pack in nlu_data/agencies/ meets the contract (data validation is `make validate`)."""
    from layani.paths import AGENCIES_DIR

    problems = [p.render() for p in lint(None, AGENCIES_DIR, run_rasa=False) if p.blocking]
    assert problems == []
