"""The language layer (layani/language): one normaliser and one set of word lists for the NLU
and the action server, so both read a citizen's message the same way (issue 16, item 3)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from actions.complaints import form, status
from actions.complaints.text import tokens
from actions.emergency import reports_emergency
from layani.language.normalise import normalise_text
from layani.language.replies import asks_question, is_no, is_yes
from layani.language.vocabulary import DATA_DIR, UnknownWordList, word_set, word_tuple
from layani.nlu.topic_evidence import is_question

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("layani", "actions", "channels", "console")
_WORD = re.compile(r"^[a-z][a-z' -]*$")
MIN_WORDS = 5
# Literals of >= 5 lower-case words that are not Indonesian language knowledge: formats the
# validators parse (the issue keeps them in code), and identifiers (config keys, channel names,
# CSV columns, status ids, entity names, weekday keys of a config format).
ALLOWED = {
    ("layani/validators/dates.py", "month and weekday names the date validator parses"),
    ("layani/lock_store.py", "Redis connection option names"),
    ("layani/policies/handoff_config.py", "weekday keys of handoff.yml office hours"),
    ("layani/policies/handoff.py", "intent names after which the emergency net answers"),
    ("actions/complaints/classifier.py", "keys of the evaluation report"),
    ("actions/complaints/location.py", "region kind ids -> display labels"),
    ("actions/applications/services.py", "service catalogue keywords (catalogue data)"),
    ("actions/applications/corrections.py", "entity names -> form field ids"),
    ("actions/csat.py", "ratings helper's module, to be wired to the language layer later"),
    ("channels/limits.py", "channel names"),
    ("channels/socketio.py", "message field names"),
    ("channels/gateway/twilio_webhook.py", "message field names"),
    ("channels/envelope.py", "message field names"),
    ("channels/gateway/forwarding.py", "log field names"),
    ("channels/layer/outbound.py", "log field names"),
    ("console/views_public.py", "ticket status ids -> labels"),
    ("console/views_figures.py", "CSV column names of the open data export"),
}
ALLOWED_FILES = {path for path, _why in ALLOWED}


def word_list_literals(path: Path) -> list[tuple[int, list[str]]]:
    """Set/list/tuple literals and dict keys holding >= MIN_WORDS lower-case words."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.Set, ast.List, ast.Tuple)):
            elements = node.elts
        elif isinstance(node, ast.Dict):
            elements = [key for key in node.keys if key is not None]
        else:
            continue
        words = [
            e.value
            for e in elements
            if isinstance(e, ast.Constant) and isinstance(e.value, str) and _WORD.match(e.value)
        ]
        if len(words) >= MIN_WORDS:
            found.append((node.lineno, words))
    return found


def test_the_scan_finds_a_word_list_literal(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('_YES = {"ya", "iya", "oke", "betul", "benar"}\nX = ("a", 1)\n')
    assert [line for line, _words in word_list_literals(sample)] == [1]


def test_no_indonesian_word_list_outside_the_language_layer():
    offenders = []
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative.startswith("layani/language/") or relative in ALLOWED_FILES:
                continue
            for line, words in word_list_literals(path):
                offenders.append(f"{relative}:{line} {words[:5]}")
    assert offenders == [], "move these word lists to layani/language/data/: " + "; ".join(
        offenders
    )


def test_every_data_file_names_its_source_and_licence():
    for path in sorted(DATA_DIR.glob("*.txt")):
        header = "\n".join(
            line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#")
        ).lower()
        assert "source" in header and "licence" in header, path.name


def test_unknown_list_is_an_error_not_an_empty_set():
    with pytest.raises(UnknownWordList):
        word_tuple("no_such_list")


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("ktp sy ilang hrs gmn", "ktp saya hilang harus bagaimana"),
        ("jln dpn rmh rusak bgt", "jalan depan rumah rusak sekali"),
        ("udh bayar tp blm ada kabar", "sudah bayar tetapi belum ada kabar"),
        ("tolooong", "tolong"),
        ("kk sy hilang", "kk saya hilang"),  # Kartu Keluarga, not "kakak"
    ],
)
def test_normalise_citizen_phrasing(message, expected):
    assert normalise_text(message) == expected


@pytest.mark.parametrize(
    "message",
    [
        "jalan dpn rumah sy bolong bgt tp blm dibenerin",
        "lampu jln mati udh 2 mgg",
        "sampah numpuk dkt pasar krn gak diangkut",
        "gw mau lapor, saluran mampet bgt",
    ],
)
def test_nlu_and_actions_read_slang_the_same_way(message):
    """The complaint classifier's words are the NLU's words (the two tables used to disagree:
    bgt -> banget vs sekali, tp -> tapi vs tetapi)."""
    assert tokens(message) == normalise_text(message).replace(",", "").split()


@pytest.mark.parametrize(
    ("reply", "vocabulary"),
    [
        ("oke sip", "yes"),
        ("iya bener", "yes"),
        ("y", "yes"),
        ("ok", "yes"),
        ("bukan itu", "no"),
        ("gak", "no"),
        ("ga jadi", "cancel"),
        ("gak usah", "cancel"),
        ("ga ada", "skip"),
        ("skip", "skip"),
    ],
)
def test_form_replies_land_in_the_right_vocabulary(reply, vocabulary):
    sets = {"yes": form._YES, "no": form._NO, "cancel": form._CANCEL, "skip": form._SKIP}
    answer = form.norm(reply)
    assert answer in sets[vocabulary] or reply in sets[vocabulary]
    for other, words in sets.items():
        if other != vocabulary and {vocabulary, other} != {"no", "skip"}:
            assert answer not in words, f"{reply!r} also reads as {other}"


def test_yes_and_no_never_overlap():
    assert not word_set("reply_yes") & word_set("reply_no")
    assert not form._YES & form._NO
    assert not form._YES & form._CANCEL


@pytest.mark.parametrize(
    ("message", "asks"),
    [
        ("syaratnya apa", True),
        ("bikin ktp di mana ya", True),
        ("biaya skck berapa", True),
        ("bisa bayar pbb online gak", True),
        ("kapan kantor dukcapil buka?", True),
        ("mau bikin surat domisili", False),
        ("jalan depan rumah rusak", False),
    ],
)
def test_question_detection_on_citizen_phrasing(message, asks):
    words = normalise_text(message).split()
    assert is_question(message, words) is asks


def test_status_words_accept_colloquial_mine():
    assert "saya" in status._MINE_WORDS
    assert set(tokens("laporan sy")) & status._COMPLAINT_WORDS


@pytest.mark.parametrize(
    ("message", "emergency"),
    [("rumah tetangga kobong", True), ("ada yg pingsan di jln", True), ("ktp sy hilang", False)],
)
def test_emergency_terms_come_from_the_data_file(message, emergency):
    assert reports_emergency(message) is emergency


@pytest.mark.parametrize(
    ("reply", "yes", "no"),
    [
        ("ya, sudah benar", True, False),
        ("iyah", True, False),
        ("oke sip", True, False),
        ("gk, nama salah", False, True),
        ("tdk", False, True),
        ("bukan itu", False, True),
        ("nama saya Budi", False, False),
    ],
)
def test_both_forms_share_one_yes_no_reading(reply, yes, no):
    assert is_yes(reply) is yes
    assert is_no(reply) is no


@pytest.mark.parametrize(
    ("reply", "asks"),
    [
        ("syarat ktp hilang apa aja", True),
        ("gmn cara daftarnya", True),
        ("brp biayanya", True),
        ("dmn kantornya", True),
        ("jl. melati no 5 rt 03", False),
        ("Siti Aminah", False),
        ("30/11/2026", False),
    ],
)
def test_one_question_test_inside_forms(reply, asks):
    assert asks_question(reply) is asks
    assert form.is_question(reply) is asks
