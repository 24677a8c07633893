"""Who may see and do what. Every view calls one of these before touching data.

- admin: everything, including users and agencies;
- officer: handoffs and tickets of their own agency only, and may act on them;
- auditor: sees every agency, changes nothing (no reply, resolve, status change or reveal).

A refusal is a 403 page whatever the reason (wrong role, another agency's item), so guessing a
URL of another agency's complaint gets exactly what clicking a forbidden button gets.
"""

from __future__ import annotations

from aiohttp import web

from storage.console import Staff


class Forbidden(web.HTTPForbidden):
    """Raised by views; rendered as the console's 403 page by the security middleware."""

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message


class NotFound(web.HTTPNotFound):
    def __init__(self, message: str = "Tidak ditemukan.") -> None:
        super().__init__()
        self.message = message


class BadRequest(web.HTTPBadRequest):
    """A form or query the console cannot read (malformed body, NUL bytes, absurd numbers)."""

    def __init__(self, message: str = "Permintaan tidak dapat dibaca. Muat ulang halaman.") -> None:
        super().__init__()
        self.message = message


def staff(request: web.Request) -> Staff:
    return request["staff"]


def require_role(request: web.Request, *roles: str) -> Staff:
    user = staff(request)
    if user.role not in roles:
        raise Forbidden("Anda tidak berwenang membuka halaman ini.")
    return user


def require_view(request: web.Request, agency_id: str | None) -> Staff:
    user = staff(request)
    if not user.can_see_agency(agency_id):
        raise Forbidden("Item ini milik instansi lain.")
    return user


def require_act(request: web.Request, agency_id: str | None) -> Staff:
    user = require_view(request, agency_id)
    if not user.can_act_on_agency(agency_id):
        raise Forbidden("Peran Anda hanya dapat membaca (tanpa mengubah).")
    return user


def agency_scope(request: web.Request) -> str | None:
    """The agency a list must be limited to; None means every agency."""
    user = staff(request)
    if user.role != "officer":
        return None
    if not user.agency_id:
        # None would mean "every agency": an officer without one (a hand-edited row) sees none.
        raise Forbidden("Akun Anda belum terhubung ke instansi. Hubungi admin.")
    return user.agency_id
