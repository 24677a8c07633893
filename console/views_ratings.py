"""Citizen satisfaction ratings for staff: scores and comments, scoped like every other list.

Officers see the ratings of their own agency, admins and auditors every agency
(`console.access.agency_scope`). Comments are free text a citizen typed, so they are stored
sealed (`storage.ratings`) and opened only here, for staff; the public transparency page shows
counts and averages only. The figures on top are per agency and unsuppressed (staff view).

The question after a closed handoff is `services.ratings.ask_after_handoff`, called by
`console.views_handoffs.resolve` once the officer has closed the conversation.
"""

from __future__ import annotations

import logging

from aiohttp import web

from console import access
from console.context import blocking, config, render
from storage import ratings

logger = logging.getLogger(__name__)

PAGE_SIZE = 100
MAX_PAGE = 10_000


def _int_query(request: web.Request, name: str, low: int, high: int) -> int | None:
    raw = request.query.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise access.BadRequest(f"Nilai '{name}' tidak valid.")
    return int(raw)


async def ratings_page(request: web.Request) -> web.Response:
    scope = access.agency_scope(request)
    agencies = None if scope is None else [scope]
    score = _int_query(request, "nilai", 1, 5)
    page = _int_query(request, "hal", 1, MAX_PAGE) or 1
    url = config(request).database_url
    rows = await blocking(
        ratings.ratings_for_agency,
        agencies,
        score=score,
        limit=PAGE_SIZE + 1,
        offset=(page - 1) * PAGE_SIZE,
        url=url,
    )
    summary = await blocking(ratings.summary_for_agency, agencies, url=url)
    return render(
        request,
        "ratings.html",
        rows=rows[:PAGE_SIZE],
        has_next=len(rows) > PAGE_SIZE,
        page=page,
        score=score,
        summary=summary,
        scope=scope,
    )


def setup(app: web.Application) -> None:
    app.router.add_get("/ratings", ratings_page)
