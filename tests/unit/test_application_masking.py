"""What application answers look like in logs and echoes (layani.pii, as used by applications)."""

from __future__ import annotations

import logging

from layani.pii import install_log_masking, mask_text


def test_identity_numbers_as_citizens_type_them_are_masked():
    text = (
        "NIK 3273010101900001, NIK ibu 3273 0141 0190 0001, KK 3273-0112-0315-0007, "
        "hp 0812 3456 7890 / +62 857-1234-5678 / 6281234567890"
    )
    masked = mask_text(text)
    for secret in (
        "3273010101900001",
        "0190 0001",
        "0112-0315",
        "3456 7890",
        "1234-5678",
        "81234567890",
    ):
        assert secret not in masked
    assert "************0001" in masked


def test_a_mistyped_nik_is_masked_too_but_log_numbers_are_not():
    masked = mask_text("user said 327301010190001 and 32730101019000012")
    assert "327301010190001" not in masked and "3273010101900001" not in masked
    kept = "confidence 0.006865680294028 at 1732812345678 id 1700000000"
    assert mask_text(kept) == kept


def test_log_records_are_masked(caplog):
    install_log_masking()
    with caplog.at_level(logging.DEBUG, logger="rasa.core.processor"):
        logging.getLogger("rasa.core.processor").debug(
            "Received user message '%s' with events %s",
            "3273010101900001",
            "[SlotSet(key: applicant_phone, value: +6281234567890)]",
        )
    assert "3273010101900001" not in caplog.text
    assert "81234567890" not in caplog.text
    assert "************0001" in caplog.text
