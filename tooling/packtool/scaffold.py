"""`layani pack new <agency>`: create a pack folder whose files explain themselves.

The files are valid, empty Rasa data (so an unfinished pack never breaks training of the rest of
the bot), with commented Indonesian placeholders for staff: uncomment, fill in, run
`layani pack lint`. An unfilled pack fails lint on purpose (empty fields, no topics).
"""

from __future__ import annotations

from pathlib import Path

from layani import packs
from layani.paths import AGENCIES_DIR
from tooling.packtool import rules


class PackExists(Exception):
    """The pack folder already has files; scaffolding never overwrites an agency's work."""


AGENCY_TEMPLATE = """\
# Informasi instansi untuk paket layanan "{agency}". Panduan: docs/packs.md
# Isi semua baris. Jangan mengarang nomor telepon: tulis null bila belum pasti.
agency:
  id: {agency}
  name: ""                  # nama resmi, mis. "Perumda Air Minum Tirta Kahuripan"
  contact:
    phone: null             # nomor resmi, mis. "(0251) 123456"
    email: null
    website: ""             # situs resmi, mis. "https://www.contoh.go.id"
  office_hours: ""          # mis. "Senin-Jumat 08.00-15.00 WIB"
  locations:
    - ""                    # nama kantor dan alamat; satu baris per kantor
  complaint_categories: []  # kategori pengaduan yang ditangani (spec/topics.yml), mis. [air_bersih]
"""

NLU_TEMPLATE = """\
# Pertanyaan warga untuk instansi "{agency}". Panduan: docs/packs.md
# Satu blok per topik. Minimal {min_examples} contoh per topik, dengan kata-kata warga sendiri:
# formal, sehari-hari, gaya SMS (singkatan, salah ketik). Jangan memakai contoh yang sama
# dengan topik lain. Cara cepat: isi spreadsheet lalu `layani pack import {agency} file.csv`.
# Untuk menulis langsung: hapus tanda "# " di depan blok contoh di bawah, lalu ganti isinya.
version: "3.1"
nlu:
# - intent: faq/contoh_topik
#   examples: |
#     - bagaimana cara ...
#     - syarat ... apa saja
"""

RESPONSES_TEMPLATE = """\
# Jawaban untuk setiap topik di nlu.yml. Panduan: docs/packs.md
# Setiap jawaban punya varian biasa dan varian `channel: sms` (tanpa emoji atau tanda kutip
# miring, maksimal 306 karakter = 2 SMS). Setiap varian membawa metadata: instansi, sumber
# resmi (URL atau peraturan) dan tanggal ditinjau "YYYY-MM-DD".
# Untuk menulis langsung: hapus tanda "# " di depan baris di bawah, lalu ganti isinya.
version: "3.1"
# responses:
#   utter_faq/contoh_topik:
#     - text: "Jawaban lengkap: syarat, langkah, biaya, tempat, lama proses."
#       metadata:
#         agency: {agency}
#         source: "https://..."
#         reviewed: "YYYY-MM-DD"
#         topic: contoh_topik
#     - channel: sms
#       text: "Jawaban singkat. Info: situs resmi."
#       metadata:
#         agency: {agency}
#         source: "https://..."
#         reviewed: "YYYY-MM-DD"
#         topic: contoh_topik
"""


def new_pack(
    agency: str, agencies_dir: Path = AGENCIES_DIR, only_missing: bool = False
) -> list[Path]:
    """Create `<agencies_dir>/<agency>/` with the three pack files; returns the paths written.

    `only_missing` (used by the importer) adds the files a pack lacks instead of refusing.
    """
    finding = rules.id_problem(agency, "agency id")
    if finding:
        raise ValueError(f"{finding[0]}: {finding[1]}")
    directory = agencies_dir / agency
    files = {
        packs.PACK_INFO_FILE: AGENCY_TEMPLATE,
        packs.PACK_NLU_FILE: NLU_TEMPLATE,
        packs.PACK_RESPONSES_FILE: RESPONSES_TEMPLATE,
    }
    existing = [name for name in files if (directory / name).exists()]
    if existing and not only_missing:
        raise PackExists(
            f"{directory} already has {', '.join(existing)}; edit them or import a sheet"
        )
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, template in files.items():
        path = directory / name
        if path.exists():
            continue
        path.write_text(
            template.format(agency=agency, min_examples=rules.MIN_EXAMPLES), encoding="utf-8"
        )
        written.append(path)
    return written
