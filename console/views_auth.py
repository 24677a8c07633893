"""Login and logout.

Login is throttled per client address, runs argon2 in its own small pool (`console.login_guard`),
counts failures atomically and locks the account after five in a row (`storage.console`); every
outcome goes to the audit log so an auditor can see a guessing attempt, while the person at the
form gets one answer for all failures. Cookies are HttpOnly, SameSite=Strict and Secure when
CONSOLE_SECURE_COOKIES=1 or PUBLIC_BASE_URL is https.
"""

from __future__ import annotations

import logging
import secrets
from urllib.parse import urlsplit

from aiohttp import web

from console.context import (
    HASH_POOL_KEY,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    THROTTLE_KEY,
    client_ip,
    config,
    db,
    read_form,
    render,
)
from console.login_guard import PoolBusy
from storage import console as accounts

logger = logging.getLogger(__name__)

# One answer for every failed login (wrong password, unknown name, locked account, too many
# attempts): which of them it was would tell a guesser which names exist.
LOGIN_FAILED = (
    "Gagal masuk. Nama pengguna atau kata sandi salah, atau akun sedang dikunci sementara. "
    "Tunggu beberapa menit, lalu coba lagi. Jika tetap gagal, hubungi admin."
)


def _safe_next(target: str) -> str:
    """Only local paths: `?next=https://evil.example` must not turn login into a redirector."""
    target = target or ""
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return "/"  # browsers read "/\evil.example" as "//evil.example"; CR/LF split headers
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target[:2000]


def _login_page(request: web.Request, error: str = "", status: int = 200) -> web.Response:
    # Keep an existing token: a browser may load the login page again in the background (an
    # unauthenticated /favicon.ico request is redirected here), and a fresh token would no
    # longer match the form already on screen.
    token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not (20 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()):
        token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        status=status,
        error=error,
        login_csrf=token,
        next=_safe_next(request.query.get("next", "/")),
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=config(request).cookies_secure,
        path="/login",
    )
    return response


def _too_many(request: web.Request) -> web.Response:
    response = _login_page(request, LOGIN_FAILED, status=429)
    response.headers["Retry-After"] = "60"
    return response


async def login_form(request: web.Request) -> web.StreamResponse:
    if "staff" in request:
        raise web.HTTPSeeOther("/")
    return _login_page(request)


async def login(request: web.Request) -> web.StreamResponse:
    """Throttle by address, then argon2 in its own pool, then one atomic outcome update.

    Unknown user, wrong password and locked account get the same page, status and (argon2)
    work; only the audit log tells them apart. Too many attempts from one address, or a full
    hash queue, get 429 with the same words, before any hash is computed.
    """
    form = await read_form(request)
    username = str(form.get("username", "")).strip().lower()[:64]
    password = str(form.get("password", ""))[:1024]
    ip = client_ip(request)
    if not await request.app[THROTTLE_KEY].allow(ip or "-"):
        logger.warning("Login throttled for one client address")
        return _too_many(request)

    candidate = await db(request, accounts.login_candidate, username)
    try:
        ok = await request.app[HASH_POOL_KEY].run(accounts.verify_password, candidate, password)
    except PoolBusy:
        logger.warning("Login refused: password checks queue full")
        return _too_many(request)

    def finish(session):  # type: ignore[no-untyped-def]
        result = accounts.record_login(session, candidate, ok, password)
        if result.staff is None:
            action = "login_locked" if result.locked_until else "login_failed"
            name = accounts.audit_login_name(candidate, username)
            accounts.audit(session, None, action, "user", name, ip=ip)
            return None
        accounts.audit(session, result.staff, "login", "user", username, ip=ip)
        accounts.purge_expired_sessions(session)  # housekeeping, one cheap DELETE per login
        return accounts.create_session(session, result.staff, ip=ip)

    token = await db(request, finish)
    if token is None:
        return _login_page(request, LOGIN_FAILED, status=401)
    response = web.HTTPSeeOther(_safe_next(str(form.get("next", "/"))))
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=config(request).cookies_secure,
        path="/",
    )
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/login")
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    token = request.cookies.get(SESSION_COOKIE)
    await db(request, accounts.end_session, token)
    response = web.HTTPSeeOther("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


async def index(request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther("/handoffs")


def setup(app: web.Application) -> None:
    app.router.add_get("/", index)
    app.router.add_get("/login", login_form)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
