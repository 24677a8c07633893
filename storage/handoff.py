"""The queue of conversations handed to a human officer.

A row points to a conversation (`sender_id`); the messages themselves stay in Rasa's tracker,
which the console reads, so nothing is copied and nothing can drift. Rows move
`waiting → active → resolved` (closed by an officer) or `→ returned` (the citizen went back to
the assistant). At most one open row per conversation: asking twice keeps the first place in
the queue instead of creating a duplicate.

Queue order: urgent rows (sensitive topics) first, then oldest first, per agency.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from storage.models import Base, utcnow

OPEN_STATUSES = ("waiting", "active")
CLOSED_STATUSES = ("resolved", "returned")
REASONS = ("request_human", "fallback", "form", "sensitive", "other")


class Handoff(Base):
    __tablename__ = "handoffs"

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    sender_id = sa.Column(sa.String(200), nullable=False, index=True)
    channel = sa.Column(sa.String(20), nullable=False, default="rest")
    agency_id = sa.Column(sa.String(64), nullable=False, index=True)
    reason = sa.Column(sa.String(20), nullable=False)
    # Free text from the flow that handed over, e.g. "Permohonan akta: kesulitan mengisi NIK".
    note = sa.Column(sa.Text, nullable=True)
    urgent = sa.Column(sa.Boolean, nullable=False, default=False)
    status = sa.Column(sa.String(16), nullable=False, default="waiting", index=True)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    assigned_to = sa.Column(sa.String(64), nullable=True)
    first_reply_at = sa.Column(sa.DateTime, nullable=True)
    closed_at = sa.Column(sa.DateTime, nullable=True)
    closed_by = sa.Column(sa.String(64), nullable=True)


@dataclass(frozen=True)
class QueuePlace:
    handoff_id: int
    position: int  # 1 = next to be answered
    created: bool  # False when the conversation was already in the queue


def open_for_sender(session: Session, sender_id: str) -> Handoff | None:
    return session.execute(
        sa.select(Handoff)
        .where(Handoff.sender_id == sender_id, Handoff.status.in_(OPEN_STATUSES))
        .order_by(Handoff.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def enqueue(
    session: Session,
    sender_id: str,
    channel: str,
    agency_id: str,
    reason: str,
    urgent: bool = False,
    note: str | None = None,
) -> QueuePlace:
    """Put a conversation in its agency's queue (or find it there) and say its place."""
    if reason not in REASONS:
        reason = "other"
    existing = open_for_sender(session, sender_id)
    if existing is not None:
        if urgent and not existing.urgent:
            existing.urgent = True
            session.flush()
        return QueuePlace(existing.id, queue_position(session, existing), created=False)
    row = Handoff(
        sender_id=sender_id,
        channel=channel or "rest",
        agency_id=agency_id,
        reason=reason,
        urgent=urgent,
        note=(note or "").strip()[:500] or None,
    )
    session.add(row)
    session.flush()
    return QueuePlace(row.id, queue_position(session, row), created=True)


def queue_position(session: Session, row: Handoff) -> int:
    """1 + the open rows of the same agency that will be answered before this one."""
    if row.status not in OPEN_STATUSES:
        return 0
    earlier = sa.or_(
        Handoff.created_at < row.created_at,
        sa.and_(Handoff.created_at == row.created_at, Handoff.id < row.id),
    )
    same_level_earlier = sa.and_(Handoff.urgent.is_(bool(row.urgent)), earlier)
    ahead = (
        same_level_earlier if row.urgent else sa.or_(Handoff.urgent.is_(True), same_level_earlier)
    )
    count = session.execute(
        sa.select(sa.func.count(Handoff.id)).where(
            Handoff.agency_id == row.agency_id,
            Handoff.status == "waiting",
            Handoff.id != row.id,
            ahead,
        )
    ).scalar_one()
    return int(count) + 1


def get(session: Session, handoff_id: int) -> Handoff | None:
    return session.get(Handoff, handoff_id)


def list_open(session: Session, agency_id: str | None = None) -> list[Handoff]:
    """Open rows in queue order; `agency_id=None` means every agency (admins, auditors)."""
    query = sa.select(Handoff).where(Handoff.status.in_(OPEN_STATUSES))
    if agency_id is not None:
        query = query.where(Handoff.agency_id == agency_id)
    query = query.order_by(Handoff.urgent.desc(), Handoff.created_at, Handoff.id)
    return list(session.execute(query).scalars())


def positions(rows: list[Handoff]) -> dict[int, int]:
    """Queue places of `rows` as returned by `list_open` (already in queue order), per agency.

    Same answer as `queue_position` for each row, without one COUNT query per row: the queue
    page is polled every few seconds by every officer.
    """
    counters: dict[str, int] = {}
    places: dict[int, int] = {}
    for row in rows:
        if row.status == "waiting":
            counters[row.agency_id] = counters.get(row.agency_id, 0) + 1
            places[row.id] = counters[row.agency_id]
    return places


def list_closed(session: Session, agency_id: str | None = None, limit: int = 50) -> list[Handoff]:
    query = sa.select(Handoff).where(Handoff.status.in_(CLOSED_STATUSES))
    if agency_id is not None:
        query = query.where(Handoff.agency_id == agency_id)
    return list(session.execute(query.order_by(Handoff.closed_at.desc()).limit(limit)).scalars())


def record_reply(session: Session, row: Handoff, staff_username: str) -> None:
    """An officer answered: the row leaves the waiting line and is assigned to them."""
    if row.first_reply_at is None:
        row.first_reply_at = utcnow()
    row.assigned_to = row.assigned_to or staff_username
    if row.status == "waiting":
        row.status = "active"


def close(session: Session, row: Handoff, status: str, by: str) -> bool:
    """Close an open row; False when it was already closed (so callers do not notify twice)."""
    if status not in CLOSED_STATUSES:
        raise ValueError(f"unknown closing status {status!r}")
    if row.status not in OPEN_STATUSES:
        return False
    row.status = status
    row.closed_at = utcnow()
    row.closed_by = by
    return True


def close_for_sender(session: Session, sender_id: str, status: str, by: str) -> Handoff | None:
    row = open_for_sender(session, sender_id)
    if row is not None:
        close(session, row, status, by)
    return row


def waiting_time(row: Handoff, now: dt.datetime | None = None) -> dt.timedelta:
    end = row.first_reply_at or row.closed_at or now or utcnow()
    return max(dt.timedelta(0), end - row.created_at)
