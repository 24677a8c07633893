"""Rasa's SQL tracker store, without personal data in clear (UU 27/2022).

Why: Rasa stores every event of a conversation as JSON. After one domisili application the NIK
was in `var/tracker.db` three times (the message, its parse data, the slot), with no retention.
This store (both profiles: `type: layani.tracker_store.PrivateSQLTrackerStore` in endpoints*.yml,
SQLite or PostgreSQL exactly like Rasa's `SQL` type) changes only what is written:

- User messages (text, parse data, metadata) and bot messages go through
  `layani.pii.mask_text`: the citizen's words stay readable for staff, the numbers do not.
- Slot values are sealed with the personal-data key (`layani.pii_key`, the same Fernet key as
  `storage.personal_data`) when the slot is declared personal
  (`actions.applications.services.PERSONAL_SLOTS`) or when its value contains anything
  `mask_text` would mask (a complaint description with a NIK in it). Retrieval unseals them, so
  a form keeps its answers across turns and restarts; the in-memory tracker of a turn never
  changes.
- Only the events Rasa itself would add are transformed (Rasa saves only events not stored
  yet), so a turn costs the same whatever the length of the conversation.

Recent window: Rasa rebuilds the whole session's tracker on every turn and its policies walk all
of it, so a turn at message 300 of one conversation cost 3-7x a turn at message 10 (measured,
docs/performance.md). A session longer than WINDOW_TRIGGER events is loaded as its last
WINDOW_EVENTS events, cut at a user message, behind a short prefix that restores the state the
cut dropped: every slot's latest value and the active form (after the last restart or slot
reset). Policies look back at most a few turns (max_history), so predictions do not change.
`retrieve_full_tracker` (transcripts, the console) still reads every event.

What a save appends: every tracker this store loaded or saved carries how many of its leading
events are already stored (`STORED_MARK`, a window's synthetic prefix included), so save appends
exactly the events after it without asking the database; only a tracker this store has not seen
(Rasa's brand-new conversations) is counted as Rasa counts it. The count was 4.5 % of a turn under
load (docs/performance.md). An index on (sender_id, type_name, timestamp) (`SESSION_INDEX`) lets
the latest-session filter find the session start without reading the events' rows.

Erasure ("hapus data saya", actions/privacy.py): a turn whose new events contain
`action_erase_my_data` followed by `Restarted` deletes every stored event of the conversation
instead of saving, so the next message starts an empty conversation. Retention:
`purge_inactive` (run by `layani conversations purge`) deletes conversations idle longer than
LAYANI_CONVERSATION_RETENTION_DAYS.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import InvalidToken, MultiFernet
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, Event, Restarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from actions.applications.services import PERSONAL_SLOTS
from layani import pii_key, settings
from layani.paths import VAR_DIR
from layani.pii import mask_text

logger = logging.getLogger(__name__)

SEALED_KEY = "layani_sealed"
ERASE_ACTION = "action_erase_my_data"
SECONDS_PER_DAY = 86400
# A session longer than this many events is loaded as a window of its latest events.
WINDOW_TRIGGER = 160
WINDOW_EVENTS = 100
# Set on every tracker this store loaded or saved: how many of its leading events are stored.
STORED_MARK = "_layani_stored"
RESET_EVENTS = ("restart", "reset_slots")

# The latest session's events (Rasa's `_event_query`: from the latest `session_started` on, or
# all), as plain SQL: building the ORM query with its subquery cost more CPU per turn than
# running it (SQLAlchemy's cache-key generation was 10 % of a turn under load).
_SESSION_FILTER = """
    sender_id = :sender AND (
        timestamp >= (SELECT max(timestamp) FROM events
                      WHERE sender_id = :sender AND type_name = 'session_started')
        OR NOT EXISTS (SELECT 1 FROM events
                       WHERE sender_id = :sender AND type_name = 'session_started'))
"""
SESSION_LATEST = sa.text(
    f"SELECT id, type_name, timestamp, data FROM events WHERE {_SESSION_FILTER} "
    "ORDER BY id DESC LIMIT :limit"
)
SESSION_COUNT = sa.text(f"SELECT count(*) FROM events WHERE {_SESSION_FILTER}")
# Serves both sub-queries of the filter (the session start of one sender) from the index alone.
SESSION_INDEX = sa.text(
    "CREATE INDEX IF NOT EXISTS events_sender_type_time ON events (sender_id, type_name, timestamp)"
)


def load_cipher() -> MultiFernet:
    """The personal-data cipher, with `storage.personal_data`'s rule for an unset key: generated
    under var/ only in the embedded profile (DATABASE_URL on SQLite), refused otherwise."""
    config = settings.load()
    embedded = config.database_url.startswith("sqlite")
    return pii_key.cipher(config.pii_encryption_key, VAR_DIR if embedded else None)


_DIGIT = re.compile(r"\d")
# Parse-data keys that hold only the model's own labels and the domain's answers, never the
# citizen's words: walking them string by string cost more than the rest of the save.
MODEL_OUTPUT_KEYS = frozenset({"intent", "intent_ranking", "response_selector"})


def mask_strings(value: Any) -> Any:
    """`value` with every string inside it masked (dicts and lists walked).

    Only a string with a digit can hold an identity or phone number: the others skip the three
    masking patterns (a turn's parse data holds hundreds of label strings, and masking each of
    them was 7 % of a turn under load)."""
    if isinstance(value, str):
        return mask_text(value) if _DIGIT.search(value) else value
    if isinstance(value, list):
        return [mask_strings(v) for v in value]
    if isinstance(value, dict):
        return {k: mask_strings(v) for k, v in value.items()}
    return value


def needs_sealing(name: str, value: Any, personal: Iterable[str] = PERSONAL_SLOTS) -> bool:
    """A declared personal slot with a value, or any value holding a number `mask_text` hides."""
    if value is None:
        return False
    if name in personal:
        return True
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return mask_text(text) != text


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {SEALED_KEY}


def seal(value: Any, cipher: MultiFernet) -> dict[str, str]:
    token = cipher.encrypt(json.dumps(value, ensure_ascii=False).encode("utf-8"))
    return {SEALED_KEY: token.decode("ascii")}


def unseal(value: Mapping[str, str], cipher: MultiFernet) -> Any:
    return json.loads(cipher.decrypt(value[SEALED_KEY].encode("ascii")).decode("utf-8"))


def protect_event(data: dict[str, Any], cipher: MultiFernet) -> dict[str, Any]:
    """The stored form of one serialised event (`Event.as_dict()`); `data` is not modified."""
    kind = data.get("event")
    if kind == "user":
        data = dict(data)
        data["text"] = mask_text(data.get("text") or "") or data.get("text")
        if data.get("parse_data"):  # text, entities, a copy of the metadata
            data["parse_data"] = {
                key: value if key in MODEL_OUTPUT_KEYS else mask_strings(value)
                for key, value in data["parse_data"].items()
            }
        if data.get("metadata"):
            data["metadata"] = mask_strings(data["metadata"])
    elif kind == "bot":
        data = dict(data)
        data["text"] = mask_text(data.get("text") or "") or data.get("text")
        for key in ("data", "metadata"):  # buttons, an officer's message metadata
            if data.get(key):
                data[key] = mask_strings(data[key])
    elif kind == "slot" and needs_sealing(str(data.get("name")), data.get("value")):
        data = {**data, "value": seal(data.get("value"), cipher)}
    elif kind == "entities":
        data = {**data, "entities": mask_strings(data.get("entities"))}
    return data


def restore_event(data: dict[str, Any], cipher: MultiFernet) -> dict[str, Any]:
    """The event as the conversation had it: sealed slot values opened."""
    if data.get("event") != "slot" or not is_sealed(data.get("value")):
        return data
    try:
        return {**data, "value": unseal(data["value"], cipher)}
    except (InvalidToken, ValueError):
        # A key rotated out: the answer is lost, the conversation goes on (the form asks again).
        logger.warning("Slot %s could not be decrypted with LAYANI_PII_KEY", data.get("name"))
        return {**data, "value": None}


def erasure_requested(events: Iterable[Event]) -> bool:
    """True when these events hold `action_erase_my_data` followed by `Restarted`."""
    last_action = None
    for event in events:
        if isinstance(event, ActionExecuted) and event.action_name != ACTION_LISTEN_NAME:
            last_action = event.action_name
        elif isinstance(event, Restarted) and last_action == ERASE_ACTION:
            return True
    return False


def use_write_ahead_log(engine: Any) -> None:
    """SQLite (embedded profile) in WAL mode with `synchronous=NORMAL`.

    Why: in its default mode SQLite syncs the whole journal to disk on every commit, one per
    turn; WAL appends and syncs at checkpoints, and readers no longer block the writer (the
    console reads transcripts while turns are saved). A turn already committed survives a crash
    of the process; only a power cut can lose the last turns (the conversation store, not the
    complaints, which live in the application database).
    """

    @sa.event.listens_for(engine, "connect")
    def _on_connect(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    engine.dispose()  # connections opened before the listener get the pragmas too


def keep_sqlite_connection(engine: Any) -> Any:
    """The same SQLite database behind a pool that keeps its connection open between turns.

    Why: SQLAlchemy 1.4 gives a file SQLite database a `NullPool`, so every turn opened a
    connection (and re-ran the WAL pragmas) and closed it after the commit. Closing the last
    connection of a WAL database checkpoints the log into the database file and deletes it: under
    20 concurrent citizens that close was 10 % of the Rasa server's busy time and the commit 8 %
    (py-spy, docs/performance.md). The Rasa server saves turns from its one event-loop thread, so
    one kept connection per thread is enough; other processes (the console) open their own.
    """
    url = engine.url
    engine.dispose()
    return sa.create_engine(
        url, poolclass=sa.pool.SingletonThreadPool, connect_args={"check_same_thread": False}
    )


class PrivateSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` that masks messages, seals personal slots and honours erasure."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Fail at start-up, not on the first message, when production has no key.
        self.cipher = load_cipher()
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            self.engine = keep_sqlite_connection(self.engine)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
            use_write_ahead_log(self.engine)
        self._create_session_index()

    def _create_session_index(self) -> None:
        """Add `SESSION_INDEX` to Rasa's events table (idempotent). It only speeds queries up, so
        a failure (a replica creating it at the same moment, a database user without the right)
        is logged and the store works without it."""
        try:
            with self.engine.begin() as connection:
                connection.execute(SESSION_INDEX)
        except sa.exc.DBAPIError as error:
            logger.warning("Session index not created (%s); queries stay correct without it", error)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the turn's new events in their protected form, or erase the conversation."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            events = list(self._additional_events(session, tracker))
            if erasure_requested(events):
                deleted = (
                    session.query(self.SQLEvent)
                    .filter(self.SQLEvent.sender_id == tracker.sender_id)
                    .delete(synchronize_session=False)
                )
                session.commit()
                # Saving this tracker again must not bring the erased events back.
                setattr(tracker, STORED_MARK, len(tracker.events))
                logger.info("Conversation erased on the citizen's request (%d events)", deleted)
                return
            rows = []
            for event in events:
                data = event.as_dict()
                rows.append(
                    {
                        "sender_id": tracker.sender_id,
                        "type_name": event.type_name,
                        "timestamp": data.get("timestamp"),
                        "intent_name": data.get("parse_data", {})
                        .get("intent", {})
                        .get(INTENT_NAME_KEY),
                        "action_name": data.get("name"),
                        "data": json.dumps(protect_event(data, self.cipher)),
                    }
                )
            if rows:  # one INSERT for the turn, without the ORM's unit of work
                session.execute(self.SQLEvent.__table__.insert(), rows)
            session.commit()
        setattr(tracker, STORED_MARK, len(tracker.events))

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterable[Event]:
        """Events of `tracker` after its `STORED_MARK`; without a mark, after the session's
        stored events (Rasa's rule: the tracker holds the latest session from its start)."""
        start = getattr(tracker, STORED_MARK, None)
        if start is None:
            start = session.execute(SESSION_COUNT, {"sender": tracker.sender_id}).scalar()
        return itertools.islice(tracker.events, start, len(tracker.events))

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        with self.session_scope() as session:
            # Rasa's ORM query is built only where it is read (transcripts, long sessions):
            # building it cost 16 % of an ordinary retrieval (tooling.store_bench under cProfile).
            def query() -> Any:
                return self._event_query(
                    session,
                    sender_id,
                    fetch_events_from_all_sessions=fetch_events_from_all_sessions,
                )

            if fetch_events_from_all_sessions:
                events = [json.loads(row.data) for row in query().all()]
            else:
                # One query: the latest WINDOW_TRIGGER + 1 events tell whether that is all.
                latest = session.execute(
                    SESSION_LATEST, {"sender": sender_id, "limit": WINDOW_TRIGGER + 1}
                ).all()
                if len(latest) <= WINDOW_TRIGGER:
                    events = [json.loads(row.data) for row in reversed(latest)]
                else:
                    events = self._window_events(query(), latest[:WINDOW_EVENTS][::-1])
            events = [restore_event(data, self.cipher) for data in events]
        if not self.domain or not events:
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        setattr(tracker, STORED_MARK, len(tracker.events))
        return tracker

    def _window_events(self, query: Any, tail: list[Any]) -> list[dict[str, Any]]:
        """`tail` (the latest stored rows, oldest first) from its first user message on, behind
        the state the older events left (latest slot values, the active form)."""
        event = self.SQLEvent
        first_user = next((i for i, row in enumerate(tail) if row.type_name == "user"), None)
        if first_user is None:  # no user message in the window: nothing safe to cut at
            return [json.loads(row.data) for row in query.all()]
        tail = tail[first_user:]
        before = query.order_by(None).filter(event.id < tail[0].id)
        reset = (
            before.filter(event.type_name.in_(RESET_EVENTS))
            .with_entities(sa.func.max(event.id))
            .scalar()
        )
        state = before.filter(event.id > (reset or 0))
        latest_slots = [
            row[0]
            for row in state.filter(event.type_name == "slot")
            .with_entities(sa.func.max(event.id))
            .group_by(event.action_name)
            .all()
        ]
        restored = (
            state.filter(event.id.in_(latest_slots)).order_by(event.id).all()
            if latest_slots
            else []
        )
        loop = state.filter(event.type_name == "active_loop").order_by(event.id.desc()).first()
        timestamp = tail[0].timestamp
        prefix = [
            {"event": "action", "name": "action_session_start", "timestamp": timestamp},
            {"event": "session_started", "timestamp": timestamp},
            *(json.loads(row.data) for row in restored),
            *([json.loads(loop.data)] if loop is not None else []),
            {"event": "action", "name": ACTION_LISTEN_NAME, "timestamp": timestamp},
        ]
        return prefix + [json.loads(row.data) for row in tail]

    def purge_inactive(
        self, older_than_days: int, now: float | None = None, dry_run: bool = False
    ) -> tuple[int, int]:
        """Delete conversations whose last event is older than `older_than_days`.

        Returns (conversations, events) deleted, or that would be with `dry_run`.
        """
        cutoff = (now if now is not None else time.time()) - older_than_days * SECONDS_PER_DAY
        event = self.SQLEvent
        with self.session_scope() as session:
            stale = (
                sa.select(event.sender_id)
                .group_by(event.sender_id)
                .having(sa.func.max(event.timestamp) < cutoff)
            )
            conversations = session.execute(
                sa.select(sa.func.count()).select_from(stale.subquery())
            ).scalar_one()
            rows = session.execute(
                sa.select(sa.func.count(event.id)).where(event.sender_id.in_(stale))
            ).scalar_one()
            if not dry_run and conversations:
                session.execute(
                    sa.delete(event)
                    .where(event.sender_id.in_(stale))
                    .execution_options(synchronize_session=False)
                )
                session.commit()
        return int(conversations), int(rows)
