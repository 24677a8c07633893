"""Restricted storage of citizens' identity numbers (NIK, KK number, phone) for applications.

Why a separate table, encrypted field by field (UU 27/2022 on personal data protection):
- `tickets.data` is read by every console screen, list and export; identity numbers must not be.
  They live in `ticket_personal_data`, one row per field, and only `read_for_staff` decrypts
  them, for an admin or an officer of the ticket's own agency; everyone else gets masked values.
- Each value is encrypted with Fernet (AES-128-CBC + HMAC-SHA256, `cryptography`), so a database
  dump or a backup without the key reveals nothing.
- The key comes from `LAYANI_PII_KEY` (one Fernet key, or several separated by commas: the first
  encrypts, all decrypt, for key rotation). The embedded profile (SQLite) generates
  `var/pii.key` when it is unset; any other database refuses to start without a key, because a
  key generated on one server would make the data unreadable on the next.
- Retention: rows are deleted `RETENTION_DAYS_AFTER_CLOSE` days after the application is finished
  (selesai/ditolak) and in any case `MAX_RETENTION_DAYS` after submission (`purge_expired`,
  run daily by `layani applications purge`). The ticket itself stays, without the numbers.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import InvalidToken, MultiFernet

from layani import pii_key, settings
from layani.paths import VAR_DIR
from layani.pii import mask_id_number, mask_phone
from storage.db import database_url, session_scope
from storage.models import Base, Ticket, utcnow

logger = logging.getLogger(__name__)

RETENTION_DAYS_AFTER_CLOSE = 90
MAX_RETENTION_DAYS = 365
FIELDS = ("applicant_nik", "father_nik", "mother_nik", "kk_number", "applicant_phone")
KEY_FILE_NAME = pii_key.KEY_FILE_NAME


class PersonalDataError(Exception):
    """Base class: personal data could not be stored or read."""


class MissingKey(PersonalDataError):
    """No LAYANI_PII_KEY outside the embedded profile."""


class UndecryptableValue(PersonalDataError):
    """A stored value does not decrypt with any configured key (wrong or rotated-out key)."""


class TicketPersonalData(Base):
    __tablename__ = "ticket_personal_data"

    ticket_id = sa.Column(
        sa.String(16), sa.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    field = sa.Column(sa.String(32), primary_key=True)
    ciphertext = sa.Column(sa.Text, nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow, index=True)


def cipher(url: str | None = None) -> MultiFernet:
    """The Fernet cipher for the configured key(s); see the module docstring."""
    sqlite = database_url(url).startswith("sqlite")
    try:
        return pii_key.cipher(settings.load().pii_encryption_key, VAR_DIR if sqlite else None)
    except pii_key.MissingKey as exc:
        raise MissingKey(str(exc)) from exc


def mask(field: str, value: str) -> str:
    """How a field is shown to someone not allowed to read it: ************0001, 0********890."""
    return mask_phone(value) if field.endswith("phone") else mask_id_number(value)


def store(ticket_id: str, values: Mapping[str, str | None], url: str | None = None) -> None:
    """Encrypt and save ``values`` for a ticket, replacing earlier values (idempotent retries)."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise PersonalDataError(f"not a personal-data field: {sorted(unknown)}")
    fernet = cipher(url)
    rows = {k: fernet.encrypt(v.encode("utf-8")).decode("ascii") for k, v in values.items() if v}
    with session_scope(url) as session:
        session.execute(
            sa.delete(TicketPersonalData).where(
                TicketPersonalData.ticket_id == ticket_id, TicketPersonalData.field.in_(rows)
            )
        )
        session.add_all(
            TicketPersonalData(ticket_id=ticket_id, field=k, ciphertext=v) for k, v in rows.items()
        )


def read(ticket_id: str, url: str | None = None) -> dict[str, str]:
    """Decrypted values of a ticket. Callers must have checked the reader's role first."""
    fernet = cipher(url)
    with session_scope(url) as session:
        rows = session.execute(
            sa.select(TicketPersonalData).where(TicketPersonalData.ticket_id == ticket_id)
        ).scalars()
        result = {}
        for row in rows:
            try:
                result[row.field] = fernet.decrypt(row.ciphertext.encode("ascii")).decode("utf-8")
            except InvalidToken as exc:
                raise UndecryptableValue(f"{ticket_id}/{row.field}") from exc
        return result


def can_read(staff: Any, agency: str) -> bool:
    """Admins, and officers of the agency handling the ticket; not auditors, not other agencies.

    ``staff`` is `storage.console.Staff` (anything with ``role`` and ``agency_id``).
    """
    role = getattr(staff, "role", None)
    return role == "admin" or (role == "officer" and getattr(staff, "agency_id", None) == agency)


def read_for_staff(ticket_id: str, staff: Any, url: str | None = None) -> dict[str, str]:
    """Values for a member of staff: in full if `can_read`, masked otherwise."""
    with session_scope(url) as session:
        agency = session.execute(
            sa.select(Ticket.agency).where(Ticket.id == ticket_id)
        ).scalar_one_or_none()
    if agency is None:
        return {}
    values = read(ticket_id, url)
    if can_read(staff, agency):
        return values
    return {field: mask(field, value) for field, value in values.items()}


def purge_expired(now: dt.datetime | None = None, url: str | None = None) -> int:
    """Delete personal data past its retention period; returns the number of rows deleted."""
    now = now or utcnow()
    closed_before = now - dt.timedelta(days=RETENTION_DAYS_AFTER_CLOSE)
    created_before = now - dt.timedelta(days=MAX_RETENTION_DAYS)
    expired_tickets = sa.select(Ticket.id).where(
        sa.or_(
            sa.and_(Ticket.status.in_(("selesai", "ditolak")), Ticket.updated_at < closed_before),
            Ticket.created_at < created_before,
        )
    )
    with session_scope(url) as session:
        result = session.execute(
            sa.delete(TicketPersonalData)
            .where(TicketPersonalData.ticket_id.in_(expired_tickets))
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)
