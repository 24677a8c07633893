"""Staff figures: the transparency figures per agency without suppression, and the ticket export.

Why apart from the public page: staff need exact counts to manage their queue (a "<5" hides
nothing from an officer who can open every ticket of their agency anyway), but only for what
they may see: officers their own agency, admins and auditors every agency
(`console.access.agency_scope`), like every other console list.

`/figures/tickets.csv` is for admins only: the ticket list of the period with personal data
left out or masked (no owner key, sender, contact name, location or coordinates; NIK, KK and
phone numbers in the description masked by `layani.pii.mask_text`), streamed in pages so a
city's year does not sit in memory.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import sqlalchemy as sa
from aiohttp import web

from console import access
from console.context import blocking, config, render
from console.views_public import decimal, percent, period_from, view_model
from layani.pii import mask_text
from storage import transparency
from storage.db import get_engine

EXPORT_BATCH = 2000
EXPORT_COLUMNS = [
    "id",
    "jenis",
    "instansi",
    "kategori_atau_layanan",
    "status",
    "kanal",
    "dibuat_utc",
    "batas_waktu_utc",
    "diperbarui_utc",
    "uraian_disamarkan",
]


def setup(app: web.Application) -> None:
    app.router.add_get("/figures", figures_page)
    app.router.add_get("/figures/tickets.csv", tickets_csv)


async def figures_page(request: web.Request) -> web.Response:
    scope = access.agency_scope(request)
    period = period_from(request)
    figures = await blocking(
        transparency.figures,
        period,
        agencies=None if scope is None else [scope],
        suppress=False,
        url=config(request).database_url,
    )
    return render(
        request,
        "figures.html",
        f=figures,
        v=view_model(figures),
        decimal=decimal,
        percent=percent,
        scope=scope,
    )


def _export_rows(url: str, period: transparency.Period, after: str, limit: int) -> list[Any]:
    sql = sa.text(
        "SELECT id, kind, agency, category_or_service, status, channel, created_at, due_at, "
        "updated_at, description FROM tickets "
        "WHERE created_at >= :lo AND created_at < :hi AND id > :after ORDER BY id LIMIT :n"
    )
    params = {"lo": period.lower, "hi": period.upper, "after": after, "n": limit}
    with get_engine(url).connect() as conn:
        return list(conn.execute(sql, params))


def _iso(value: Any) -> str:
    return "" if value is None else str(value)[:19]


async def tickets_csv(request: web.Request) -> web.StreamResponse:
    access.require_role(request, "admin")
    period = period_from(request)
    url = config(request).database_url
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": (
                f'attachment; filename="tiket_{period.start}_{period.end}_disamarkan.csv"'
            ),
            "Cache-Control": "no-store",
        }
    )
    await response.prepare(request)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    after = ""
    while True:
        rows = await blocking(_export_rows, url, period, after, EXPORT_BATCH)
        for r in rows:
            writer.writerow(
                [
                    r.id,
                    r.kind,
                    r.agency,
                    r.category_or_service,
                    r.status,
                    r.channel,
                    _iso(r.created_at),
                    _iso(r.due_at),
                    _iso(r.updated_at),
                    mask_text(r.description or "").replace("\r", " ").replace("\n", " "),
                ]
            )
        await response.write(out.getvalue().encode("utf-8"))
        out.seek(0)
        out.truncate()
        if len(rows) < EXPORT_BATCH:
            break
        after = rows[-1].id
    await response.write_eof()
    return response
