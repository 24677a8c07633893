"""Complaints (ADU-…) and applications (PMH-…): list, filter, search, detail, status, reveal.

Everything goes through `storage.tickets`, the complaint service API: a status change there
records the history and notifies the citizen through their channel. Officers are limited to
their agency in the query itself (list) and by `access.require_view` (detail, by URL too).
"""

from __future__ import annotations

import logging

from aiohttp import web

from console import access, personal
from console.context import blocking, client_ip, config, db, error_page, read_form, render
from layani.pii import mask_text
from services import ticket_status
from storage import console as accounts
from storage import tickets
from storage.models import KINDS, STATUSES

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
MAX_PAGE = 10_000  # an offset beyond this overflows SQLite's integer (a 500, not a page)
KIND_LABELS = {"complaint": "Pengaduan", "application": "Permohonan"}


def _query(request: web.Request, name: str, allowed: tuple | None = None) -> str | None:
    value = request.query.get(name, "").strip()
    if not value or (allowed is not None and value not in allowed):
        return None
    return value[:100]


async def ticket_list(request: web.Request) -> web.Response:
    scope = access.agency_scope(request)
    try:
        page = min(MAX_PAGE, max(1, int(request.query.get("page", "1"))))
    except ValueError:
        page = 1
    flt = tickets.TicketFilter(
        agency=scope if scope is not None else _query(request, "agency"),
        status=_query(request, "status", STATUSES),
        kind=_query(request, "kind", KINDS),
        category=_query(request, "category"),
        text=_query(request, "q"),
        ticket_id=_query(request, "id"),
        open_only=request.query.get("open") == "1",
        overdue_only=request.query.get("overdue") == "1",
    )
    url = config(request).database_url
    found = await blocking(
        tickets.search_tickets, flt, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, url=url
    )
    total = await blocking(tickets.count_tickets, flt, url=url)
    return render(
        request,
        "tickets.html",
        tickets=found,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        query=dict(request.query),
        statuses=STATUSES,
        kinds=KIND_LABELS,
        scoped=scope is not None,
        mask=mask_text,
    )


async def search(request: web.Request) -> web.StreamResponse:
    """Jump to a ticket by id (typed loosely: lower case, no dashes, O for 0 all work)."""
    canonical = tickets.normalise_id(request.query.get("id", ""))
    if canonical:
        view = await blocking(tickets.get_ticket, canonical, url=config(request).database_url)
        if view is not None:
            access.require_view(request, view.agency)
            raise web.HTTPSeeOther(f"/tickets/{canonical}")
    raise access.NotFound("Tiket dengan nomor itu tidak ditemukan.")


async def _load(request: web.Request) -> tickets.TicketView:
    canonical = tickets.normalise_id(request.match_info["ticket_id"])
    view = None
    if canonical:
        view = await blocking(tickets.get_ticket, canonical, url=config(request).database_url)
    if view is None:
        raise access.NotFound("Tiket tidak ditemukan.")
    access.require_view(request, view.agency)
    return view


async def _detail(
    request: web.Request,
    view: tickets.TicketView,
    revealed: dict | None = None,
    notice: str = "",
    status: int = 200,
) -> web.Response:
    pii_error = False
    try:
        full = await blocking(
            personal.values, view.id, view.sender_id, config(request).database_url
        )
    except personal.PersonalDataError:
        logger.exception("Personal data of %s unreadable", view.id)
        full, pii_error = {}, True
    user = access.staff(request)
    return render(
        request,
        "ticket.html",
        status=status,
        ticket=view,
        kind_label=KIND_LABELS.get(view.kind, view.kind),
        description=mask_text(view.description),
        location=mask_text(view.location or ""),
        sender=mask_text(view.sender_id),
        personal=personal.masked(full),
        labels=personal.LABELS,
        pii_error=pii_error,
        revealed=revealed or {},
        transitions=tickets.allowed_transitions(view.status),
        can_act=user.can_act_on_agency(view.agency),
        can_reveal=personal.can_reveal(user, view.agency),
        notice=notice or request.query.get("notice", ""),
        mask=mask_text,
    )


async def detail(request: web.Request) -> web.Response:
    return await _detail(request, await _load(request))


async def change_status(request: web.Request) -> web.StreamResponse:
    view = await _load(request)
    user = access.require_act(request, view.agency)
    form = await read_form(request)
    new_status = str(form.get("status", ""))
    note = str(form.get("note", "")).strip()[:1000] or None
    try:
        updated = await blocking(
            ticket_status.change_status,
            view.id,
            new_status,
            note=note,
            actor=user.username,
            url=config(request).database_url,
        )
    except tickets.InvalidTransition as exc:
        return error_page(request, 400, f"Status tidak dapat diubah: {exc}")
    await db(
        request,
        accounts.audit,
        user,
        "ticket_status",
        "ticket",
        view.id,
        {"from": view.status, "to": updated.status, "note": note},
        client_ip(request),
    )
    notified = any(h.event == "notified" for h in updated.history[len(view.history) :])
    notice = "notified" if notified else "not_notified"
    raise web.HTTPSeeOther(f"/tickets/{view.id}?notice={notice}")


async def reveal(request: web.Request) -> web.Response:
    """Show one personal-data field in full, after writing who/what/when to the audit log."""
    view = await _load(request)
    user = access.require_act(request, view.agency)
    if not personal.can_reveal(user, view.agency):
        raise access.Forbidden("Peran Anda tidak boleh melihat data pribadi secara utuh.")
    form = await read_form(request)
    field = str(form.get("field", ""))
    if field not in personal.LABELS:
        return error_page(request, 400, "Data yang diminta tidak dikenal.")
    try:
        full = await blocking(
            personal.values, view.id, view.sender_id, config(request).database_url
        )
    except personal.PersonalDataError:
        logger.exception("Personal data of %s unreadable", view.id)
        return error_page(
            request, 503, "Data pribadi tidak dapat dibuka (kunci enkripsi). Hubungi admin."
        )
    if field not in full:
        return error_page(request, 404, "Data itu tidak tersimpan untuk tiket ini.")
    reason = str(form.get("reason", "")).strip()[:300] or None
    await db(
        request,
        accounts.audit,
        user,
        "pii_reveal",
        "ticket",
        view.id,
        {"field": field, "reason": reason},
        client_ip(request),
    )
    return await _detail(request, view, revealed={field: full[field]})


def setup(app: web.Application) -> None:
    app.router.add_get("/tickets", ticket_list)
    app.router.add_get("/tickets/search", search)
    app.router.add_get("/tickets/{ticket_id}", detail)
    app.router.add_post("/tickets/{ticket_id}/status", change_status)
    app.router.add_post("/tickets/{ticket_id}/reveal", reveal)
