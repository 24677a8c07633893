"""The public transparency page: `/transparansi` (HTML), `.json`, `.csv` - no login.

Why in the console process: the figures come from the same application database the console
reads, and the console already serves pages with a strict CSP and no JavaScript dependency.
Only published figures (`storage.transparency.figures`, suppression applied there and nowhere
else) reach these views; they never see a ticket row.

Guards, as for every public entry point: a per-address request limit (the console's fixed-window
counter, shared through Redis when REDIS_URL is set), a bounded period (`dari`/`sampai` as
YYYY-MM-DD or `minggu`; anything else is a 400 page, never a 500), and a short cache in storage.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from typing import Any

from aiohttp import web

from console import svg_charts
from console.access import BadRequest
from console.context import CONFIG_KEY, blocking, client_ip, config, render
from console.login_guard import LoginThrottle
from storage import transparency

logger = logging.getLogger(__name__)

RATE = "120/60"  # requests per client address per window (seconds)
RATE_KEY = web.AppKey("transparency_throttle", LoginThrottle)
LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/deed.id"
PUBLIC_PATHS = ("/transparansi", "/transparansi.json", "/transparansi.csv", "/transparansi.css")

STATUS_LABELS = {
    "diterima": "Diterima",
    "diverifikasi": "Diverifikasi",
    "diproses": "Diproses",
    "selesai": "Selesai",
    "ditolak": "Ditolak",
}

CSS = """
.tp { max-width: 980px; margin: 0 auto; }
.tp h1 { font-size: 1.5rem; margin: .5rem 0; }
.tp h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; border-bottom: 2px solid #d6dde5; }
.tp .lead { color: #36404b; }
.tp .figure { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1rem;
  align-items: start; background: #fff; border: 1px solid #d6dde5; padding: .75rem;
  margin: .75rem 0; }
.tp .figure h3 { grid-column: 1 / -1; margin: 0; font-size: 1rem; }
.tp .figure table { margin: 0; font-size: .92rem; }
.tp .figure td.num, .tp table td.num, .tp table th.num { text-align: right; }
.tp .chart { display: block; max-width: 100%; height: auto; }
.tp .totals { display: flex; flex-wrap: wrap; gap: .75rem; list-style: none; padding: 0; }
.tp .totals li { background: #fff; border: 1px solid #d6dde5; padding: .5rem .75rem;
  min-width: 9rem; }
.tp .totals strong { display: block; font-size: 1.4rem; }
.tp .period { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; }
.tp .period label { display: grid; gap: .15rem; }
.tp .wide { overflow-x: auto; }
.tp .note { color: #5b6776; font-size: .92rem; }
@media (max-width: 640px) {
  main { padding: .5rem; }
  .tp .figure { grid-template-columns: 1fr; }
}
"""


def setup(app: web.Application) -> None:
    app[RATE_KEY] = LoginThrottle(RATE, getattr(app[CONFIG_KEY], "redis_url", ""))
    app.router.add_get("/transparansi", page)
    app.router.add_get("/transparansi.json", as_json)
    app.router.add_get("/transparansi.csv", as_csv)
    app.router.add_get("/transparansi.css", stylesheet)

    async def close(app: web.Application) -> None:
        await app[RATE_KEY].close()

    app.on_cleanup.append(close)


# --- shared with the staff view ------------------------------------------------------------


def period_from(request: web.Request) -> transparency.Period:
    """The period asked for in the query string; 400 for anything unreadable or out of range."""
    query = request.query
    for name in ("dari", "sampai", "minggu"):
        if len(query.getall(name, [])) > 1:
            raise BadRequest(f"Parameter '{name}' hanya boleh satu kali.")
    try:
        return transparency.parse_period(
            query.get("dari"), query.get("sampai"), query.get("minggu")
        )
    except transparency.InvalidPeriod as exc:
        raise BadRequest(str(exc)) from None


def label(key: str) -> str:
    return STATUS_LABELS.get(key, str(key).replace("_", " "))


def view_model(figures: dict[str, Any]) -> dict[str, Any]:
    """Charts and table rows for the template, from published figures."""
    c, s, a = figures["complaints"], figures["satisfaction"], figures["applications"]

    def items(mapping: dict[str, Any]) -> list[tuple[str, Any]]:
        return [(label(k), v) for k, v in mapping.items()]

    weekly = [(w["week"][5:], w["complaints"]) for w in figures["weekly"]]
    dist = [(f"{k} ★", v) for k, v in s["distribution"].items()]
    agencies = [(d["name"], d["complaints"]) for d in figures["agencies"].values()]
    return {
        "weekly": weekly,
        "weekly_chart": svg_charts.columns(weekly),
        "by_category": items(c["by_category"]),
        "by_category_chart": svg_charts.hbar(items(c["by_category"])),
        "by_agency": agencies,
        "by_agency_chart": svg_charts.hbar(agencies),
        "by_status": items(c["by_status"]),
        "by_status_chart": svg_charts.hbar(items(c["by_status"])),
        "distribution": dist,
        "distribution_chart": svg_charts.hbar(dist),
        "by_service": items(a["by_service"]),
        "by_service_chart": svg_charts.hbar(items(a["by_service"])),
        "app_status": items(a["by_status"]),
        "app_status_chart": svg_charts.hbar(items(a["by_status"])),
    }


def decimal(value: Any, digits: int = 1) -> str:
    """Indonesian decimal comma; "-" for a withheld figure."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    return f"{value:.{digits}f}".replace(".", ",")


def percent(value: Any) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


# --- public routes ------------------------------------------------------------------------


async def _figures(request: web.Request, kind: str) -> dict[str, Any] | web.Response:
    """The published figures, or the 429/400 answer in the route's own format.

    Returned, not raised: the console's middleware turns raised HTTP errors into its staff
    error page, and a visitor of the JSON or CSV should get JSON or text.
    """
    if not await request.app[RATE_KEY].allow(client_ip(request)):
        response = _problem(
            request, kind, 429, "Terlalu banyak permintaan. Coba lagi sebentar lagi."
        )
        response.headers["Retry-After"] = "60"
        return response
    try:
        period = period_from(request)
    except BadRequest as exc:
        return _problem(request, kind, 400, exc.message)
    return await blocking(transparency.figures, period, url=config(request).database_url)


def _problem(request: web.Request, kind: str, status: int, message: str) -> web.Response:
    if kind == "json":
        return web.json_response({"error": message}, status=status)
    if kind == "csv":
        return web.Response(text=message, status=status, content_type="text/plain")
    return render(
        request, "transparansi_error.html", status=status, message=message, status_code=status
    )


def _public_cache(response: web.StreamResponse) -> web.StreamResponse:
    response.headers["Cache-Control"] = "public, max-age=15"
    return response


async def page(request: web.Request) -> web.Response:
    figures = await _figures(request, "html")
    if isinstance(figures, web.Response):
        return figures
    response = render(
        request,
        "transparansi.html",
        f=figures,
        v=view_model(figures),
        decimal=decimal,
        percent=percent,
        licence_url=LICENCE_URL,
        public=True,
    )
    return _public_cache(response)


async def as_json(request: web.Request) -> web.Response:
    figures = await _figures(request, "json")
    if isinstance(figures, web.Response):
        return figures
    body = json.dumps(figures, ensure_ascii=False, indent=1)
    response = web.Response(text=body, content_type="application/json", charset="utf-8")
    response.headers["Link"] = f'<{LICENCE_URL}>; rel="license"'
    return _public_cache(response)


CSV_HEADER = ["minggu_mulai", "ukuran", "rincian", "nilai_rincian", "jumlah", "rata_rata"]


def csv_rows(figures: dict[str, Any]) -> list[list[Any]]:
    """Weekly aggregates, one figure per row (long format: easy to filter and pivot)."""
    rows: list[list[Any]] = []
    for week in figures["weekly"]:
        w = week["week"]
        rows.append([w, "pengaduan", "total", "", week["complaints"], ""])
        for dimension in ("by_category", "by_agency", "by_status"):
            name = {"by_category": "kategori", "by_agency": "instansi", "by_status": "status"}
            for key, value in week[dimension].items():
                rows.append([w, "pengaduan", name[dimension], key, value, ""])
        rows.append([w, "permohonan", "total", "", week["applications"], ""])
        sat = week["satisfaction"]
        average = "" if sat["average"] is None else sat["average"]
        rows.append([w, "penilaian", "total", "", sat["responses"], average])
    return rows


def csv_bytes(text: str) -> bytes:
    """UTF-8; with a BOM only when the text is not plain ASCII.

    Checked with LibreOffice 7.4 (headless import) and the Excel rule: Excel reads a BOM-less
    CSV in the machine's legacy code page, so non-ASCII text needs the BOM; LibreOffice's
    default import does not strip a BOM and shows it as "ï»¿" in the first cell. The figures'
    keys are catalogue ids (ASCII), so the file normally has no BOM and opens identically
    everywhere; should an id ever hold a non-ASCII letter, the BOM keeps Excel right.
    """
    body = text.encode("utf-8")
    return body if text.isascii() else b"\xef\xbb\xbf" + body


async def as_csv(request: web.Request) -> web.Response:
    figures = await _figures(request, "csv")
    if isinstance(figures, web.Response):
        return figures
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_rows(figures))
    writer.writerow(
        [
            f"# Lisensi: {LICENCE} ({LICENCE_URL}). Sumber: Layani. "
            f"Periode {figures['period']['from']} s.d. {figures['period']['to']}. "
            f"Angka di bawah 5 ditulis <5."
        ]
    )
    period = figures["period"]
    response = web.Response(
        body=csv_bytes(out.getvalue()),
        content_type="text/csv",
        charset="utf-8",
        headers={
            "Content-Disposition": (
                f'attachment; filename="transparansi_{period["from"]}_{period["to"]}.csv"'
            ),
            "Link": f'<{LICENCE_URL}>; rel="license"',
        },
    )
    return _public_cache(response)


async def stylesheet(request: web.Request) -> web.Response:
    return web.Response(
        text=CSS,
        content_type="text/css",
        charset="utf-8",
        headers={"Cache-Control": "public, max-age=3600"},
    )
