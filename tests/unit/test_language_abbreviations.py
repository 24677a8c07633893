"""SMS abbreviations are expanded by consonant skeleton, and only when the match is sure."""

from __future__ import annotations

import time

from layani.language.abbreviations import (
    AbbreviationIndex,
    is_subsequence,
    looks_abbreviated,
    skeleton,
)

COUNTS = {
    "petugas": 65,
    "pengaduan": 40,
    "status": 30,
    "sekarang": 20,
    "bantuan": 25,
    "menu": 8,
    "mana": 187,
    "akta": 66,
    "akte": 48,
    "kota": 15,
    "alamat": 12,
    "rusak": 30,
    "risiko": 1,
}


def index() -> AbbreviationIndex:
    return AbbreviationIndex(COUNTS)


def test_vowel_dropped_forms_become_the_known_word():
    idx = index()
    assert idx.expand("ptgs") == "petugas"
    assert idx.expand("pngdn") == "pengaduan"
    assert idx.expand("sttus") == "status"
    assert idx.expand("bntn") == "bantuan"
    assert idx.expand("almt") == "alamat"  # a word that starts with a vowel keeps it


def test_one_dropped_consonant_is_allowed_but_not_the_first_letter():
    idx = index()
    assert idx.expand("skrg") == "sekarang"
    assert idx.expand("krg") is None  # "sekarang" without its first letter is not an abbreviation


def test_letters_must_appear_in_order_so_frequent_lookalikes_do_not_win():
    # "mana" is far more frequent and shares the skeleton "mn", but has no "u".
    assert index().expand("mnu") == "menu"


def test_a_clear_majority_wins_an_ambiguous_skeleton_stays():
    idx = index()
    assert idx.expand("rsk") == "rusak"  # 30 against 1
    assert idx.expand("akt") is None  # akta 66 against akte 48: not sure enough


def test_shapes_that_are_not_abbreviations_are_left_alone():
    idx = index()
    assert idx.expand("ok") is None  # too short
    assert idx.expand("a1b2") is None  # not letters
    assert idx.expand("petugas") is None  # not shorter than the word
    assert idx.expand("xyzq") is None  # no word with that skeleton
    assert idx.expand("p" * 5000) is None  # too long to be an abbreviation


def test_helpers():
    assert skeleton("pengaduan") == "pngdn"
    assert is_subsequence("ptgs", "petugas")
    assert not is_subsequence("mnu", "mana")


def test_work_per_token_does_not_grow_with_the_vocabulary_scan():
    big = {f"kata{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}{i}": 1 for i in range(50_000)}
    idx = AbbreviationIndex({**big, **COUNTS})
    started = time.perf_counter()
    for _ in range(2_000):
        idx.expand("ptgs")
        idx.expand("zzzzzzzzzzzz")
    # A scan of 50,000 words per token would take seconds; the skeleton lookup takes ms.
    assert time.perf_counter() - started < 1.0


def test_unknown_words_that_read_as_indonesian_are_not_rewritten():
    # "lahan" (land) is not "lahiran" (birth), "pesen" (to order) is not "persen": a
    # pronounceable token the training data never used is a word, not an abbreviation.
    idx = AbbreviationIndex({**COUNTS, "lahiran": 9, "persen": 5, "berjamur": 3})
    assert idx.expand("lahan") is None
    assert idx.expand("pesen") is None
    assert idx.expand("berjam") is None
    # ... while the vowel-dropped forms of the same words are still expanded.
    assert idx.expand("lhrn") == "lahiran"
    assert idx.expand("prsn") == "persen"


def test_abbreviated_shapes_are_recognised_by_their_consonant_runs():
    for token in ("ptgs", "mnu", "lpr", "skrg", "sttus", "lyanan", "kelurahn", "cekny"):
        assert looks_abbreviated(token), token
    for token in ("lahan", "pesen", "ding", "persia", "dilempar", "produk", "sampah", "tong"):
        assert not looks_abbreviated(token), token
