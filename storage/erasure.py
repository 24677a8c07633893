"""A citizen's own request to delete their data ("hapus data saya"), the storage part.

Why here and why this much (UU 27/2022 art. 8 and 16: erasure, except what another law requires
to keep): a conversation's database traces are the handoff queue rows that point at it and the
identity numbers of the citizen's applications whose retention period is already over. Those go
now. Filed complaints and submitted applications are public-service records: the tickets stay,
and their identity numbers go when `storage.personal_data`'s retention ends (the daily purge).
Application drafts live only in the conversation's slots, so they go with the conversation.
Ratings keep their score (an anonymous figure of the transparency page once the comment is
gone) but lose the citizen's free-text comment, which may name them; the rating questions still
pending for them are withdrawn.

The conversation itself (Rasa's tracker events) is not deleted here: the action server cannot
reach Rasa's tracker store. The action ends with a `Restarted` event and the tracker store
(`layani.tracker_store`) deletes the conversation's rows when it saves that turn.

Every erasure is written to the staff audit log (`console_audit_log`, shown on the console's
audit page) with counts only: no message, no identity number, and a masked conversation label
chosen by the caller. This module takes plain values and imports nothing from `layani` or
`actions`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import sqlalchemy as sa

from storage import console
from storage.db import session_scope
from storage.handoff import Handoff
from storage.models import Ticket, utcnow
from storage.personal_data import (
    MAX_RETENTION_DAYS,
    RETENTION_DAYS_AFTER_CLOSE,
    TicketPersonalData,
)
from storage.ratings import Rating, RatingRequest, owner_digest

AUDIT_ACTION = "citizen_data_erased"
AUDIT_TARGET = "conversation"


@dataclass(frozen=True)
class ErasureReport:
    handoffs_deleted: int
    personal_data_rows_deleted: int
    tickets_kept: int
    rating_comments_deleted: int = 0
    rating_requests_deleted: int = 0


def expired_tickets_of(owner_key: str, now: dt.datetime) -> sa.Select:
    """The owner's tickets whose identity numbers are past `storage.personal_data` retention."""
    closed_before = now - dt.timedelta(days=RETENTION_DAYS_AFTER_CLOSE)
    created_before = now - dt.timedelta(days=MAX_RETENTION_DAYS)
    return sa.select(Ticket.id).where(
        Ticket.owner_key == owner_key,
        sa.or_(
            sa.and_(Ticket.status.in_(("selesai", "ditolak")), Ticket.updated_at < closed_before),
            Ticket.created_at < created_before,
        ),
    )


def _ratings_of(sender_id: str, owner_key: str) -> sa.sql.ColumnElement:
    """Ratings the citizen gave: on their tickets, or on their conversation's handoffs."""
    handoff_ids = sa.select(sa.cast(Handoff.id, sa.String)).where(Handoff.sender_id == sender_id)
    ticket_ids = sa.select(Ticket.id).where(Ticket.owner_key == owner_key)
    return sa.or_(
        sa.and_(Rating.subject_kind == "ticket", Rating.subject_ref.in_(ticket_ids)),
        sa.and_(Rating.subject_kind == "handoff", Rating.subject_ref.in_(handoff_ids)),
    )


def erase_citizen_data(
    *,
    sender_id: str,
    owner_key: str,
    label: str,
    channel: str,
    url: str | None = None,
    now: dt.datetime | None = None,
) -> ErasureReport:
    """Delete what the law does not require to keep, in one transaction, and audit it.

    `sender_id` is the conversation id (its handoff rows), `owner_key` the citizen's tickets
    (`layani.identity.owner_key`), `label` how the audit log names the conversation (masked by
    the caller: an SMS conversation id is a phone number).
    """
    now = now or utcnow()
    with session_scope(url) as session:
        comments = session.execute(
            sa.update(Rating)
            .where(_ratings_of(sender_id, owner_key), Rating.comment.is_not(None))
            .values(comment=None)
            .execution_options(synchronize_session=False)
        )
        requests = session.execute(
            sa.delete(RatingRequest)
            .where(RatingRequest.owner_digest == owner_digest(owner_key, url))
            .execution_options(synchronize_session=False)
        )
        handoffs = session.execute(
            sa.delete(Handoff)
            .where(Handoff.sender_id == sender_id)
            .execution_options(synchronize_session=False)
        )
        personal = session.execute(
            sa.delete(TicketPersonalData)
            .where(TicketPersonalData.ticket_id.in_(expired_tickets_of(owner_key, now)))
            .execution_options(synchronize_session=False)
        )
        kept = session.execute(
            sa.select(sa.func.count(Ticket.id)).where(Ticket.owner_key == owner_key)
        ).scalar_one()
        report = ErasureReport(
            handoffs_deleted=int(handoffs.rowcount or 0),
            personal_data_rows_deleted=int(personal.rowcount or 0),
            tickets_kept=int(kept),
            rating_comments_deleted=int(comments.rowcount or 0),
            rating_requests_deleted=int(requests.rowcount or 0),
        )
        console.audit(
            session,
            None,
            AUDIT_ACTION,
            AUDIT_TARGET,
            label[:200],
            detail={
                **asdict(report),
                "channel": channel,
                "conversation": "deleted",
                "drafts": "deleted",
            },
        )
    return report
