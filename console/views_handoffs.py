"""The handoff queue and the conversation view (reply, resolve).

The queue comes from `storage.handoff`; the conversation itself from Rasa's tracker, so the
officer sees exactly what the bot saw, including intent and confidence per citizen message.
Replies go out through `POST /layani/outbound` (the citizen's own channel, recorded in the
tracker). Resolving clears the `handoff_active` slot through Rasa's tracker-events API, which
is what lets the bot answer again, and tells the citizen with the domain response
`utter_handoff_resolved`.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from console import access
from console.context import (
    RASA_KEY,
    blocking,
    client_ip,
    config,
    db,
    error_page,
    read_form,
    render,
)
from console.rasa import RasaUnavailable
from console.transcript import rows, within
from layani.pii import mask_text
from services import ratings as rating_requests
from storage import console as accounts
from storage import handoff as queue

logger = logging.getLogger(__name__)

MAX_REPLY = 2000
# The queue page is polled every few seconds by every officer: during a flood it shows the
# front of the queue and how many more wait, not thousands of rows.
QUEUE_ROWS_SHOWN = 200
RESOLVED_RESPONSE = "utter_handoff_resolved"


def _queue_entries(session, agency_id: str | None):  # type: ignore[no-untyped-def]
    open_rows = queue.list_open(session, agency_id)
    closed = queue.list_closed(session, agency_id, limit=20)
    return open_rows, queue.positions(open_rows), closed


def _display_sender(sender_id: str) -> str:
    return mask_text(sender_id)


async def _context(request: web.Request) -> dict[str, Any]:
    open_rows, positions, closed = await db(request, _queue_entries, access.agency_scope(request))
    return {
        "open_rows": open_rows[:QUEUE_ROWS_SHOWN],
        "open_total": len(open_rows),
        "positions": positions,
        "closed_rows": closed,
        "now": queue.utcnow(),
        "waiting_time": queue.waiting_time,
        "display_sender": _display_sender,
    }


async def queue_page(request: web.Request) -> web.Response:
    return render(request, "handoffs.html", **(await _context(request)))


async def queue_fragment(request: web.Request) -> web.Response:
    """The queue table alone, polled by the page every few seconds (live updates)."""
    return render(request, "_queue.html", **(await _context(request)))


async def _load(request: web.Request) -> queue.Handoff:
    try:
        handoff_id = int(request.match_info["handoff_id"])
    except ValueError:
        raise access.NotFound("Percakapan tidak ditemukan.") from None
    if not 0 < handoff_id < 2**31:  # larger numbers overflow the database's integer
        raise access.NotFound("Percakapan tidak ditemukan.")
    row = await db(request, queue.get, handoff_id)
    if row is None:
        raise access.NotFound("Percakapan tidak ditemukan.")
    access.require_view(request, row.agency_id)
    return row


async def _transcript(request: web.Request, row: queue.Handoff) -> dict[str, Any]:
    """The conversation as this member of staff may see it.

    An officer sees it only within their handoff's window (up to its close, and after the
    previous handoff's close): a closed handoff must not stay a live window on what the citizen
    later tells the bot or another agency. Admins and auditors see the whole conversation.
    """
    try:
        tracker = await request.app[RASA_KEY].tracker(row.sender_id)
    except RasaUnavailable as exc:
        logger.warning("Tracker of handoff %s unavailable: %s", row.id, exc)
        return {"messages": [], "rasa_error": True, "handed_off": None, "limited": False}
    events = tracker.get("events") or []
    if not isinstance(events, list):
        events = []
    limited = False
    if access.staff(request).role == "officer":
        after, until = await db(request, queue.visible_window, row)
        events = within(events, after, until)
        limited = after is not None or until is not None
    handed_off = row.status in queue.OPEN_STATUSES and bool(
        (tracker.get("slots") or {}).get("handoff_active")
    )
    return {
        "messages": rows(events),
        "rasa_error": False,
        "handed_off": handed_off,
        "limited": limited,
    }


async def conversation(request: web.Request) -> web.Response:
    row = await _load(request)
    user = access.staff(request)
    return render(
        request,
        "handoff.html",
        row=row,
        sender=_display_sender(row.sender_id),
        can_act=user.can_act_on_agency(row.agency_id) and row.status in queue.OPEN_STATUSES,
        waiting=queue.waiting_time(row),
        notice=request.query.get("notice", ""),
        **(await _transcript(request, row)),
    )


async def transcript_fragment(request: web.Request) -> web.Response:
    row = await _load(request)
    return render(request, "_transcript.html", row=row, **(await _transcript(request, row)))


async def reply(request: web.Request) -> web.StreamResponse:
    row = await _load(request)
    user = access.require_act(request, row.agency_id)
    form = await read_form(request)
    text = str(form.get("text", "")).strip()
    if not text:
        return error_page(request, 400, "Pesan kosong tidak dikirim.")
    if len(text) > MAX_REPLY:
        return error_page(request, 400, f"Pesan terlalu panjang (maksimal {MAX_REPLY} karakter).")
    if row.status not in queue.OPEN_STATUSES:
        return error_page(request, 409, "Percakapan ini sudah selesai; balasan tidak dikirim.")
    try:
        delivered = await request.app[RASA_KEY].send(row.sender_id, text, staff=user.username)
    except RasaUnavailable as exc:
        logger.warning("Reply for handoff %s not sent: %s", row.id, exc)
        return error_page(
            request, 502, "Pesan belum terkirim: server asisten tidak menjawab. Coba lagi."
        )

    def record(session):  # type: ignore[no-untyped-def]
        fresh = queue.get(session, row.id)
        queue.record_reply(session, fresh, user.username)
        accounts.audit(
            session, user, "handoff_reply", "handoff", str(row.id), ip=client_ip(request)
        )

    await db(request, record)
    suffix = "" if delivered else "?notice=not_pushed"
    raise web.HTTPSeeOther(f"/handoffs/{row.id}{suffix}")


async def resolve(request: web.Request) -> web.StreamResponse:
    row = await _load(request)
    user = access.require_act(request, row.agency_id)
    if row.status not in queue.OPEN_STATUSES:
        raise web.HTTPSeeOther("/handoffs")
    rasa = request.app[RASA_KEY]
    from layani.notify import render_response

    try:
        # Slot first: if the message failed after it, the bot still answers the citizen again.
        await rasa.set_slots(row.sender_id, {"handoff_active": False, "handoff_id": None})
        text = await blocking(render_response, RESOLVED_RESPONSE, row.channel)
        await rasa.send(row.sender_id, text)
    except RasaUnavailable as exc:
        logger.warning("Resolving handoff %s failed: %s", row.id, exc)
        return error_page(request, 502, "Belum selesai: server asisten tidak menjawab. Coba lagi.")

    def close(session):  # type: ignore[no-untyped-def]
        fresh = queue.get(session, row.id)
        if queue.close(session, fresh, "resolved", user.username):
            accounts.audit(
                session, user, "handoff_resolve", "handoff", str(row.id), ip=client_ip(request)
            )
            return True
        return False

    if await db(request, close):
        # Once, by whoever closed it; last, so the question is the conversation's last message.
        await blocking(rating_requests.ask_after_handoff, row, config(request).database_url)
    raise web.HTTPSeeOther("/handoffs")


def setup(app: web.Application) -> None:
    app.router.add_get("/handoffs", queue_page)
    app.router.add_get("/handoffs/queue", queue_fragment)
    app.router.add_get("/handoffs/{handoff_id}", conversation)
    app.router.add_get("/handoffs/{handoff_id}/transcript", transcript_fragment)
    app.router.add_post("/handoffs/{handoff_id}/reply", reply)
    app.router.add_post("/handoffs/{handoff_id}/resolve", resolve)
