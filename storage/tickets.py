"""Ticket service: the one API through which complaints and applications are created and changed.

Used by the action server (citizens), the CLI and the staff console, so every rule lives here:

- ids are random (`storage.ids`), never sequential;
- creation is idempotent on `idempotency_key`: a retried webhook or a double "Kirim" returns the
  ticket the first attempt created instead of a second row;
- a citizen can only read their own ticket: `get_for_owner` answers None both for an id that does
  not exist and for someone else's, from the same single query;
- status moves forward one step at a time (diterima -> diverifikasi -> diproses -> selesai) or to
  `ditolak` from any open status; each change is recorded with a public note.

Storage only stores: telling the reporter about a status change is `services.ticket_status`,
which the console, the CLI and the actions call (it uses `change_status` and `record_event`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from storage import sla
from storage.db import session_scope
from storage.ids import find_ticket_id, new_ticket_id
from storage.models import KINDS, STATUSES, Ticket, TicketStatusHistory, utcnow

logger = logging.getLogger(__name__)

PREFIX_BY_KIND = {"complaint": "ADU", "application": "PMH"}
INITIAL_STATUS = "diterima"
FINAL_STATUSES = ("selesai", "ditolak")
# The only allowed moves; anything else is an InvalidTransition.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "diterima": ("diverifikasi", "ditolak"),
    "diverifikasi": ("diproses", "ditolak"),
    "diproses": ("selesai", "ditolak"),
    "selesai": (),
    "ditolak": (),
}


class TicketError(Exception):
    """Base class of the ticket service's errors."""


class TicketNotFound(TicketError):
    """No ticket with that id."""


class InvalidTransition(TicketError):
    """The requested status does not follow from the current one."""


class InvalidTicket(TicketError):
    """The data given to create a ticket is incomplete or wrong."""


@dataclass(frozen=True)
class HistoryEntry:
    event: str  # "status", "notified" or "notify_failed"
    status: str
    note: str | None
    actor: str
    at: dt.datetime


@dataclass(frozen=True)
class TicketView:
    """A detached, read-only copy of a ticket (safe to use after the session closed)."""

    id: str
    kind: str
    owner_key: str
    channel: str
    sender_id: str
    agency: str
    category_or_service: str
    description: str
    location: str | None
    latitude: float | None
    longitude: float | None
    photo_ref: str | None
    contact_name: str | None
    anonymous: bool
    data: dict[str, Any]
    status: str
    due_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    history: tuple[HistoryEntry, ...] = ()
    #: True only on the call that inserted the row (False when an idempotent retry found it).
    created: bool = False

    @property
    def last_note(self) -> str | None:
        """The public note of the latest status change that has one."""
        for entry in reversed(self.history):
            if entry.event == "status" and entry.note:
                return entry.note
        return None

    @property
    def due_date(self) -> dt.date | None:
        """The due date as the citizen sees it (WIB calendar date)."""
        return sla.local_date(self.due_at) if self.due_at else None

    @property
    def is_open(self) -> bool:
        return self.status not in FINAL_STATUSES


def _view(ticket: Ticket, created: bool = False) -> TicketView:
    return TicketView(
        id=ticket.id,
        kind=ticket.kind,
        owner_key=ticket.owner_key,
        channel=ticket.channel,
        sender_id=ticket.sender_id,
        agency=ticket.agency,
        category_or_service=ticket.category_or_service,
        description=ticket.description,
        location=ticket.location,
        latitude=ticket.latitude,
        longitude=ticket.longitude,
        photo_ref=ticket.photo_ref,
        contact_name=ticket.contact_name,
        anonymous=bool(ticket.anonymous),
        data=dict(ticket.data or {}),
        status=ticket.status,
        due_at=ticket.due_at,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        history=tuple(
            HistoryEntry(h.event, h.status, h.note, h.actor, h.at) for h in ticket.history
        ),
        created=created,
    )


def _load(session: Session, ticket_id: str) -> Ticket | None:
    return session.execute(
        sa.select(Ticket).options(selectinload(Ticket.history)).where(Ticket.id == ticket_id)
    ).scalar_one_or_none()


def _by_idempotency_key(session: Session, key: str) -> Ticket | None:
    return session.execute(
        sa.select(Ticket).options(selectinload(Ticket.history)).where(Ticket.idempotency_key == key)
    ).scalar_one_or_none()


def normalise_id(ticket_id: str) -> str | None:
    """Canonical `ADU-XXXX-XXXX` form of what a person typed, or None if it is not an id."""
    return find_ticket_id(ticket_id or "")


def default_agency(kind: str, category_or_service: str) -> str:
    """Routed agency of a complaint category (catalogue `route`)."""
    from layani.catalogue import load_catalogue

    catalogue = load_catalogue()
    if kind == "complaint":
        if category_or_service not in catalogue.complaint_categories:
            raise InvalidTicket(f"unknown complaint category {category_or_service!r}")
        return catalogue.complaint_route(category_or_service)
    raise InvalidTicket("an application needs an explicit agency")


def create_ticket(
    *,
    kind: str,
    owner_key: str,
    sender_id: str,
    category_or_service: str,
    description: str = "",
    channel: str = "rest",
    agency: str | None = None,
    location: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    photo_ref: str | None = None,
    contact_name: str | None = None,
    anonymous: bool = False,
    data: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
    due_days: int | None = None,
    actor: str = "warga",
    url: str | None = None,
) -> TicketView:
    """Create a ticket and its first history row in one transaction, committed on return.

    With `idempotency_key`, a second call with the same key returns the first call's ticket
    (`created=False`) and changes nothing, even when both calls race in different processes: the
    UNIQUE constraint decides, and the loser reads the winner's row.
    """
    if kind not in KINDS:
        raise InvalidTicket(f"unknown kind {kind!r}")
    if not owner_key or not sender_id:
        raise InvalidTicket("owner_key and sender_id are required")
    agency = agency or default_agency(kind, category_or_service)
    days = due_days if due_days is not None else sla.sla_days(category_or_service)

    if idempotency_key:
        with session_scope(url) as session:
            existing = _by_idempotency_key(session, idempotency_key)
            if existing is not None:
                return _view(existing)

    for _attempt in range(5):
        now = utcnow()
        ticket = Ticket(
            id=new_ticket_id(PREFIX_BY_KIND[kind]),
            kind=kind,
            owner_key=owner_key,
            channel=channel or "rest",
            sender_id=sender_id,
            agency=agency,
            category_or_service=category_or_service,
            description=description or "",
            location=location,
            latitude=latitude,
            longitude=longitude,
            photo_ref=photo_ref,
            contact_name=None if anonymous else contact_name,
            anonymous=bool(anonymous),
            data=dict(data or {}),
            status=INITIAL_STATUS,
            due_at=sla.due_at(now, days),
            created_at=now,
            updated_at=now,
            idempotency_key=idempotency_key,
        )
        ticket.history.append(
            TicketStatusHistory(
                event="status", status=INITIAL_STATUS, note=None, actor=actor, at=now
            )
        )
        try:
            with session_scope(url) as session:
                session.add(ticket)
                session.flush()
                view = _view(ticket, created=True)
            logger.info("Ticket %s created (%s, %s)", view.id, kind, category_or_service)
            return view
        except IntegrityError:
            if idempotency_key:
                with session_scope(url) as session:
                    existing = _by_idempotency_key(session, idempotency_key)
                    if existing is not None:
                        return _view(existing)
            # Otherwise an id collision (1 in 2^40 per pair): draw a new id.
            logger.warning("Ticket id collision, retrying with a new id")
    raise TicketError("could not allocate a ticket id")


def get_ticket(ticket_id: str, url: str | None = None) -> TicketView | None:
    """Staff view of any ticket (no owner check): for the console and the CLI only."""
    canonical = normalise_id(ticket_id)
    if not canonical:
        return None
    with session_scope(url) as session:
        ticket = _load(session, canonical)
        return _view(ticket) if ticket else None


def get_for_owner(ticket_id: str, owner_key: str, url: str | None = None) -> TicketView | None:
    """The ticket if `owner_key` filed it, else None: a stranger cannot tell "not yours" from
    "does not exist", because both are the same query returning no row."""
    canonical = normalise_id(ticket_id)
    if not canonical or not owner_key:
        return None
    with session_scope(url) as session:
        ticket = session.execute(
            sa.select(Ticket)
            .options(selectinload(Ticket.history))
            .where(Ticket.id == canonical, Ticket.owner_key == owner_key)
        ).scalar_one_or_none()
        return _view(ticket) if ticket else None


def list_for_owner(
    owner_key: str, limit: int = 5, kind: str | None = None, url: str | None = None
) -> list[TicketView]:
    """The owner's most recent tickets, newest first."""
    query = (
        sa.select(Ticket).options(selectinload(Ticket.history)).where(Ticket.owner_key == owner_key)
    )
    if kind:
        query = query.where(Ticket.kind == kind)
    query = query.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(max(1, limit))
    with session_scope(url) as session:
        return [_view(t) for t in session.execute(query).scalars()]


def allowed_transitions(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


def change_status(
    ticket_id: str,
    new_status: str,
    note: str | None = None,
    actor: str = "petugas",
    url: str | None = None,
) -> TicketView:
    """Move a ticket to `new_status` with a public `note`; the ticket as it is now.

    Raises TicketNotFound or InvalidTransition. Tells nobody: `services.ticket_status` does.
    """
    if new_status not in STATUSES:
        raise InvalidTransition(f"unknown status {new_status!r}")
    canonical = normalise_id(ticket_id)
    if not canonical:
        raise TicketNotFound(ticket_id)
    note = (note or "").strip() or None
    with session_scope(url) as session:
        ticket = session.execute(
            sa.select(Ticket).where(Ticket.id == canonical).with_for_update()
        ).scalar_one_or_none()
        if ticket is None:
            raise TicketNotFound(canonical)
        if new_status not in TRANSITIONS.get(ticket.status, ()):
            raise InvalidTransition(
                f"{canonical}: cannot go from {ticket.status} to {new_status}"
                f" (allowed: {', '.join(TRANSITIONS.get(ticket.status, ())) or 'none'})"
            )
        now = utcnow()
        ticket.status = new_status
        ticket.updated_at = now
        session.add(
            TicketStatusHistory(
                ticket_id=canonical,
                event="status",
                status=new_status,
                note=note,
                actor=actor,
                at=now,
            )
        )
    logger.info("Ticket %s -> %s by %s", canonical, new_status, actor)
    view = get_ticket(canonical, url=url)
    assert view is not None
    return view


def record_event(
    ticket_id: str, event: str, note: str | None, actor: str, url: str | None = None
) -> None:
    """Add a non-status row to a ticket's history (e.g. a notification outcome)."""
    with session_scope(url) as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            raise TicketNotFound(ticket_id)
        session.add(
            TicketStatusHistory(
                ticket_id=ticket_id, event=event, status=ticket.status, note=note, actor=actor
            )
        )


@dataclass(frozen=True)
class TicketFilter:
    """Console filters; every field is optional and they combine with AND."""

    agency: str | None = None
    agencies: Sequence[str] | None = None  # a staff member limited to their agencies
    status: str | None = None
    kind: str | None = None
    category: str | None = None
    text: str | None = None
    ticket_id: str | None = None
    open_only: bool = False
    overdue_only: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _apply_filter(query: Any, flt: TicketFilter) -> Any:
    if flt.agency:
        query = query.where(Ticket.agency == flt.agency)
    if flt.agencies is not None:
        query = query.where(Ticket.agency.in_(list(flt.agencies)))
    if flt.status:
        query = query.where(Ticket.status == flt.status)
    if flt.kind:
        query = query.where(Ticket.kind == flt.kind)
    if flt.category:
        query = query.where(Ticket.category_or_service == flt.category)
    if flt.ticket_id:
        canonical = normalise_id(flt.ticket_id)
        if canonical:
            query = query.where(Ticket.id == canonical)
        else:
            query = query.where(Ticket.id.ilike(f"%{flt.ticket_id.strip()}%"))
    if flt.text:
        pattern = f"%{flt.text.strip()}%"
        query = query.where(
            sa.or_(Ticket.description.ilike(pattern), Ticket.location.ilike(pattern))
        )
    if flt.open_only or flt.overdue_only:
        query = query.where(Ticket.status.notin_(FINAL_STATUSES))
    if flt.overdue_only:
        query = query.where(Ticket.due_at < utcnow())
    return query


def search_tickets(
    flt: TicketFilter | None = None,
    limit: int = 50,
    offset: int = 0,
    url: str | None = None,
    **filters: Any,
) -> list[TicketView]:
    """Tickets matching the filter, newest first (staff console list)."""
    flt = replace(flt or TicketFilter(), **filters) if filters else (flt or TicketFilter())
    query = _apply_filter(sa.select(Ticket).options(selectinload(Ticket.history)), flt)
    query = query.order_by(Ticket.created_at.desc(), Ticket.id.desc()).offset(offset).limit(limit)
    with session_scope(url) as session:
        return [_view(t) for t in session.execute(query).scalars()]


def count_tickets(flt: TicketFilter | None = None, url: str | None = None, **filters: Any) -> int:
    flt = replace(flt or TicketFilter(), **filters) if filters else (flt or TicketFilter())
    query = _apply_filter(sa.select(sa.func.count()).select_from(Ticket), flt)
    with session_scope(url) as session:
        return int(session.execute(query).scalar_one())
