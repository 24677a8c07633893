"""Short replies read by the forms and the fallback (layani/language/replies.py)."""

from __future__ import annotations

import pytest

from layani.language.replies import acknowledges, asks_for_help, is_no, is_yes, starts_with


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("lwti", "reply_skip"),
        ("btl", "reply_cancel"),
        ("krm skrg", "reply_yes"),
        ("tdk", "reply_no"),
    ],
)
def test_sms_abbreviations_of_list_words_count(text: str, name: str) -> None:
    """On SMS "lwti" used to be an unreadable photo answer instead of "lewati"."""
    assert starts_with(text, name)


@pytest.mark.parametrize("text", ["tapi", "lampu mati", "ltr"])
def test_real_words_are_not_stretched_into_list_words(text: str) -> None:
    assert not (is_yes(text) or is_no(text) or starts_with(text, "reply_skip"))


@pytest.mark.parametrize(
    "text", ["bantuan", "liat menu dulu", "aku harus nulis apa?", "bingung nulisnya", "mnu dl"]
)
def test_help_requests(text: str) -> None:
    assert asks_for_help(text)


@pytest.mark.parametrize(
    "text",
    [
        "bantuan sosial belum cair sejak Maret",
        "tolong jalan di depan rumah rusak parah sekali sejak minggu lalu",
        "lampu jalan mati",
        "saya sudah isi formulir tapi ditolak kenapa?",
        "keterangan domisili saya ditolak, kenapa?",
        "kenapa laporan yang saya tulis bulan lalu belum ditanggapi sama sekali oleh dinas?",
    ],
)
def test_answers_that_contain_a_help_word_are_answers(text: str) -> None:
    assert not asks_for_help(text)


@pytest.mark.parametrize(
    "text",
    [
        "Apa yang harus saya tuliskan?",
        "aye kudu ngetik apaan",
        "ceritanya harus panjang?",
        "Mohon penjelasan, apa yang dibutuhkan?",
    ],
)
def test_a_short_question_about_writing_asks_for_help(text: str) -> None:
    assert asks_for_help(text)


@pytest.mark.parametrize("text", ["eh iya", "oh ya boleh", "waduh, tidak"])
def test_an_opening_interjection_does_not_hide_the_answer(text: str) -> None:
    assert is_yes(text) or is_no(text)


@pytest.mark.parametrize("text", ["oh gitu, sip", "Baik, saya mengerti.", "ok pham", "gpp lanjut"])
def test_acknowledgements(text: str) -> None:
    assert acknowledges(text)


@pytest.mark.parametrize(
    "text", ["oh kenapa begitu?", "baik, saya mau lapor jalan rusak di depan rumah", "asdf"]
)
def test_questions_and_requests_are_not_acknowledgements(text: str) -> None:
    assert not acknowledges(text)
