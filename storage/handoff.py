"""The queue of conversations handed to a human officer.

A row points to a conversation (`sender_id`); the messages themselves stay in Rasa's tracker,
which the console reads, so nothing is copied and nothing can drift. Rows move
`waiting → active → resolved` (closed by an officer) or `→ returned` (the citizen went back to
the assistant). At most one open row per conversation: asking twice keeps the first place in
the queue instead of creating a duplicate.

Queue order, per agency, built so that a flood of fake requests cannot bury real citizens:

- Oldest first; an urgent row (sensitive topic) counts as if it had arrived URGENT_HEAD_START
  (15 minutes) earlier. Urgency moves a conversation ahead of recent arrivals, never ahead of
  someone who has already waited longer. The real emergency help is not the queue: the citizen
  gets the emergency numbers (112, 110, 119) at once, before the row is even written.
- Anonymous channels (REST, web chat: a new session id costs nothing) may hold at most
  ANONYMOUS_URGENT_CAP urgent open rows per agency; further sensitive requests from them queue
  as ordinary rows (reason still "sensitive", so the officer sees why).
- At most ANONYMOUS_AHEAD anonymous waiting rows are ever ahead of a citizen whose identity
  costs something (a phone number on SMS/WhatsApp, a Telegram account); anonymous rows beyond
  that wait after them, oldest first among themselves. Normal days never reach the cap.
A conversation holds at most one open row, so one citizen cannot take several places.
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
# Channels whose sender ids cost something to make (a phone number, a Telegram account). The
# action stores the channel the connector saw, not one a REST client claims in its metadata.
VERIFIED_CHANNELS = ("sms", "whatsapp", "telegram")
URGENT_HEAD_START = dt.timedelta(minutes=15)
ANONYMOUS_URGENT_CAP = 3
ANONYMOUS_AHEAD = 10


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


def is_anonymous(channel: str | None) -> bool:
    return channel not in VERIFIED_CHANNELS


def _urgent_allowed(session: Session, channel: str, agency_id: str) -> bool:
    """Verified channels always; anonymous ones while the agency has few anonymous urgent rows."""
    if not is_anonymous(channel):
        return True
    count = session.execute(
        sa.select(sa.func.count(Handoff.id)).where(
            Handoff.agency_id == agency_id,
            Handoff.status.in_(OPEN_STATUSES),
            Handoff.urgent.is_(True),
            Handoff.channel.not_in(VERIFIED_CHANNELS),
        )
    ).scalar_one()
    return int(count) < ANONYMOUS_URGENT_CAP


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
    channel = (channel or "rest")[:20]
    existing = open_for_sender(session, sender_id)
    if existing is not None:
        if (
            urgent
            and not existing.urgent
            and _urgent_allowed(session, existing.channel, existing.agency_id)
        ):
            existing.urgent = True
            session.flush()
        return QueuePlace(existing.id, queue_position(session, existing), created=False)
    row = Handoff(
        sender_id=sender_id,
        channel=channel,
        agency_id=agency_id,
        reason=reason,
        urgent=bool(urgent) and _urgent_allowed(session, channel, agency_id),
        note=(note or "").strip()[:500] or None,
    )
    session.add(row)
    session.flush()
    return QueuePlace(row.id, queue_position(session, row), created=True)


def _key(row: Handoff) -> tuple[dt.datetime, int]:
    start = row.created_at - URGENT_HEAD_START if row.urgent else row.created_at
    return start, row.id


def queue_order(rows: list[Handoff]) -> list[Handoff]:
    """Open rows in the order officers should answer them (see the module docstring)."""
    ahead: list[Handoff] = []
    overflow: list[Handoff] = []
    anonymous_waiting: dict[str, int] = {}
    for row in sorted(rows, key=_key):
        if row.status == "waiting" and is_anonymous(row.channel):
            seen = anonymous_waiting[row.agency_id] = anonymous_waiting.get(row.agency_id, 0) + 1
            if seen > ANONYMOUS_AHEAD:
                overflow.append(row)
                continue
        ahead.append(row)
    return ahead + overflow


def queue_position(session: Session, row: Handoff) -> int:
    """1 + the waiting rows of the same agency that will be answered before this one.

    Same answer as `positions(list_open(...))`, with at most three COUNT queries instead of
    loading the queue: it runs for every new handoff, also during a flood. An answered (active)
    row is 1: it is being handled; a closed row is 0.
    """
    if row.status != "waiting":
        return 1 if row.status in OPEN_STATUSES else 0
    key, row_id = _key(row)
    # Rows whose key (created_at, less the head start when urgent) comes before this row's.
    before = sa.or_(
        sa.and_(Handoff.urgent.is_(False), _earlier(Handoff.created_at, key, row_id)),
        sa.and_(
            Handoff.urgent.is_(True),
            _earlier(Handoff.created_at, key + URGENT_HEAD_START, row_id),
        ),
    )
    waiting = sa.and_(
        Handoff.agency_id == row.agency_id, Handoff.status == "waiting", Handoff.id != row.id
    )
    anonymous = Handoff.channel.not_in(VERIFIED_CHANNELS)

    def count(*conditions: object) -> int:
        query = sa.select(sa.func.count(Handoff.id)).where(waiting, *conditions)
        return int(session.execute(query).scalar_one())

    anonymous_before = count(anonymous, before)
    if is_anonymous(row.channel):
        if anonymous_before < ANONYMOUS_AHEAD:
            return 1 + anonymous_before + count(sa.not_(anonymous), before)
        return 1 + anonymous_before + count(sa.not_(anonymous))  # overflow: after every verified
    return 1 + min(anonymous_before, ANONYMOUS_AHEAD) + count(sa.not_(anonymous), before)


def _earlier(column: sa.Column, key: dt.datetime, row_id: int) -> sa.sql.ColumnElement:
    return sa.or_(column < key, sa.and_(column == key, Handoff.id < row_id))


def get(session: Session, handoff_id: int) -> Handoff | None:
    return session.get(Handoff, handoff_id)


def list_open(session: Session, agency_id: str | None = None) -> list[Handoff]:
    """Open rows in queue order; `agency_id=None` means every agency (admins, auditors)."""
    query = sa.select(Handoff).where(Handoff.status.in_(OPEN_STATUSES))
    if agency_id is not None:
        query = query.where(Handoff.agency_id == agency_id)
    return queue_order(list(session.execute(query).scalars()))


def positions(rows: list[Handoff]) -> dict[int, int]:
    """Queue places of `rows` as returned by `list_open` (already in queue order), per agency.

    One pass over the ordered rows, not one query per row: the queue page is polled every few
    seconds by every officer.
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


def visible_window(session: Session, row: Handoff) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The part of the conversation an officer given `row` may read: (after, until), UTC.

    Until the row's close time (nothing while it is open: the officer follows it live), and
    after the close of the same conversation's previous handoff, if any: what the citizen tells
    the bot or another agency before or after is not this officer's business.
    """
    previous = session.execute(
        sa.select(sa.func.max(Handoff.closed_at)).where(
            Handoff.sender_id == row.sender_id,
            Handoff.id < row.id,
            Handoff.closed_at.is_not(None),
        )
    ).scalar_one_or_none()
    until = row.closed_at if row.status in CLOSED_STATUSES else None
    return previous, until


def waiting_time(row: Handoff, now: dt.datetime | None = None) -> dt.timedelta:
    end = row.first_reply_at or row.closed_at or now or utcnow()
    return max(dt.timedelta(0), end - row.created_at)
