"""The launcher gives the Rasa server TensorFlow without oneDNN, unless the operator says otherwise.

Why: with oneDNN the Rasa server held about 165 MB more on AVX-512 hosts for the same answers
(docs/performance.md); the memory budget of issue 15 depends on this default in both profiles.
"""

from __future__ import annotations

import pytest

from layani.run import build_env


@pytest.mark.parametrize("profile", ["embedded", "production"])
def test_both_profiles_turn_onednn_off(profile):
    assert build_env(profile, {})["TF_ENABLE_ONEDNN_OPTS"] == "0"


def test_an_operators_own_value_wins():
    assert build_env("embedded", {"TF_ENABLE_ONEDNN_OPTS": "1"})["TF_ENABLE_ONEDNN_OPTS"] == "1"
