"""Foundation contracts: catalogue copy, importer view of packs, ids, masking, GSM-7."""

from __future__ import annotations

import pytest

from layani import packs
from layani.catalogue import load_catalogue
from layani.gsm7 import is_gsm7, segment_count
from layani.identity import owner_key
from layani.paths import CATALOGUE_FILE, ROOT
from layani.pii import mask_text
from storage.ids import find_ticket_id, new_ticket_id

SHARED_CATALOGUE = ROOT.parent / "shared" / "spec" / "topics.yml"


@pytest.mark.skipif(not SHARED_CATALOGUE.exists(), reason="../shared not beside this checkout")
def test_catalogue_copy_matches_shared_contract():
    assert CATALOGUE_FILE.read_text() == SHARED_CATALOGUE.read_text()


def test_catalogue_has_the_contract_ids():
    cat = load_catalogue()
    assert len(cat.faq) == 40 and "skck" in cat.faq
    assert cat.complaint_route("jalan_rusak") == "dinas_pupr"
    assert "request_human" in cat.core_intents


def test_enabled_packs_follow_configuration(tmp_path):
    for name in ("dukcapil", "polri", "pdam"):
        (tmp_path / name).mkdir()
    assert packs.enabled_packs(tmp_path, "all") == ["dukcapil", "pdam", "polri"]
    assert packs.enabled_packs(tmp_path, "polri, dukcapil") == ["dukcapil", "polri"]
    with pytest.raises(ValueError, match="unknown agency packs: imigrasi"):
        packs.enabled_packs(tmp_path, "imigrasi")


def test_ticket_ids_are_random_and_parse_as_people_type_them():
    ids = {new_ticket_id("ADU") for _ in range(2000)}
    assert len(ids) == 2000
    assert all(len(i) == 13 and i.startswith("ADU-") for i in ids)
    assert find_ticket_id("cek status adu-7k3m-q9px dong") == "ADU-7K3M-Q9PX"
    assert find_ticket_id("status PMH 2B9X K4RT") == "PMH-2B9X-K4RT"
    assert find_ticket_id("ADU-7K3O-Q9PX") == "ADU-7K30-Q9PX"  # O typed for zero
    assert find_ticket_id("laporan saya kemarin gimana?") is None


def test_personal_numbers_are_masked_in_free_text():
    text = (
        "NIK saya 3273014507900001, KK 3273 0112 0000 0042, hp 0812-3456-7890 atau +6281234567890"
    )
    masked = mask_text(text)
    assert "3273014507900001" not in masked and "************0001" in masked
    assert "0042" in masked and "0112" not in masked
    assert "3456" not in masked and "+6281234567890" not in masked


def test_sms_and_whatsapp_from_one_phone_are_one_owner():
    assert owner_key("whatsapp:+6281234567890", "twilio") == owner_key("+6281234567890", "twilio")
    assert owner_key("12345", "telegram") != owner_key("12345", "socketio")


@pytest.mark.parametrize(
    "text,segments",
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),
        ("€" * 81, 2),
        ("Jum’at", 1),
        ("’" + "a" * 70, 2),
        ("", 0),
    ],
)
def test_sms_segments(text, segments):
    assert segment_count(text) == segments


def test_curly_quote_forces_ucs2():
    assert is_gsm7("Syarat: KTP-el, KK (asli). Biaya Rp0 @kantor")
    assert not is_gsm7("Jum’at")
