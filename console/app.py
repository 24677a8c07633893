"""The console's aiohttp application: configuration, middlewares, templates, routes.

Request pipeline (outermost first):
1. `security_headers` - CSP without inline script, no framing, no caching of staff pages.
2. `authentication`   - loads the server-side session from the cookie; anything but the login
                        page, static files and /health redirects to /login when there is none.
3. `csrf`             - every POST must carry the session's CSRF token (form field
                        `csrf_token` or header `X-CSRF-Token`); the login form uses a
                        double-submit cookie because there is no session yet.
Views then check the role and the agency (`console.access`). What views share with the app
(configuration, keys, `render`, `db`, ...) lives in `console.context`, so views never import
this module.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

import jinja2
from aiohttp import web

from console.access import BadRequest
from console.context import (  # noqa: F401  (re-exported: older imports of console.app)
    CONFIG_KEY,
    HASH_POOL_KEY,
    JINJA_KEY,
    LOGIN_CSRF_COOKIE,
    RASA_KEY,
    SESSION_COOKIE,
    THROTTLE_KEY,
    ConsoleConfig,
    blocking,
    client_ip,
    config,
    db,
    error_page,
    read_form,
    render,
)
from console.login_guard import HashPool, LoginThrottle
from console.rasa import RasaClient
from console.views_public import PUBLIC_PATHS as PUBLIC_FIGURES
from storage import console as accounts

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
PUBLIC_PATHS = ("/login", "/health", "/favicon.ico", "/static/", *PUBLIC_FIGURES)
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


# --- templates ------------------------------------------------------------------------------

WIB = dt.timezone(dt.timedelta(hours=7), "WIB")


def _wib(value: dt.datetime | None, fmt: str = "%d-%m-%Y %H:%M") -> str:
    if value is None:
        return "-"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(WIB).strftime(fmt) + " WIB"


def _duration(delta: dt.timedelta | None) -> str:
    if delta is None:
        return "-"
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "< 1 menit"
    if minutes < 60:
        return f"{minutes} menit"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} jam {minutes} menit"
    days, hours = divmod(hours, 24)
    return f"{days} hari {hours} jam"


def _jinja() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["wib"] = _wib
    env.filters["duration"] = _duration
    env.filters["urlq"] = lambda s: quote(str(s), safe="")
    return env


# --- middlewares ----------------------------------------------------------------------------


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        if "\x00" in request.path or any("\x00" in v for v in request.query.values()):
            raise BadRequest()
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
        if exc.status >= 400:
            # Views' Forbidden/NotFound and framework errors (unknown route, 405) alike.
            response = error_page(request, exc.status, getattr(exc, "message", exc.reason))
        else:
            _add_headers(exc, request)
            raise
    _add_headers(response, request)
    return response


def _add_headers(response: web.StreamResponse, request: web.Request) -> None:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")


def _is_public(path: str) -> bool:
    return any(path == p or (p.endswith("/") and path.startswith(p)) for p in PUBLIC_PATHS)


@web.middleware
async def authentication(request: web.Request, handler: Handler) -> web.StreamResponse:
    token = request.cookies.get(SESSION_COOKIE)
    info = await db(request, accounts.load_session, token) if token else None
    if info is not None:
        request["staff"] = info.staff
        request["csrf_token"] = info.csrf_token
    elif not _is_public(request.path):
        target = request.path_qs if request.method == "GET" else "/"
        raise web.HTTPSeeOther(f"/login?next={quote(target, safe='')}")
    return await handler(request)


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


@web.middleware
async def csrf(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        sent = request.headers.get("X-CSRF-Token")
        if sent is None and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            sent = (await read_form(request)).get("csrf_token")  # type: ignore[assignment]
        if request.path == "/login" and "staff" not in request:
            expected = request.cookies.get(LOGIN_CSRF_COOKIE)
        else:
            expected = request.get("csrf_token")
        if not _same(sent, expected):
            logger.warning(
                "Rejected %s %s: CSRF token missing or wrong", request.method, request.path
            )
            return error_page(
                request, 403, "Token keamanan (CSRF) tidak ada atau salah. Muat ulang halaman."
            )
    return await handler(request)


# --- application ----------------------------------------------------------------------------


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def favicon(request: web.Request) -> web.Response:
    return web.Response(status=204, headers={"Cache-Control": "public, max-age=86400"})


def create_app(conf: ConsoleConfig | None = None) -> web.Application:
    from console import (
        views_admin,
        views_auth,
        views_figures,
        views_handoffs,
        views_public,
        views_ratings,
        views_tickets,
    )

    conf = conf or ConsoleConfig.from_environment()
    app = web.Application(middlewares=[security_headers, authentication, csrf])
    app[CONFIG_KEY] = conf
    app[RASA_KEY] = RasaClient(conf.rasa_url, conf.api_token, conf.outbound_token)
    app[JINJA_KEY] = _jinja()
    app[THROTTLE_KEY] = LoginThrottle(conf.login_rate, conf.redis_url)
    app[HASH_POOL_KEY] = HashPool(conf.hash_workers, conf.hash_queue)
    app.router.add_get("/health", health)
    app.router.add_get("/favicon.ico", favicon)
    app.router.add_static("/static/", str(HERE / "static"), append_version=False)
    for module in (views_auth, views_handoffs, views_tickets, views_admin, views_ratings):
        module.setup(app)
    views_public.setup(app)  # /transparansi: public, no login (PUBLIC_FIGURES)
    views_figures.setup(app)

    async def close_rasa(app: web.Application) -> None:
        await app[RASA_KEY].close()
        await app[THROTTLE_KEY].close()
        app[HASH_POOL_KEY].close()

    app.on_cleanup.append(close_rasa)
    return app
