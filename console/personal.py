"""Personal data of a ticket (NIK, KK, phone) for the console: masked unless revealed.

Values come from `storage.personal_data` (encrypted at rest, owned by the applications
service); the phone number of an SMS/WhatsApp reporter is also their sender id. The console
only ever renders `masked()` output, except for the one field a member of staff has just
revealed with a POST that was written to the audit log first.
"""

from __future__ import annotations

import importlib
import logging
from typing import Dict, Optional

from layani.pii import mask_id_number, mask_phone

logger = logging.getLogger(__name__)

LABELS = {"nik": "NIK", "kk": "Nomor KK", "phone": "Nomor HP"}
_MASKERS = {"nik": mask_id_number, "kk": mask_id_number, "phone": mask_phone}


def _stored(ticket_id: str, url: Optional[str]) -> Dict[str, str]:
    try:
        module = importlib.import_module("storage.personal_data")
    except ImportError as exc:
        if exc.name != "storage.personal_data":
            raise
        return {}
    values = module.get_personal_data(ticket_id, url=url) or {}
    return {k: str(v) for k, v in dict(values).items() if k in LABELS and v}


def values(ticket_id: str, sender_id: str, url: Optional[str] = None) -> Dict[str, str]:
    """Full values, keyed by field; call only to mask them or for an audited reveal."""
    found = _stored(ticket_id, url)
    if "phone" not in found and sender_id.startswith("+") and sender_id[1:].isdigit():
        found["phone"] = sender_id
    return {k: found[k] for k in LABELS if k in found}


def masked(full: Dict[str, str]) -> Dict[str, str]:
    return {k: _MASKERS[k](v) for k, v in full.items()}
