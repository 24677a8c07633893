"""Staff console accounts: agencies, users, sessions, lockout and the audit log.

No web framework here: the console (`console/`) and the CLI (`layani console ...`) both call
these functions, so a rule such as "five wrong passwords lock the account" holds whichever door
is used. Passwords are argon2id hashes (argon2-cffi defaults, RFC 9106 low-memory profile).
Session tokens are random and only their SHA-256 is stored, so a leaked database copy does not
let anyone into the console.

Exceptions (all `ConsoleError`):
    ConsoleError
    ├── InvalidInput      bad username, weak password, unknown role or agency
    └── DuplicateEntry    username or agency id already taken
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.orm import Session

from storage.models import Base, utcnow

ROLES = ("admin", "officer", "auditor")
MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
SESSION_IDLE = dt.timedelta(minutes=30)
SESSION_MAX = dt.timedelta(hours=10)
MIN_PASSWORD_LENGTH = 10

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
_AGENCY_ID = re.compile(r"^[a-z0-9][a-z0-9_]{1,63}$")
_hasher = PasswordHasher()
# Verified against when the username is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class ConsoleError(Exception):
    """Base class of errors raised by the console account services."""


class InvalidInput(ConsoleError):
    """A value given by an administrator is not acceptable (the message says why)."""


class DuplicateEntry(ConsoleError):
    """A username or agency id that already exists."""


class Agency(Base):
    __tablename__ = "console_agencies"

    id = sa.Column(sa.String(64), primary_key=True)  # same ids as tickets.agency
    name = sa.Column(sa.String(200), nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)


class StaffUser(Base):
    __tablename__ = "console_users"

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    username = sa.Column(sa.String(64), nullable=False, unique=True)
    password_hash = sa.Column(sa.String(255), nullable=False)
    role = sa.Column(sa.String(16), nullable=False)
    agency_id = sa.Column(sa.String(64), sa.ForeignKey("console_agencies.id"), nullable=True)
    active = sa.Column(sa.Boolean, nullable=False, default=True)
    failed_logins = sa.Column(sa.Integer, nullable=False, default=0)
    locked_until = sa.Column(sa.DateTime, nullable=True)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    last_login_at = sa.Column(sa.DateTime, nullable=True)


class StaffSession(Base):
    __tablename__ = "console_sessions"

    id = sa.Column(sa.String(64), primary_key=True)  # sha256(token), hex
    user_id = sa.Column(
        sa.Integer,
        sa.ForeignKey("console_users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    csrf_token = sa.Column(sa.String(64), nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    last_seen_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    ip = sa.Column(sa.String(64), nullable=True)


class AuditEntry(Base):
    """Who did what to which item, when. Rows are only ever added."""

    __tablename__ = "console_audit_log"

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    at = sa.Column(sa.DateTime, nullable=False, default=utcnow, index=True)
    user_id = sa.Column(sa.Integer, nullable=True)
    username = sa.Column(sa.String(64), nullable=False)
    action = sa.Column(sa.String(40), nullable=False, index=True)
    target_type = sa.Column(sa.String(32), nullable=False)
    target_id = sa.Column(sa.String(200), nullable=False, index=True)
    detail = sa.Column(sa.Text, nullable=True)  # JSON; never holds a revealed value
    ip = sa.Column(sa.String(64), nullable=True)


@dataclass(frozen=True)
class Staff:
    """A signed-in user as the console sees it (detached from any DB session)."""

    id: int
    username: str
    role: str
    agency_id: str | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def can_see_agency(self, agency_id: str | None) -> bool:
        """Admins and auditors see every agency; an officer only their own."""
        if self.role in ("admin", "auditor"):
            return True
        return self.agency_id is not None and agency_id == self.agency_id

    def can_act_on_agency(self, agency_id: str | None) -> bool:
        """Replying, resolving, status changes and reveals: never auditors (read-only)."""
        if self.role == "auditor":
            return False
        return self.can_see_agency(agency_id)


def _staff(user: StaffUser) -> Staff:
    return Staff(id=user.id, username=user.username, role=user.role, agency_id=user.agency_id)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- agencies -------------------------------------------------------------------------------


def create_agency(session: Session, agency_id: str, name: str) -> Agency:
    agency_id = agency_id.strip().lower()
    if not _AGENCY_ID.match(agency_id):
        raise InvalidInput("agency id: 2-64 lower-case letters, digits or _ (e.g. dinas_pupr)")
    if not name.strip():
        raise InvalidInput("agency name is required")
    if session.get(Agency, agency_id) is not None:
        raise DuplicateEntry(f"agency {agency_id} already exists")
    agency = Agency(id=agency_id, name=name.strip())
    session.add(agency)
    session.flush()
    return agency


def ensure_agency(session: Session, agency_id: str, name: str) -> bool:
    """Create the agency unless it exists; True when it was created."""
    if session.get(Agency, agency_id) is not None:
        return False
    create_agency(session, agency_id, name)
    return True


def list_agencies(session: Session) -> list[Agency]:
    return list(session.execute(sa.select(Agency).order_by(Agency.id)).scalars())


# --- users ----------------------------------------------------------------------------------


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if password.strip() != password or not password.strip():
        raise InvalidInput("password must not start or end with spaces")


def _check_role(session: Session, role: str, agency_id: str | None) -> None:
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}")
    if role == "officer" and not agency_id:
        raise InvalidInput("an officer needs an agency")
    if agency_id and session.get(Agency, agency_id) is None:
        raise InvalidInput(f"unknown agency {agency_id}")


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    agency_id: str | None = None,
) -> StaffUser:
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise InvalidInput("username: 3-64 characters, lower-case letters, digits, . _ -")
    _check_password(password)
    agency_id = agency_id or None
    _check_role(session, role, agency_id)
    if session.execute(sa.select(StaffUser.id).where(StaffUser.username == username)).first():
        raise DuplicateEntry(f"user {username} already exists")
    user = StaffUser(
        username=username,
        password_hash=_hasher.hash(password),
        role=role,
        agency_id=agency_id if role == "officer" else None,
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, user_id: int) -> StaffUser | None:
    return session.get(StaffUser, user_id)


def find_user(session: Session, username: str) -> StaffUser | None:
    return session.execute(
        sa.select(StaffUser).where(StaffUser.username == username.strip().lower())
    ).scalar_one_or_none()


def list_users(session: Session) -> list[StaffUser]:
    return list(session.execute(sa.select(StaffUser).order_by(StaffUser.username)).scalars())


def update_user(
    session: Session,
    user: StaffUser,
    *,
    role: str | None = None,
    agency_id: str | None = None,
    active: bool | None = None,
) -> StaffUser:
    new_role = role or user.role
    new_agency = (agency_id if agency_id is not None else user.agency_id) or None
    _check_role(session, new_role, new_agency)
    user.role = new_role
    user.agency_id = new_agency if new_role == "officer" else None
    if active is not None:
        user.active = active
        if not active:
            end_user_sessions(session, user.id)
    return user


def set_password(session: Session, user: StaffUser, password: str) -> None:
    _check_password(password)
    user.password_hash = _hasher.hash(password)
    user.failed_logins = 0
    user.locked_until = None
    end_user_sessions(session, user.id)


def unlock_user(user: StaffUser) -> None:
    user.failed_logins = 0
    user.locked_until = None


# --- login ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginResult:
    """`staff` is set on success; `locked_until` when the account is (now) locked."""

    staff: Staff | None = None
    locked_until: dt.datetime | None = None


def authenticate(
    session: Session, username: str, password: str, now: dt.datetime | None = None
) -> LoginResult:
    """Check a password, counting failures: the fifth in a row locks the account for 15 minutes.

    While locked, even the right password is refused (otherwise the lock would only slow a
    guesser down, not stop one). Unknown and disabled users get the same answer as a wrong
    password, after the same argon2 work, so the login form does not reveal which names exist.
    """
    now = now or utcnow()
    user = find_user(session, username) if username else None
    if user is None or not user.active:
        try:
            _hasher.verify(_DUMMY_HASH, password or "-")
        except VerificationError:
            pass
        return LoginResult()
    if user.locked_until and user.locked_until > now:
        return LoginResult(locked_until=user.locked_until)
    try:
        _hasher.verify(user.password_hash, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
            return LoginResult(locked_until=user.locked_until)
        return LoginResult()
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return LoginResult(staff=_staff(user))


# --- sessions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionInfo:
    staff: Staff
    csrf_token: str


def create_session(session: Session, staff: Staff, ip: str | None = None) -> str:
    """A new session for `staff`; returns the cookie token (only its digest is stored)."""
    token = secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            id=_token_digest(token),
            user_id=staff.id,
            csrf_token=secrets.token_urlsafe(32),
            ip=(ip or "")[:64] or None,
        )
    )
    session.flush()
    return token


def load_session(
    session: Session, token: str | None, now: dt.datetime | None = None
) -> SessionInfo | None:
    """The live session for a cookie token, or None (unknown, idle too long, too old, user off)."""
    if not token:
        return None
    now = now or utcnow()
    row = session.get(StaffSession, _token_digest(token))
    if row is None:
        return None
    user = session.get(StaffUser, row.user_id)
    expired = now - row.last_seen_at > SESSION_IDLE or now - row.created_at > SESSION_MAX
    if expired or user is None or not user.active:
        session.delete(row)
        return None
    row.last_seen_at = now
    return SessionInfo(staff=_staff(user), csrf_token=row.csrf_token)


def end_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(sa.delete(StaffSession).where(StaffSession.id == _token_digest(token)))


def end_user_sessions(session: Session, user_id: int) -> None:
    session.execute(sa.delete(StaffSession).where(StaffSession.user_id == user_id))


def purge_expired_sessions(session: Session, now: dt.datetime | None = None) -> int:
    now = now or utcnow()
    result = session.execute(
        sa.delete(StaffSession).where(
            sa.or_(
                StaffSession.last_seen_at < now - SESSION_IDLE,
                StaffSession.created_at < now - SESSION_MAX,
            )
        )
    )
    return int(result.rowcount or 0)


# --- audit log ------------------------------------------------------------------------------


def audit(
    session: Session,
    actor: Staff | None,
    action: str,
    target_type: str,
    target_id: str,
    detail: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Record one action. `detail` must never contain a revealed personal-data value."""
    entry = AuditEntry(
        user_id=actor.id if actor else None,
        username=actor.username if actor else "system",
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        detail=json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None,
        ip=(ip or "")[:64] or None,
    )
    session.add(entry)
    session.flush()
    return entry


def list_audit(
    session: Session,
    *,
    action: str | None = None,
    target_id: str | None = None,
    username: str | None = None,
    limit: int = 200,
) -> list[AuditEntry]:
    query = sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEntry.action == action)
    if target_id:
        query = query.where(AuditEntry.target_id == target_id)
    if username:
        query = query.where(AuditEntry.username == username)
    return list(session.execute(query).scalars())
