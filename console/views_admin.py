"""Administration (admins only): staff accounts and agencies; the audit log (admins, auditors).

Account changes are audited like everything else. There is no "create the first admin" page:
that is `layani console create-admin`, run by whoever operates the server, so a fresh console is
never open to whoever finds it first.
"""

from __future__ import annotations

from aiohttp import web

from console import access
from console.context import client_ip, db, read_form, render
from storage import console as accounts


def _lists(session):  # type: ignore[no-untyped-def]
    return accounts.list_users(session), accounts.list_agencies(session)


async def users_page(request: web.Request, error: str = "", status: int = 200) -> web.Response:
    access.require_role(request, "admin")
    users, agencies = await db(request, _lists)
    return render(
        request,
        "users.html",
        status=status,
        users=users,
        agencies=agencies,
        roles=accounts.ROLES,
        error=error,
        now=accounts.utcnow(),
    )


async def create_user(request: web.Request) -> web.StreamResponse:
    admin = access.require_role(request, "admin")
    form = await read_form(request)

    def work(session):  # type: ignore[no-untyped-def]
        user = accounts.create_user(
            session,
            str(form.get("username", "")),
            str(form.get("password", "")),
            str(form.get("role", "")),
            str(form.get("agency_id", "")) or None,
        )
        accounts.audit(
            session,
            admin,
            "user_create",
            "user",
            user.username,
            {"role": user.role, "agency": user.agency_id},
            client_ip(request),
        )

    try:
        await db(request, work)
    except accounts.ConsoleError as exc:
        return await users_page(request, str(exc), status=400)
    raise web.HTTPSeeOther("/admin/users")


async def update_user(request: web.Request) -> web.StreamResponse:
    admin = access.require_role(request, "admin")
    form = await read_form(request)
    try:
        user_id = int(request.match_info["user_id"])
    except ValueError:
        raise access.NotFound() from None
    if not 0 < user_id < 2**31:
        raise access.NotFound()
    action = str(form.get("action", ""))

    def work(session):  # type: ignore[no-untyped-def]
        user = accounts.get_user(session, user_id)
        if user is None:
            raise access.NotFound("Pengguna tidak ditemukan.")
        if user.id == admin.id and action in ("disable", "role"):
            raise accounts.InvalidInput("you cannot disable or demote your own account")
        detail: dict = {}
        if action == "disable":
            accounts.update_user(session, user, active=False)
        elif action == "enable":
            accounts.update_user(session, user, active=True)
        elif action == "unlock":
            accounts.unlock_user(user)
        elif action == "role":
            detail = {"role": str(form.get("role", "")), "agency": str(form.get("agency_id", ""))}
            accounts.update_user(
                session, user, role=detail["role"], agency_id=detail["agency"] or None
            )
        elif action == "password":
            accounts.set_password(session, user, str(form.get("password", "")))
        else:
            raise accounts.InvalidInput("unknown action")
        accounts.audit(
            session,
            admin,
            f"user_{action}",
            "user",
            user.username,
            detail or None,
            client_ip(request),
        )

    try:
        await db(request, work)
    except accounts.ConsoleError as exc:
        return await users_page(request, str(exc), status=400)
    raise web.HTTPSeeOther("/admin/users")


async def agencies_page(request: web.Request, error: str = "", status: int = 200) -> web.Response:
    access.require_role(request, "admin")
    agencies = await db(request, accounts.list_agencies)
    return render(request, "agencies.html", status=status, agencies=agencies, error=error)


async def create_agency(request: web.Request) -> web.StreamResponse:
    admin = access.require_role(request, "admin")
    form = await read_form(request)

    def work(session):  # type: ignore[no-untyped-def]
        agency = accounts.create_agency(session, str(form.get("id", "")), str(form.get("name", "")))
        accounts.audit(
            session, admin, "agency_create", "agency", agency.id, None, client_ip(request)
        )

    try:
        await db(request, work)
    except accounts.ConsoleError as exc:
        return await agencies_page(request, str(exc), status=400)
    raise web.HTTPSeeOther("/admin/agencies")


async def audit_page(request: web.Request) -> web.Response:
    access.require_role(request, "admin", "auditor")
    entries = await db(
        request,
        lambda s: accounts.list_audit(
            s,
            action=request.query.get("action") or None,
            target_id=request.query.get("target") or None,
            username=request.query.get("user") or None,
            limit=300,
        ),
    )
    return render(request, "audit.html", entries=entries, query=dict(request.query))


def setup(app: web.Application) -> None:
    app.router.add_get("/admin/users", users_page)
    app.router.add_post("/admin/users", create_user)
    app.router.add_post("/admin/users/{user_id}", update_user)
    app.router.add_get("/admin/agencies", agencies_page)
    app.router.add_post("/admin/agencies", create_agency)
    app.router.add_get("/audit", audit_page)
