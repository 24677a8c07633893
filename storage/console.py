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
#
# A login is three steps so that the web console can run the slow one (argon2, ~0.1 s of CPU
# and 64 MiB) in its own small thread pool without holding a database transaction open:
#
#   login_candidate()  read the hash to check (a dummy hash for unknown, disabled or locked
#                      accounts, so every answer costs the same argon2 work)
#   verify_password()  argon2 only; no database
#   record_login()     one atomic UPDATE for the outcome (see there)
#
# `authenticate()` runs the three in a row for the CLI and tests.


@dataclass(frozen=True)
class LoginResult:
    """`staff` is set on success; `locked_until` when the account is (now) locked.

    Callers must give the person at the login form the same answer for every failure (unknown
    user, wrong password, locked account); `locked_until` is for the audit log only.
    """

    staff: Staff | None = None
    locked_until: dt.datetime | None = None


@dataclass(frozen=True)
class LoginCandidate:
    """What `verify_password` checks against; `user_id` None means "fail after the work"."""

    user_id: int | None
    password_hash: str | None  # None: check against the dummy hash
    locked_until: dt.datetime | None = None


_dummy_hashes: dict[tuple[int, int, int], str] = {}


def _dummy_hash() -> str:
    """A hash with the current hasher's parameters, so a dummy check costs a real one's time."""
    params = (_hasher.time_cost, _hasher.memory_cost, _hasher.parallelism)
    found = _dummy_hashes.get(params)
    if found is None:
        found = _dummy_hashes[params] = _hasher.hash(secrets.token_urlsafe(16))
    return found


def login_candidate(
    session: Session, username: str, now: dt.datetime | None = None
) -> LoginCandidate:
    """The hash a login attempt for `username` is checked against (a short read, no lock)."""
    now = now or utcnow()
    user = find_user(session, username) if username else None
    if user is None or not user.active:
        return LoginCandidate(None, None)
    if user.locked_until and user.locked_until > now:
        # Checked against the dummy: same time, and the right password cannot open a lock.
        return LoginCandidate(user.id, None, user.locked_until)
    return LoginCandidate(user.id, user.password_hash)


def verify_password(candidate: LoginCandidate, password: str) -> bool:
    """argon2 verification only (CPU-bound, no database): True when the login may proceed."""
    # The dummy is made here, not in `login_candidate`: its first computation is argon2 work
    # too, and belongs in the hashing pool, not the one pages use.
    try:
        _hasher.verify(candidate.password_hash or _dummy_hash(), password or "-")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return candidate.password_hash is not None


def record_login(
    session: Session,
    candidate: LoginCandidate,
    password_ok: bool,
    password: str = "",
    now: dt.datetime | None = None,
) -> LoginResult:
    """Count the outcome of one attempt atomically and decide the lock from the counted value.

    A failure is one `UPDATE ... SET failed_logins = failed_logins + 1` (restarting at 1 when an
    earlier lock has expired), then a read of the row this transaction now holds locked
    (PostgreSQL row lock, SQLite write lock): twelve parallel wrong passwords count twelve, and
    the one that reaches five sets the lock. Attempts during a lock are counted but do not
    extend it. A success only applies when the account is not locked at that moment, checked
    in the same UPDATE, so a lock set by a parallel failure wins.
    """
    now = now or utcnow()
    if candidate.user_id is None:
        return LoginResult()
    users = StaffUser.__table__
    if password_ok:
        done = session.execute(
            sa.update(users)
            .where(
                users.c.id == candidate.user_id,
                users.c.active.is_(True),
                sa.or_(users.c.locked_until.is_(None), users.c.locked_until <= now),
            )
            .values(failed_logins=0, locked_until=None, last_login_at=now)
        )
        if done.rowcount == 1:
            user = session.get(StaffUser, candidate.user_id)
            session.refresh(user)
            if _hasher.check_needs_rehash(user.password_hash) and password:
                user.password_hash = _hasher.hash(password)
            return LoginResult(staff=_staff(user))
    expired = sa.and_(users.c.locked_until.is_not(None), users.c.locked_until <= now)
    session.execute(
        sa.update(users)
        .where(users.c.id == candidate.user_id)
        .values(
            failed_logins=sa.case((expired, 1), else_=users.c.failed_logins + 1),
            locked_until=sa.case((expired, None), else_=users.c.locked_until),
        )
    )
    failed, locked_until = session.execute(
        sa.select(users.c.failed_logins, users.c.locked_until).where(
            users.c.id == candidate.user_id
        )
    ).one()
    if locked_until is None and failed >= MAX_FAILED_LOGINS:
        locked_until = now + LOCKOUT
        lock = sa.update(users).where(users.c.id == candidate.user_id)
        session.execute(lock.values(locked_until=locked_until))
    session.expire_all()  # ORM copies loaded before the UPDATE are stale now
    return LoginResult(locked_until=locked_until if locked_until and locked_until > now else None)


UNKNOWN_LOGIN_NAME = "(unknown)"


def audit_login_name(candidate: LoginCandidate, username: str) -> str:
    """The name a failed login is audited under: as typed for an account that exists, else
    a fixed marker. People type passwords (and NIKs) into the name box too, and even a digest
    of a password can be guessed offline; the address in the same row shows who was guessing.
    """
    if candidate.user_id is not None and username:
        return username
    return UNKNOWN_LOGIN_NAME


def authenticate(
    session: Session, username: str, password: str, now: dt.datetime | None = None
) -> LoginResult:
    """Check a password, counting failures: the fifth in a row locks the account for 15 minutes.

    While locked, even the right password is refused (otherwise the lock would only slow a
    guesser down, not stop one). Unknown, disabled and locked accounts cost the same argon2
    work as a wrong password, so timing does not reveal which names exist.
    """
    now = now or utcnow()
    candidate = login_candidate(session, username, now)
    ok = verify_password(candidate, password)
    return record_login(session, candidate, ok, password, now)


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
