"""Every SMS the bot can send is GSM-7 and at most 3 segments, and our segment counter agrees
with Twilio's own calculator (npm `sms-segments-calculator`) on all of them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from layani import sms
from layani.gsm7 import is_gsm7, segment_count

ROOT = Path(__file__).resolve().parents[2]
ORACLE_DIR = ROOT / "tests" / ".artifacts" / "sms-oracle"
ORACLE_JS = """
const {SegmentedMessage} = require("sms-segments-calculator");
let input = ""; process.stdin.on("data", d => input += d);
process.stdin.on("end", () => {
  const out = JSON.parse(input).map(t => {
    const m = new SegmentedMessage(t, "auto");
    return [m.segmentsCount, m.encodingName];
  });
  process.stdout.write(JSON.stringify(out));
});
"""


@pytest.fixture(scope="session")
def oracle():
    """Twilio's segment calculator, installed with npm into tests/.artifacts (git-ignored)."""
    npm, node = shutil.which("npm"), shutil.which("node")
    if not npm or not node:
        pytest.skip("npm/node not available: cannot compare with Twilio's sms-segments-calculator")
    module = ORACLE_DIR / "node_modules" / "sms-segments-calculator"
    if not module.exists():
        ORACLE_DIR.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [
                npm,
                "install",
                "--no-audit",
                "--no-fund",
                "--silent",
                "--prefix",
                str(ORACLE_DIR),
                "sms-segments-calculator@1",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0 or not module.exists():
            pytest.skip(f"npm could not install sms-segments-calculator: {result.stderr[-500:]}")
    script = ORACLE_DIR / "count.js"
    script.write_text(ORACLE_JS)

    def count(texts: list[str]) -> list[list]:
        result = subprocess.run(
            [node, str(script)],
            input=json.dumps(texts),
            capture_output=True,
            text=True,
            cwd=ORACLE_DIR,
            timeout=120,
            check=True,
        )
        return json.loads(result.stdout)

    return count


def _fill(text: str) -> str:
    """Replace `{slot}` placeholders with long realistic values (worst case for length)."""
    return re.sub(r"\{[a-z_0-9]+\}", "Kelurahan Sukamaju Kecamatan Cibeunying ADU-7K3M-Q9XR", text)


def domain_sms_messages() -> dict[str, sms.Rendered]:
    """What the SMS channel would send for every response in the domain (all agency packs)."""
    import yaml

    from layani.importer import domain_files

    rendered: dict[str, sms.Rendered] = {}
    for path in domain_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variants in (data.get("responses") or {}).items():
            sms_variants = [v for v in variants if v.get("channel") == "sms"]
            chosen = sms_variants or [v for v in variants if not v.get("channel")]
            for i, variant in enumerate(chosen):
                text = _fill(variant.get("text") or "")
                rendered[f"{name}[{i}]"] = sms.render([text], variant.get("buttons") or [])
    return rendered


def channel_layer_messages() -> dict[str, sms.Rendered]:
    from channels import messages

    return {
        name: sms.render([value])
        for name, value in vars(messages).items()
        if name.isupper() and isinstance(value, str)
    }


STRESS = [
    "Jum’at “libur” – kantor tutup… 🙏😊",
    "a" * 159 + "€",
    "a" * 152 + "{",
    "Biaya: Rp0 (gratis) — waspada pungli! " * 20,
    "ç á í ó ú â ã\u00a0ok",
    "x" * 1000,
]


def all_sms() -> dict[str, sms.Rendered]:
    out = domain_sms_messages()
    out.update(channel_layer_messages())
    for i, text in enumerate(STRESS):
        out[f"stress[{i}]"] = sms.render(
            [text], [{"title": "Tanya layanan “KTP”", "payload": "/x"}]
        )
    return out


def test_domain_has_responses_to_check():
    assert len(domain_sms_messages()) >= 10


def test_every_sms_is_gsm7_and_at_most_three_segments():
    problems = []
    for name, rendered in all_sms().items():
        for page in rendered.pages:
            if not is_gsm7(page) or segment_count(page) > sms.MAX_SEGMENTS:
                problems.append((name, segment_count(page), page[:80]))
    assert not problems, problems


def test_a_menu_is_one_sms_with_every_choice():
    buttons = [
        {"title": t, "payload": f"/p{i}"}
        for i, t in enumerate(
            [
                "Tanya layanan",
                "Buat laporan",
                "Cek status",
                "Ajukan permohonan",
                "Bicara dengan petugas",
            ],
            1,
        )
    ]
    rendered = sms.render(["Apa yang ingin Anda lakukan?"], buttons)
    assert len(rendered.pages) == 1
    for i, b in enumerate(buttons, 1):
        assert f"Balas {i} untuk {b['title']}" in rendered.pages[0]
    assert rendered.menu == {str(i): b["payload"] for i, b in enumerate(buttons, 1)}


def test_counter_agrees_with_twilio_calculator(oracle):
    texts = [page for r in all_sms().values() for page in r.pages]
    texts += STRESS + ["", "halo", "a" * 160, "a" * 161, "€" * 80, "€" * 81, "😀" * 35, "😀" * 36]
    texts = [t for t in texts if t]
    expected = oracle(texts)
    mismatches = [
        (t[:60], segment_count(t), want)
        for t, (want, _enc) in zip(texts, expected, strict=True)
        if segment_count(t) != want
    ]
    assert not mismatches, mismatches
    encodings = {enc for t, (_n, enc) in zip(texts, expected, strict=True) if is_gsm7(t)}
    assert encodings <= {"GSM-7"}


def test_long_text_is_paged_with_lanjut():
    text = " ".join(
        f"Langkah {i}: siapkan dokumen yang diperlukan dan datang ke kantor." for i in range(40)
    )
    rendered = sms.render([text])
    assert len(rendered.pages) >= 3
    for page in rendered.pages[:-1]:
        assert page.endswith(sms.MORE_SUFFIX)
    # Nothing is lost: the pages hold every word of the original text.
    joined = " ".join(p.replace(sms.MORE_SUFFIX, "") for p in rendered.pages)
    assert joined.split() == text.split()
