"""Helpers shared by the complaint actions: who is talking, labels from the domain, dates."""

from __future__ import annotations

import datetime as dt

# channel_of and owner_of are imported from here by the complaint actions.
from actions.channel import channel_of, owner_of  # noqa: F401
from layani.indonesian_dates import format_date as _format_date

# (kind, id) -> domain response holding its citizen-facing name. Written out so that a missing
# or misspelt response is caught by tests and by `make validate`.
LABEL_RESPONSES = {
    ("category", "jalan_rusak"): "utter_label_category_jalan_rusak",
    ("category", "lampu_jalan"): "utter_label_category_lampu_jalan",
    ("category", "sampah"): "utter_label_category_sampah",
    ("category", "banjir_drainase"): "utter_label_category_banjir_drainase",
    ("category", "air_bersih"): "utter_label_category_air_bersih",
    ("category", "pohon_tumbang"): "utter_label_category_pohon_tumbang",
    ("category", "ketertiban"): "utter_label_category_ketertiban",
    ("category", "pelayanan_publik"): "utter_label_category_pelayanan_publik",
    ("category", "kesehatan"): "utter_label_category_kesehatan",
    ("category", "pendidikan"): "utter_label_category_pendidikan",
    ("category", "bansos"): "utter_label_category_bansos",
    ("category", "adminduk"): "utter_label_category_adminduk",
    ("category", "lingkungan"): "utter_label_category_lingkungan",
    ("category", "lainnya"): "utter_label_category_lainnya",
    ("agency", "dinas_pupr"): "utter_label_agency_dinas_pupr",
    ("agency", "dinas_perhubungan"): "utter_label_agency_dinas_perhubungan",
    ("agency", "dinas_lingkungan_hidup"): "utter_label_agency_dinas_lingkungan_hidup",
    ("agency", "pdam"): "utter_label_agency_pdam",
    ("agency", "satpol_pp"): "utter_label_agency_satpol_pp",
    ("agency", "inspektorat"): "utter_label_agency_inspektorat",
    ("agency", "dinas_kesehatan"): "utter_label_agency_dinas_kesehatan",
    ("agency", "dinas_pendidikan"): "utter_label_agency_dinas_pendidikan",
    ("agency", "dinas_sosial"): "utter_label_agency_dinas_sosial",
    ("agency", "dukcapil"): "utter_label_agency_dukcapil",
    ("agency", "sekretariat"): "utter_label_agency_sekretariat",
    ("status", "diterima"): "utter_label_status_diterima",
    ("status", "diverifikasi"): "utter_label_status_diverifikasi",
    ("status", "diproses"): "utter_label_status_diproses",
    ("status", "selesai"): "utter_label_status_selesai",
    ("status", "ditolak"): "utter_label_status_ditolak",
    ("photo", "yes"): "utter_label_photo_yes",
    ("photo", "no"): "utter_label_photo_no",
    ("contact", "account"): "utter_label_contact_account",
    ("contact", "anonymous"): "utter_label_contact_anonymous",
}


def label(kind: str, key: str | None, channel: str | None = None) -> str:
    """Citizen-facing name of a category, agency, status ... from the domain (LABEL_RESPONSES);
    an id without a label (e.g. an application service) is shown with spaces."""
    if not key:
        return ""
    from layani.notify import render_response

    response = LABEL_RESPONSES.get((kind, key))
    if response is None:
        return key.replace("_", " ")
    return render_response(response, channel)


def format_date(day: dt.date | None) -> str:
    """ "4 Desember 2026": how dates are written for citizens."""
    if day is None:
        return "-"
    return _format_date(day)
