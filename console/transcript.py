"""Turn a Rasa tracker (its JSON events) into the rows the conversation view shows.

Citizen messages carry the intent and confidence NLU gave them, so an officer can see where the
bot misunderstood. Bot messages written by an officer (recorded by the outbound API with
`metadata.staff`) are shown as staff messages. Text is masked (NIK, KK, phone) by default: the
transcript is often on a shared screen, and the full values are one deliberate reveal away in the
ticket view.

Officers see only their handoff's part of the conversation (`within`, bounds from
`storage.handoff.visible_window`); admins and auditors see all of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from layani.pii import mask_text

HANDOFF_SLOT = "handoff_active"


@dataclass(frozen=True)
class Row:
    kind: str  # "citizen", "bot", "staff" or "system"
    text: str
    at: dt.datetime | None  # UTC, naive
    intent: str | None = None
    confidence: float | None = None
    staff: str | None = None


def _time(event: dict[str, Any]) -> dt.datetime | None:
    stamp = event.get("timestamp")
    if stamp is None:
        return None
    return dt.datetime.fromtimestamp(float(stamp), dt.timezone.utc).replace(tzinfo=None)


def _bot_text(event: dict[str, Any]) -> str:
    text = event.get("text") or ""
    data = event.get("data") or {}
    buttons = [b.get("title", "") for b in data.get("buttons") or [] if isinstance(b, dict)]
    if buttons:
        text = f"{text} [{' | '.join(buttons)}]".strip()
    if not text and (data.get("image") or data.get("attachment")):
        text = "(lampiran)"
    return text


def rows(events: Iterable[dict[str, Any]]) -> list[Row]:
    out: list[Row] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            intent = (event.get("parse_data") or {}).get("intent") or {}
            text = event.get("text") or ""
            metadata = event.get("metadata") or {}
            if not text and metadata.get("photo"):
                text = "(foto)"
            out.append(
                Row(
                    "citizen",
                    mask_text(text),
                    _time(event),
                    intent=intent.get("name"),
                    confidence=intent.get("confidence"),
                )
            )
        elif kind == "bot":
            staff = (event.get("metadata") or {}).get("staff")
            out.append(
                Row(
                    "staff" if staff else "bot",
                    mask_text(_bot_text(event)),
                    _time(event),
                    staff=staff,
                )
            )
        elif kind == "slot" and event.get("name") == HANDOFF_SLOT:
            label = "Diteruskan ke petugas" if event.get("value") else "Kembali ke asisten"
            out.append(Row("system", label, _time(event)))
        elif kind == "session_started":
            out.append(Row("system", "Sesi baru", _time(event)))
    return out


def _epoch(value: dt.datetime) -> float:
    return value.replace(tzinfo=dt.timezone.utc).timestamp()


def within(
    events: Iterable[dict[str, Any]],
    after: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """The events stamped after `after` and up to `until` (naive UTC; None = no bound).

    How an officer's view of a conversation is limited to their handoff. An event without a
    time stamp is left out whenever a bound is set: a view that is cut must not leak.
    """
    events = list(events)
    if after is None and until is None:
        return events
    low = _epoch(after) if after is not None else float("-inf")
    high = _epoch(until) if until is not None else float("inf")
    kept = []
    for event in events:
        try:
            stamp = float(event.get("timestamp"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        if low < stamp <= high:
            kept.append(event)
    return kept


def channel_of(events: Iterable[dict[str, Any]]) -> str | None:
    """The channel of the latest citizen message (metadata.channel, else input_channel)."""
    channel = None
    for event in events:
        if event.get("event") == "user":
            channel = (event.get("metadata") or {}).get("channel") or event.get("input_channel")
    return channel
