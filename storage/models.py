"""SQLAlchemy models shared by every concern: the declarative `Base` and the ticket tables.

One generic `tickets` table holds complaints (`ADU-…`) and service applications (`PMH-…`), so
status look-ups, notifications and the staff console treat both the same way. Fields that only
one kind needs go in `data` (JSON, nothing sensitive). Times are naive UTC everywhere (SQLite
keeps no time zone); views convert to WIB for citizens.

The schema itself is created by Alembic (`storage/migrations`), never by `create_all` in
production; keep the two in step (a unit test compares them).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()

KINDS = ("complaint", "application")
STATUSES = ("diterima", "diverifikasi", "diproses", "selesai", "ditolak")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Ticket(Base):
    __tablename__ = "tickets"

    id = sa.Column(sa.String(16), primary_key=True)  # ADU-XXXX-XXXX / PMH-XXXX-XXXX
    kind = sa.Column(sa.String(16), nullable=False, index=True)
    owner_key = sa.Column(sa.String(200), nullable=False, index=True)
    channel = sa.Column(sa.String(20), nullable=False, default="rest")
    sender_id = sa.Column(sa.String(200), nullable=False)
    agency = sa.Column(sa.String(64), nullable=False, index=True)
    category_or_service = sa.Column(sa.String(64), nullable=False, index=True)
    description = sa.Column(sa.Text, nullable=False, default="")
    location = sa.Column(sa.Text, nullable=True)
    latitude = sa.Column(sa.Float, nullable=True)
    longitude = sa.Column(sa.Float, nullable=True)
    photo_ref = sa.Column(sa.Text, nullable=True)
    contact_name = sa.Column(sa.String(200), nullable=True)
    anonymous = sa.Column(sa.Boolean, nullable=False, default=False)
    data = sa.Column(sa.JSON, nullable=False, default=dict)
    status = sa.Column(sa.String(16), nullable=False, default="diterima", index=True)
    due_at = sa.Column(sa.DateTime, nullable=True)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow, index=True)
    updated_at = sa.Column(sa.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    idempotency_key = sa.Column(sa.String(200), nullable=True, unique=True)

    history = relationship(
        "TicketStatusHistory",
        back_populates="ticket",
        order_by="TicketStatusHistory.id",
        cascade="all, delete-orphan",
    )


class TicketStatusHistory(Base):
    """One row per status change, plus rows recording notification failures.

    `event` is "status" for a status change (its `note` is public: the citizen sees it) or
    "notify_failed" / "notified" for the outcome of telling the citizen.
    """

    __tablename__ = "ticket_status_history"

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    ticket_id = sa.Column(
        sa.String(16), sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True
    )
    event = sa.Column(sa.String(20), nullable=False, default="status")
    status = sa.Column(sa.String(16), nullable=False)
    note = sa.Column(sa.Text, nullable=True)
    actor = sa.Column(sa.String(100), nullable=False, default="system")
    at = sa.Column(sa.DateTime, nullable=False, default=utcnow)

    ticket = relationship("Ticket", back_populates="history")
