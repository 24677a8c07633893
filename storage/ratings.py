"""Citizen satisfaction ratings (CSAT) of finished complaints and closed handoffs.

Two tables (Alembic branch `ratings`, revision 0300_ratings):

- `ratings`: one row per subject, a ticket (`ADU-…`) or a handoff (its numeric id); a later
  rating of the same subject replaces the earlier one (UNIQUE(subject_kind, subject_ref)), so a
  citizen who changes their mind is counted once. `score` is 1..5 (CHECK constraint, and
  `InvalidRating` before the database sees it). The optional comment is free text a citizen
  typed, so it may hold a name or a phone number: it is sealed with the personal-data key
  (Fernet, `storage.personal_data.cipher`) and only `ratings_for_agency` (staff console) opens
  it. The public transparency page reads only `score`, `agency` and the dates.
- `rating_requests`: who was asked to rate what, until when (REQUEST_DAYS = 7 days after the
  notification). It is keyed by a keyed digest (HMAC-SHA256 under the personal-data key) of the
  citizen's owner key (`layani.identity.owner_key`), not the key itself: for SMS/WhatsApp the
  owner key is the phone number, which must not sit in clear in one more table. Rotating the
  key orphans pending requests (they expire within a week anyway), never a stored rating.
  `stage` is "score" until the citizen answers with a score, then "comment" (a comment may be
  added until the same expiry).

Times are naive UTC like the rest of `storage`. Storage only stores: asking the citizen (record
a request, send the question) is `services.ratings`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

import sqlalchemy as sa
from cryptography.fernet import InvalidToken

from layani import pii_key, settings
from layani.paths import VAR_DIR
from storage.db import database_url, session_scope
from storage.models import Base, utcnow

SUBJECT_KINDS = ("ticket", "handoff")
SCORES = (1, 2, 3, 4, 5)
REQUEST_DAYS = 7
COMMENT_MAX_CHARS = 1000
STAGES = ("score", "comment")


class InvalidRating(ValueError):
    """A score outside 1..5, an unknown subject kind, or an empty subject reference."""


class Rating(Base):
    __tablename__ = "ratings"
    __table_args__ = (
        sa.CheckConstraint("score >= 1 AND score <= 5", name="ck_ratings_score"),
        sa.CheckConstraint("subject_kind IN ('ticket', 'handoff')", name="ck_ratings_subject_kind"),
        sa.UniqueConstraint("subject_kind", "subject_ref", name="uq_ratings_subject"),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    subject_kind = sa.Column(sa.String(16), nullable=False)
    subject_ref = sa.Column(sa.String(64), nullable=False)
    agency = sa.Column(sa.String(64), nullable=True, index=True)
    score = sa.Column(sa.SmallInteger, nullable=False)
    comment = sa.Column(sa.Text, nullable=True)  # Fernet token, never clear text
    channel = sa.Column(sa.String(16), nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow, index=True)
    updated_at = sa.Column(sa.DateTime, nullable=False, default=utcnow, onupdate=utcnow)


class RatingRequest(Base):
    __tablename__ = "rating_requests"
    __table_args__ = (
        sa.UniqueConstraint("subject_kind", "subject_ref", name="uq_rating_requests_subject"),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    owner_digest = sa.Column(sa.String(64), nullable=False, index=True)
    subject_kind = sa.Column(sa.String(16), nullable=False)
    subject_ref = sa.Column(sa.String(64), nullable=False)
    agency = sa.Column(sa.String(64), nullable=True)
    channel = sa.Column(sa.String(16), nullable=False)
    stage = sa.Column(sa.String(16), nullable=False, default="score")
    asked_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    expires_at = sa.Column(sa.DateTime, nullable=False, index=True)


@dataclass(frozen=True)
class PendingRequest:
    subject_kind: str
    subject_ref: str
    agency: str | None
    channel: str
    stage: str
    asked_at: dt.datetime
    expires_at: dt.datetime


@dataclass(frozen=True)
class RatingView:
    """A rating as staff see it: the comment opened (or None when there is none)."""

    id: int
    subject_kind: str
    subject_ref: str
    agency: str | None
    score: int
    comment: str | None
    channel: str
    created_at: dt.datetime
    updated_at: dt.datetime


def _raw_key(url: str | None) -> str:
    """The first configured personal-data key (the one that encrypts), as text."""
    raw = (settings.load().pii_encryption_key or "").strip()
    if not raw:
        if not database_url(url).startswith("sqlite"):
            raise pii_key.MissingKey("LAYANI_PII_KEY must be set when the database is not SQLite")
        raw = pii_key.generated_key(VAR_DIR)
    return raw.split(",")[0].strip()


def owner_digest(owner_key: str, url: str | None = None) -> str:
    """HMAC-SHA256 of an owner key under the personal-data key (hex, 64 characters)."""
    key = _raw_key(url).encode("ascii")
    return hmac.new(key, owner_key.encode("utf-8"), hashlib.sha256).hexdigest()


def _cipher(url: str | None):  # type: ignore[no-untyped-def]
    from storage.personal_data import cipher

    return cipher(url)


def seal(text: str, url: str | None = None) -> str:
    """Encrypt a comment for storage."""
    return _cipher(url).encrypt(text.encode("utf-8")).decode("ascii")


def unseal(token: str | None, url: str | None = None) -> str | None:
    """Decrypt a stored comment; a token no configured key opens reads as None."""
    if not token:
        return None
    try:
        return _cipher(url).decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        return None


def _check_subject(subject_kind: str, subject_ref: str) -> None:
    if subject_kind not in SUBJECT_KINDS:
        raise InvalidRating(f"unknown subject kind: {subject_kind!r}")
    if not str(subject_ref).strip() or len(str(subject_ref)) > 64:
        raise InvalidRating("subject reference must be 1..64 characters")


def request_rating(
    owner_key: str,
    subject_kind: str,
    subject_ref: str,
    agency: str | None,
    channel: str,
    now: dt.datetime | None = None,
    url: str | None = None,
) -> PendingRequest:
    """Remember that a citizen was asked to rate a subject, for REQUEST_DAYS days.

    Asking again for the same subject (e.g. a ticket reopened and closed again) restarts the
    window; the request is again waiting for a score.
    """
    _check_subject(subject_kind, subject_ref)
    now = now or utcnow()
    digest = owner_digest(owner_key, url)
    expires = now + dt.timedelta(days=REQUEST_DAYS)
    with session_scope(url) as session:
        row = session.execute(
            sa.select(RatingRequest).where(
                RatingRequest.subject_kind == subject_kind,
                RatingRequest.subject_ref == str(subject_ref),
            )
        ).scalar_one_or_none()
        if row is None:
            row = RatingRequest(subject_kind=subject_kind, subject_ref=str(subject_ref))
            session.add(row)
        row.owner_digest = digest
        row.agency = agency
        row.channel = (channel or "rest")[:16]
        row.stage = "score"
        row.asked_at = now
        row.expires_at = expires
        session.flush()
        return _pending(row)


def _pending(row: RatingRequest) -> PendingRequest:
    return PendingRequest(
        subject_kind=row.subject_kind,
        subject_ref=row.subject_ref,
        agency=row.agency,
        channel=row.channel,
        stage=row.stage,
        asked_at=row.asked_at,
        expires_at=row.expires_at,
    )


def pending_for(
    owner_key: str,
    stage: str | None = None,
    subject: tuple[str, str] | None = None,
    now: dt.datetime | None = None,
    url: str | None = None,
) -> PendingRequest | None:
    """The citizen's most recent unexpired request (optionally at `stage`, or for `subject`).

    The most recent one wins when several tickets were closed in the same week: the citizen
    answers the message they just received.
    """
    now = now or utcnow()
    query = sa.select(RatingRequest).where(
        RatingRequest.owner_digest == owner_digest(owner_key, url),
        RatingRequest.expires_at > now,
    )
    if stage is not None:
        query = query.where(RatingRequest.stage == stage)
    if subject is not None:
        query = query.where(
            RatingRequest.subject_kind == subject[0], RatingRequest.subject_ref == str(subject[1])
        )
    query = query.order_by(RatingRequest.asked_at.desc(), RatingRequest.id.desc()).limit(1)
    with session_scope(url) as session:
        row = session.execute(query).scalar_one_or_none()
        return _pending(row) if row is not None else None


def record_rating(
    subject_kind: str,
    subject_ref: str,
    score: int,
    channel: str,
    agency: str | None = None,
    comment: str | None = None,
    now: dt.datetime | None = None,
    url: str | None = None,
) -> RatingView:
    """Store a rating, replacing any earlier rating of the same subject.

    A replacement keeps the earlier comment unless a new one is given (a citizen who corrects
    the score does not lose what they wrote).
    """
    _check_subject(subject_kind, subject_ref)
    if isinstance(score, bool) or not isinstance(score, int) or score not in SCORES:
        raise InvalidRating(f"score must be 1..5, not {score!r}")
    now = now or utcnow()
    sealed = seal(comment.strip()[:COMMENT_MAX_CHARS], url) if comment and comment.strip() else None
    try:
        return _upsert(subject_kind, subject_ref, score, channel, agency, sealed, now, url)
    except sa.exc.IntegrityError:
        # Two answers for a new subject at once (a double tap): the other insert won; update it.
        return _upsert(subject_kind, subject_ref, score, channel, agency, sealed, now, url)


def _upsert(
    subject_kind: str,
    subject_ref: str,
    score: int,
    channel: str,
    agency: str | None,
    sealed: str | None,
    now: dt.datetime,
    url: str | None,
) -> RatingView:
    with session_scope(url) as session:
        row = session.execute(
            sa.select(Rating).where(
                Rating.subject_kind == subject_kind, Rating.subject_ref == str(subject_ref)
            )
        ).scalar_one_or_none()
        if row is None:
            row = Rating(subject_kind=subject_kind, subject_ref=str(subject_ref), created_at=now)
            session.add(row)
        row.score = score
        row.agency = agency if agency is not None else row.agency
        row.channel = (channel or "rest")[:16]
        if sealed is not None:
            row.comment = sealed
        row.updated_at = now
        session.flush()
        return _view(row, url)


def add_comment(
    subject_kind: str,
    subject_ref: str,
    comment: str,
    now: dt.datetime | None = None,
    url: str | None = None,
) -> bool:
    """Attach (or replace) the sealed comment of an existing rating; False when none exists."""
    text = (comment or "").strip()[:COMMENT_MAX_CHARS]
    if not text:
        return False
    sealed = seal(text, url)
    with session_scope(url) as session:
        row = session.execute(
            sa.select(Rating).where(
                Rating.subject_kind == subject_kind, Rating.subject_ref == str(subject_ref)
            )
        ).scalar_one_or_none()
        if row is None:
            return False
        row.comment = sealed
        row.updated_at = now or utcnow()
        return True


def set_stage(
    owner_key: str, subject_kind: str, subject_ref: str, stage: str, url: str | None = None
) -> None:
    """Move the citizen's request for a subject to `stage` ("score" or "comment")."""
    if stage not in STAGES:
        raise ValueError(stage)
    with session_scope(url) as session:
        session.execute(
            sa.update(RatingRequest)
            .where(
                RatingRequest.owner_digest == owner_digest(owner_key, url),
                RatingRequest.subject_kind == subject_kind,
                RatingRequest.subject_ref == str(subject_ref),
            )
            .values(stage=stage)
        )


def purge_expired_requests(now: dt.datetime | None = None, url: str | None = None) -> int:
    """Delete requests past their window (ratings stay); returns the number deleted."""
    with session_scope(url) as session:
        result = session.execute(
            sa.delete(RatingRequest).where(RatingRequest.expires_at <= (now or utcnow()))
        )
        return int(result.rowcount or 0)


def _view(row: Rating, url: str | None) -> RatingView:
    return RatingView(
        id=row.id,
        subject_kind=row.subject_kind,
        subject_ref=row.subject_ref,
        agency=row.agency,
        score=int(row.score),
        comment=unseal(row.comment, url),
        channel=row.channel,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def get_rating(subject_kind: str, subject_ref: str, url: str | None = None) -> RatingView | None:
    with session_scope(url) as session:
        row = session.execute(
            sa.select(Rating).where(
                Rating.subject_kind == subject_kind, Rating.subject_ref == str(subject_ref)
            )
        ).scalar_one_or_none()
        return _view(row, url) if row is not None else None


def _agency_filter(query, agencies: list[str] | None):  # type: ignore[no-untyped-def]
    # None means "every agency" (admins); an empty list means none at all.
    if agencies is None:
        return query
    return query.where(Rating.agency.in_(list(agencies)))


def ratings_for_agency(
    agencies: list[str] | None,
    score: int | None = None,
    limit: int = 50,
    offset: int = 0,
    url: str | None = None,
) -> list[RatingView]:
    """Ratings of the given agencies (None = all, for admins), newest first, comments opened.

    Staff only: callers scope `agencies` with `console.access` first.
    """
    query = _agency_filter(sa.select(Rating), agencies)
    if score is not None:
        query = query.where(Rating.score == score)
    query = query.order_by(Rating.updated_at.desc(), Rating.id.desc()).limit(limit).offset(offset)
    with session_scope(url) as session:
        return [_view(row, url) for row in session.execute(query).scalars()]


def summary_for_agency(agencies: list[str] | None, url: str | None = None) -> dict[str, object]:
    """Count, average and distribution 1..5 of the given agencies' ratings (staff; unsuppressed)."""
    query = _agency_filter(
        sa.select(Rating.score, sa.func.count()).group_by(Rating.score), agencies
    )
    with session_scope(url) as session:
        counts = {int(s): int(n) for s, n in session.execute(query)}
    total = sum(counts.values())
    average = round(sum(s * n for s, n in counts.items()) / total, 2) if total else None
    return {
        "responses": total,
        "average": average,
        "distribution": {str(s): counts.get(s, 0) for s in SCORES},
    }


def cancel_request(subject_kind: str, subject_ref: str, url: str | None = None) -> None:
    """Forget a request whose question could not be delivered (a digit must not count)."""
    with session_scope(url) as session:
        session.execute(
            sa.delete(RatingRequest).where(
                RatingRequest.subject_kind == subject_kind,
                RatingRequest.subject_ref == str(subject_ref),
            )
        )
