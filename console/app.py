"""The console's aiohttp application: configuration, middlewares, templates, routes.

Request pipeline (outermost first):
1. `security_headers` - CSP without inline script, no framing, no caching of staff pages.
2. `authentication`   - loads the server-side session from the cookie; anything but the login
                        page, static files and /health redirects to /login when there is none.
3. `csrf`             - every POST must carry the session's CSRF token (form field
                        `csrf_token` or header `X-CSRF-Token`); the login form uses a
                        double-submit cookie because there is no session yet.
Views then check the role and the agency (`console.access`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import ipaddress
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import jinja2
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_request import FileField
from multidict import MultiDictProxy

from console.access import BadRequest
from console.login_guard import HashPool, LoginThrottle
from console.rasa import RasaClient
from layani import settings as layani_settings
from storage import console as accounts
from storage.db import session_scope

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "layani_console"
LOGIN_CSRF_COOKIE = "layani_console_login"
PUBLIC_PATHS = ("/login", "/health", "/favicon.ico", "/static/")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
T = TypeVar("T")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CONFIG_KEY = web.AppKey("config", object)
RASA_KEY = web.AppKey("rasa", RasaClient)
JINJA_KEY = web.AppKey("jinja", jinja2.Environment)
THROTTLE_KEY = web.AppKey("login_throttle", LoginThrottle)
HASH_POOL_KEY = web.AppKey("hash_pool", HashPool)


@dataclass(frozen=True)
class ConsoleConfig:
    database_url: str
    rasa_url: str
    api_token: str
    outbound_token: str = ""
    secure_cookies: bool = False  # CONSOLE_SECURE_COOKIES
    public_base_url: str = ""  # PUBLIC_BASE_URL; https there also means Secure cookies
    redis_url: str = ""  # REDIS_URL: login throttle shared by every console process
    trusted_proxies: tuple[str, ...] = ()  # LAYANI_TRUSTED_PROXIES: whose X-Forwarded-For counts
    login_rate: str = "20/60"  # login attempts per client address per window (seconds)
    hash_workers: int = 2  # argon2 threads, apart from the pool pages use
    hash_queue: int = 32  # argon2 checks allowed to wait; more get 429

    @classmethod
    def from_environment(cls) -> ConsoleConfig:
        conf = layani_settings.load()
        return cls(
            database_url=conf.database_url,
            rasa_url=conf.rasa_url,
            api_token=conf.api_token,
            outbound_token=conf.outbound_token,
            secure_cookies=conf.console_secure_cookies,
            public_base_url=conf.public_base_url,
            redis_url=conf.redis_url,
            trusted_proxies=conf.trusted_proxies,
        )

    @property
    def cookies_secure(self) -> bool:
        """Secure cookies when asked to, or when the public URL is https (never sent in clear)."""
        return self.secure_cookies or self.public_base_url.lower().startswith("https://")


def config(request: web.Request) -> ConsoleConfig:
    return request.app[CONFIG_KEY]  # type: ignore[return-value]


async def db(request: web.Request, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run `fn(session, *args)` in a worker thread inside one transaction.

    SQLAlchemy 1.4 here is synchronous; a thread keeps a slow query (or a status change that
    notifies the citizen over HTTP) from stalling the live updates of every other officer.
    """
    url = config(request).database_url

    def work() -> T:
        with session_scope(url) as session:
            return fn(session, *args, **kwargs)

    return await asyncio.to_thread(work)


async def blocking(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await asyncio.to_thread(partial(fn, *args, **kwargs))


def _in_networks(address: str, networks: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    for network in networks:
        try:
            if ip in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False


async def read_form(request: web.Request) -> MultiDictProxy[str | bytes | FileField]:
    """The posted form, or a 400 page when it cannot be parsed (never a 500).

    Broken multipart bodies, undecodable bytes, unknown charsets and NUL characters (which
    PostgreSQL refuses in text) are the client's fault, so they get a 4xx.
    """
    try:
        form = await request.post()
    except web.HTTPException:
        raise  # e.g. 413 for a body over client_max_size
    except (ValueError, LookupError, AssertionError, HttpProcessingError):
        raise BadRequest() from None
    if any(isinstance(v, str) and "\x00" in v for v in form.values()):
        raise BadRequest()
    return form


def client_ip(request: web.Request) -> str:
    """The client's address: the peer, or behind a trusted proxy the last untrusted hop.

    X-Forwarded-For is believed only when the peer is listed in LAYANI_TRUSTED_PROXIES, and
    read from the right (the entries a client writes itself are on the left), so nobody can
    pick their own address to dodge the login throttle or fill the audit log with fakes.
    """
    peer = request.remote or ""
    proxies = config(request).trusted_proxies
    if not proxies or not _in_networks(peer, proxies):
        return peer
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _in_networks(hop, proxies):
            return hop[:64] if _valid_ip(hop) else peer
    return peer


def _valid_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


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


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    env = request.app[JINJA_KEY]
    html = env.get_template(template).render(
        staff=request.get("staff"),
        csrf_token=request.get("csrf_token", ""),
        path=request.path,
        **context,
    )
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def error_page(request: web.Request, status: int, message: str) -> web.Response:
    return render(request, "error.html", status=status, status_code=status, message=message)


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
    from console import views_admin, views_auth, views_handoffs, views_tickets

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
    for module in (views_auth, views_handoffs, views_tickets, views_admin):
        module.setup(app)

    async def close_rasa(app: web.Application) -> None:
        await app[RASA_KEY].close()
        await app[THROTTLE_KEY].close()
        app[HASH_POOL_KEY].close()

    app.on_cleanup.append(close_rasa)
    return app
