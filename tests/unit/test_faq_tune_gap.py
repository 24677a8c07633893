"""The gap-tuning report counts what the FAQ action would do, from synthetic predictions."""

from __future__ import annotations

from actions.faq.tune_gap import Prediction, heldout_messages, report


def test_report_counts_clarifications_and_direct_accuracy(capsys) -> None:
    predictions = [
        Prediction("polri", "skck", "sms", "x", "faq", [("skck", 0.9), ("sim_baru", 0.05)]),
        Prediction(
            "polri", "sim_baru", "formal", "y", "faq", [("sim_perpanjang", 0.5), ("sim_baru", 0.45)]
        ),
        Prediction(
            "polri", "sim_baru", "regional", "z", "nlu_fallback", [("sim_baru", 0.4), ("skck", 0.3)]
        ),
    ]
    report(predictions)
    out = capsys.readouterr().out
    assert "all             1/3    0.333" in out
    assert "sim_baru -> sim_perpanjang" in out and "sim_baru -> nlu_fallback" in out
    # gap 0.1: the 0.05-apart pair is clarified (right topic offered), skck answered directly.
    assert "0.1         1                    1       1  1.000" in out


def test_heldout_messages_carry_agency_topic_and_register() -> None:
    rows = heldout_messages(["polri"])
    assert {r[0] for r in rows} == {"polri"}
    assert {r[1] for r in rows} == {"skck", "sim_baru", "sim_perpanjang"}
    assert {r[2] for r in rows} == {"formal", "colloquial", "sms", "regional"}
