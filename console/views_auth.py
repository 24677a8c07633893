"""Login and logout.

Login runs argon2 verification, counts failures and locks the account after five in a row
(`storage.console.authenticate`); every outcome goes to the audit log so an auditor can see a
guessing attempt. The session cookie is HttpOnly, SameSite=Strict and (behind HTTPS) Secure.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from aiohttp import web

from console.app import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    client_ip,
    config,
    db,
    render,
)
from storage import console as accounts


def _safe_next(target: str) -> str:
    """Only local paths: `?next=https://evil.example` must not turn login into a redirector."""
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


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
        secure=config(request).secure_cookies,
        path="/login",
    )
    return response


async def login_form(request: web.Request) -> web.StreamResponse:
    if "staff" in request:
        raise web.HTTPSeeOther("/")
    return _login_page(request)


async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    username = str(form.get("username", "")).strip().lower()[:64]
    password = str(form.get("password", ""))[:1024]
    ip = client_ip(request)

    def attempt(session):  # type: ignore[no-untyped-def]
        result = accounts.authenticate(session, username, password)
        if result.staff is None:
            action = "login_locked" if result.locked_until else "login_failed"
            accounts.audit(session, None, action, "user", username or "-", ip=ip)
            return result, None
        accounts.audit(session, result.staff, "login", "user", username, ip=ip)
        accounts.purge_expired_sessions(session)  # housekeeping, one cheap DELETE per login
        return result, accounts.create_session(session, result.staff, ip=ip)

    result, token = await db(request, attempt)
    if token is None:
        if result.locked_until:
            message = (
                "Akun dikunci sementara karena terlalu banyak percobaan gagal. "
                "Coba lagi 15 menit lagi."
            )
            return _login_page(request, message, status=429)
        return _login_page(request, "Nama pengguna atau kata sandi salah.", status=401)
    response = web.HTTPSeeOther(_safe_next(str(form.get("next", "/"))))
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=config(request).secure_cookies,
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
