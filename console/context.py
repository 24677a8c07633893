"""What the console's views share: configuration, app keys, database and form helpers, pages.

Why apart from `console.app`: the app module assembles the views (`create_app` imports every
`views_*` module), so views that imported the app back made a cycle; views and the app both
import this module instead (tests/unit/test_layering.py keeps it that way).
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import jinja2
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_request import FileField
from multidict import MultiDictProxy

from console.access import BadRequest
from console.login_guard import HashPool, LoginThrottle
from console.rasa import RasaClient
from layani import settings as layani_settings
from storage.db import session_scope

SESSION_COOKIE = "layani_console"
LOGIN_CSRF_COOKIE = "layani_console_login"
T = TypeVar("T")

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
