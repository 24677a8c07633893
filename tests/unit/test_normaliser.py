"""Normaliser: colloquial/SMS/regional Indonesian -> standard forms, domain whitelist first."""

from __future__ import annotations

from pathlib import Path

import pytest

from layani.nlu.normalise import (
    COLLOQUIAL_FILE,
    WHITELIST_FILE,
    LexiconError,
    Normaliser,
    default_normaliser,
    load_mapping,
    normalise_text,
)

# (written form, expected standard form). More than 100 hand-checked mappings.
MAPPINGS = [
    # pronouns and address
    ("sy", "saya"),
    ("sya", "saya"),
    ("aq", "saya"),
    ("gw", "saya"),
    ("gue", "saya"),
    ("ane", "saya"),
    ("aye", "saya"),
    ("abdi", "saya"),
    ("km", "kamu"),
    ("lu", "kamu"),
    ("ente", "kamu"),
    ("org", "orang"),
    ("ortu", "orang tua"),
    ("bpk", "bapak"),
    ("min", "admin"),
    ("mimin", "admin"),
    # negation / affirmation
    ("gak", "tidak"),
    ("ga", "tidak"),
    ("gk", "tidak"),
    ("nggak", "tidak"),
    ("ngga", "tidak"),
    ("enggak", "tidak"),
    ("ndak", "tidak"),
    ("tdk", "tidak"),
    ("kagak", "tidak"),
    ("ora", "tidak"),
    ("mboten", "tidak"),
    ("teu", "tidak"),
    ("bkn", "bukan"),
    ("blm", "belum"),
    ("belom", "belum"),
    ("durung", "belum"),
    ("jgn", "jangan"),
    ("gpp", "tidak apa apa"),
    ("iy", "ya"),
    ("iya", "ya"),
    ("y", "ya"),
    ("yoi", "ya"),
    ("nggih", "ya"),
    ("muhun", "ya"),
    ("ok", "oke"),
    ("okey", "oke"),
    ("sip", "oke"),
    # aspect / modality
    ("udh", "sudah"),
    ("udah", "sudah"),
    ("dah", "sudah"),
    ("sdh", "sudah"),
    ("wis", "sudah"),
    ("udeh", "sudah"),
    ("lg", "lagi"),
    ("mo", "mau"),
    ("mw", "mau"),
    ("pengen", "ingin"),
    ("pgn", "ingin"),
    ("hoyong", "ingin"),
    ("bs", "bisa"),
    ("bsa", "bisa"),
    ("hrs", "harus"),
    ("kudu", "harus"),
    ("blh", "boleh"),
    ("tau", "tahu"),
    ("ngerti", "mengerti"),
    # question words
    ("gmn", "bagaimana"),
    ("gimana", "bagaimana"),
    ("gmana", "bagaimana"),
    ("bgmn", "bagaimana"),
    ("piye", "bagaimana"),
    ("kumaha", "bagaimana"),
    ("gimane", "bagaimana"),
    ("dmn", "di mana"),
    ("dimana", "di mana"),
    ("knp", "kenapa"),
    ("brp", "berapa"),
    ("sabaraha", "berapa"),
    ("kpn", "kapan"),
    ("iraha", "kapan"),
    ("naon", "apa"),
    ("opo", "apa"),
    ("ape", "apa"),
    ("apaan", "apa"),
    # function words
    ("yg", "yang"),
    ("dgn", "dengan"),
    ("dr", "dari"),
    ("utk", "untuk"),
    ("krn", "karena"),
    ("tp", "tetapi"),
    ("trs", "terus"),
    ("jd", "jadi"),
    ("klo", "kalau"),
    ("kalo", "kalau"),
    ("aja", "saja"),
    ("aj", "saja"),
    ("doang", "saja"),
    ("cm", "hanya"),
    ("jg", "juga"),
    ("ato", "atau"),
    ("emg", "memang"),
    ("kyk", "seperti"),
    ("bgt", "sekali"),
    ("banget", "sekali"),
    ("bnyk", "banyak"),
    ("msh", "masih"),
    ("sampe", "sampai"),
    ("abis", "habis"),
    # time
    ("skrg", "sekarang"),
    ("kmrn", "kemarin"),
    ("kemaren", "kemarin"),
    ("bsk", "besok"),
    ("ntar", "nanti"),
    ("td", "tadi"),
    ("tgl", "tanggal"),
    ("bln", "bulan"),
    ("thn", "tahun"),
    ("bentar", "sebentar"),
    # verbs
    ("bikin", "buat"),
    ("bkin", "buat"),
    ("gawe", "buat"),
    ("bikinin", "buatkan"),
    ("ngurus", "urus"),
    ("ilang", "hilang"),
    ("nyari", "cari"),
    ("nanya", "tanya"),
    ("ngomong", "bicara"),
    ("dapet", "dapat"),
    ("liat", "lihat"),
    ("dftr", "daftar"),
    ("ngadu", "mengadu"),
    ("tlg", "tolong"),
    ("bantuin", "bantu"),
    ("pake", "pakai"),
    ("benerin", "perbaiki"),
    ("batalin", "batalkan"),
    ("ngajuin", "ajukan"),
    ("sambungin", "sambungkan"),
    ("perpanjangin", "perpanjang"),
    # nouns and adjectives
    ("rmh", "rumah"),
    ("jln", "jalan"),
    ("nmr", "nomor"),
    ("nomer", "nomor"),
    ("almt", "alamat"),
    ("syrt", "syarat"),
    ("srt", "surat"),
    ("gede", "besar"),
    ("bolong", "berlubang"),
    ("mampet", "tersumbat"),
    ("lemot", "lambat"),
    ("ribet", "rumit"),
    ("gampang", "mudah"),
    ("bener", "benar"),
    ("cepet", "cepat"),
    # greetings, thanks, apology
    ("slmt", "selamat"),
    ("pgi", "pagi"),
    ("mlm", "malam"),
    ("hallo", "halo"),
    ("aslm", "assalamualaikum"),
    ("makasih", "terima kasih"),
    ("mksh", "terima kasih"),
    ("trims", "terima kasih"),
    ("thx", "terima kasih"),
    ("nuhun", "terima kasih"),
    ("maturnuwun", "terima kasih"),
    ("maap", "maaf"),
    ("sorry", "maaf"),
    ("punten", "permisi"),
    # English code-mixing
    ("please", "tolong"),
    ("pls", "tolong"),
    ("cancel", "batal"),
    ("apply", "ajukan"),
    ("komplain", "keluhan"),
    ("help", "bantuan"),
]

WHITELIST = [
    ("kk", "kk"),  # Kartu Keluarga, not "kakak"
    ("KK", "kk"),
    ("kel", "kelurahan"),  # not "keluarga"
    ("kec", "kecamatan"),
    ("kab", "kabupaten"),
    ("ktp", "ktp"),
    ("e-ktp", "ktp"),
    ("ektp", "ktp"),
    ("sim", "sim"),
    ("bpjs", "bpjs"),
    ("skck", "skck"),
    ("akte", "akte"),
    ("akta", "akta"),
    ("kia", "kia"),
    ("nik", "nik"),
    ("npwp", "npwp"),
    ("stnk", "stnk"),
    ("kis", "kis"),
    ("kip", "kip"),
    ("nib", "nib"),
    ("smp", "smp"),
    ("rt", "rt"),
    ("rw", "rw"),
]


@pytest.fixture(scope="module")
def normaliser() -> Normaliser:
    return default_normaliser()


def test_table_has_at_least_100_mappings() -> None:
    assert len(MAPPINGS) >= 100
    assert len({written for written, _ in MAPPINGS}) == len(MAPPINGS)


@pytest.mark.parametrize("written,standard", MAPPINGS)
def test_colloquial_mapping(normaliser: Normaliser, written: str, standard: str) -> None:
    assert normaliser.normalise_token(written) == standard


@pytest.mark.parametrize("written,standard", WHITELIST)
def test_domain_whitelist(normaliser: Normaliser, written: str, standard: str) -> None:
    assert normaliser.normalise_token(written) == standard


def test_whitelist_wins_over_general_lexicon() -> None:
    """A general slang entry for kk ("kakak") must not win over the domain meaning."""
    n = Normaliser(
        lexicon={"kk": "kakak", "kel": "keluarga"},
        whitelist={"kk": "kk", "kel": "kelurahan"},
        vocabulary=(),
    )
    assert n.normalise_token("kk") == "kk"
    assert n.normalise_token("kel") == "kelurahan"


def test_shipped_whitelist_terms_are_not_rewritten_by_the_lexicon() -> None:
    lexicon, whitelist = load_mapping(COLLOQUIAL_FILE), load_mapping(WHITELIST_FILE)
    assert len(lexicon) >= 100
    n = Normaliser(lexicon=lexicon, whitelist=whitelist, vocabulary=())
    for term, canonical in whitelist.items():
        assert n.normalise_token(term) == canonical


@pytest.mark.parametrize(
    "written,standard",
    [
        ("Sy", "saya"),
        ("GMN", "bagaimana"),
        ("Gak!", "tidak"),
        ("udh,", "sudah"),
        ("gmn??", "bagaimana"),
        ("(kk)", "kk"),
        ("KTP.", "ktp"),
        ('"bikin"', "buat"),
        ("Kel.", "kelurahan"),
    ],
)
def test_case_and_punctuation(normaliser: Normaliser, written: str, standard: str) -> None:
    assert normaliser.normalise_token(written) == standard


@pytest.mark.parametrize(
    "written,standard",
    [
        ("tolooong", "tolong"),
        ("tolongggg", "tolong"),
        ("haloooo", "halo"),
        ("makasiiih", "terima kasih"),
        ("maaaaf", "maaf"),
        ("gmnnn", "bagaimana"),
        ("pagiii", "pagi"),
        ("siaaap", "siap"),
        ("bangettt", "sekali"),
        ("iyaaa", "ya"),
        ("skckkk", "skck"),
    ],
)
def test_repeated_letters(normaliser: Normaliser, written: str, standard: str) -> None:
    assert normaliser.normalise_token(written) == standard


def test_double_letters_of_real_words_are_kept(normaliser: Normaliser) -> None:
    assert normaliser.normalise_token("maaf") == "maaf"
    assert normaliser.normalise_token("saat") == "saat"


@pytest.mark.parametrize(
    "written,standard",
    [
        ("syarat2", "syarat syarat"),
        ("anak2", "anak anak"),
        ("-nya", "nya"),
        ("anak-anak", "anak-anak"),
    ],
)
def test_reduplication_and_clitics(normaliser: Normaliser, written: str, standard: str) -> None:
    assert normaliser.normalise_token(written) == standard


@pytest.mark.parametrize(
    "token",
    ["ADU-7K3M-Q9PX", "pmh-2b9x-k4rt", "0812-3456-7890", "12/01/2025", "3", "warga@contoh.id"],
)
def test_protected_shapes_are_kept(normaliser: Normaliser, token: str) -> None:
    assert normaliser.normalise_token(token) == token.lower()


def test_standard_words_pass_through(normaliser: Normaliser) -> None:
    for word in ["saya", "bagaimana", "persyaratan", "kelurahan", "sertifikat", "cibeunying"]:
        assert normaliser.normalise_token(word) == word


def test_whole_messages() -> None:
    assert normalise_text("ktp sy ilang hrs gmn") == "ktp saya hilang harus bagaimana"
    assert normalise_text("Syarat bikin SKCK apa aja?") == "syarat buat skck apa saja"
    assert normalise_text("kk sy di kel. Sukajadi kec. Coblong") == (
        "kk saya di kelurahan sukajadi kecamatan coblong"
    )
    assert normalise_text("udh 2 bln gak ada kabar, tolooong") == (
        "sudah 2 bulan tidak ada kabar tolong"
    )


def test_malformed_lexicon_line_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("# comment\nsy = saya\ngmn bagaimana\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="bad.txt:3"):
        load_mapping(bad)


def test_duplicate_lexicon_term_is_an_error(tmp_path: Path) -> None:
    dup = tmp_path / "dup.txt"
    dup.write_text("sy = saya\nSY = saya\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="duplicate"):
        load_mapping(dup)


@pytest.mark.parametrize(
    "written,standard",
    [
        ("carane", "caranya"),  # Javanese -ne after a vowel
        ("bayare", "bayarnya"),  # Javanese -e after a consonant
        ("dendane", "dendanya"),
        ("laire", "lahirnya"),  # the stem is regional too (lair = lahir)
        ("omahku", "rumahku"),
        ("imahna", "rumahnya"),  # Sundanese -na
        ("daftarkeun", "daftarkan"),  # Sundanese -keun
        ("ktp-ne", "ktpnya"),  # a hyphen marks a short stem
    ],
)
def test_regional_suffixes_on_known_stems(
    normaliser: Normaliser, written: str, standard: str
) -> None:
    assert normaliser.normalise_token(written) == standard


def test_regional_suffix_rule_leaves_indonesian_and_unknown_words() -> None:
    normaliser = default_normaliser()
    # Indonesian words that end like a regional suffix, and unknown words whose "stem" is a
    # short domain abbreviation ("kece" is not kec(amatan) + -e).
    for word in ["bagaimana", "sate", "guna", "warna", "ibumu", "kece", "online", "hape"]:
        assert normaliser.normalise_token(word) == word


def test_regional_messages_reach_standard_indonesian() -> None:
    assert normalise_text("Pajek bumi omahku durung dibayar, dendane piro?") == (
        "pajak bumi rumahku belum dibayar dendanya berapa"
    )
    assert normalise_text("hoyong ngaganti pagawean di KTP") == "ingin ganti pekerjaan di ktp"
    assert normalise_text("abdi hoyong misah KK ti kolot") == ("saya ingin pisah kk dari orang tua")
    assert normalise_text("how to renew my lost card") == "bagaimana to perpanjang my hilang kartu"


def test_emphasis_is_collapsed_as_before_and_a_flood_of_runs_gets_single_letters() -> None:
    # Up to MAX_EMPHASIS_RUNS runs every spelling is tried; a word with more is no real word
    # (trying every spelling cost 2^runs: "aaabbbccc..." with 20 runs took seconds).
    assert normalise_text("tolooong maaaaf siaaap makasiiih") == "tolong maaf siap terima kasih"
    assert normalise_text("!!tolooong!! ada kebakaraaaan") == "tolong ada kebakaran"
    assert normalise_text("aaabbbcccdddeeefffggg") == "abcdefg"
