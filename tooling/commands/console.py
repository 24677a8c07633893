"""`layani console ...`: staff accounts and agencies from the command line.

    layani console create-admin <username>            # prompts twice for the password
    echo "$PW" | layani console create-admin <username> --password-stdin
    layani console create-user <username> --role officer --agency dinas_pupr [--password-stdin]
    layani console seed-agencies                       # every agency id the catalogue routes to
    layani console add-agency <id> <name>
    layani console unlock <username> | disable <username> | list-users

There is no default password and no password argument (it would land in shell history and
`ps`): the password is typed at a prompt or piped on standard input.
"""

from __future__ import annotations

import argparse
import getpass
import sys

import yaml


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("console", help="staff console users and agencies")
    sub = parser.add_subparsers(dest="console_command", metavar="<action>")
    sub.required = True

    admin = sub.add_parser("create-admin", help="create an administrator")
    admin.add_argument("username")
    admin.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    admin.set_defaults(func=_create_admin)

    user = sub.add_parser("create-user", help="create an officer or auditor")
    user.add_argument("username")
    user.add_argument("--role", choices=["admin", "officer", "auditor"], required=True)
    user.add_argument("--agency", help="agency id (required for officers)")
    user.add_argument("--password-stdin", action="store_true")
    user.set_defaults(func=_create_user)

    seed = sub.add_parser("seed-agencies", help="create every agency named by the catalogue/packs")
    seed.set_defaults(func=_seed_agencies)

    agency = sub.add_parser("add-agency", help="create one agency")
    agency.add_argument("agency_id")
    agency.add_argument("name")
    agency.set_defaults(func=_add_agency)

    for name, func, text in (
        ("unlock", _unlock, "clear a login lockout"),
        ("disable", _disable, "disable an account and end its sessions"),
    ):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("username")
        cmd.set_defaults(func=func)

    listing = sub.add_parser("list-users", help="list staff accounts")
    listing.set_defaults(func=_list_users)


def read_password(from_stdin: bool, stdin=None) -> str:  # type: ignore[no-untyped-def]
    """The new password from a pipe (first line) or typed twice at a hidden prompt."""
    stdin = stdin or sys.stdin
    if from_stdin or not stdin.isatty():
        return stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat password: "):
        raise SystemExit("error: passwords do not match")
    return first


def _db(fn, *args):  # type: ignore[no-untyped-def]
    from storage.db import session_scope, upgrade_database

    upgrade_database()
    with session_scope() as session:
        return fn(session, *args)


def _fail(exc: Exception) -> int:
    print(f"error: {exc}", file=sys.stderr)
    return 1


def _create(username: str, role: str, agency: str | None, from_stdin: bool) -> int:
    from storage import console as accounts

    password = read_password(from_stdin)

    def work(session):  # type: ignore[no-untyped-def]
        user = accounts.create_user(session, username, password, role, agency)
        accounts.audit(
            session,
            None,
            "user_create",
            "user",
            user.username,
            {"role": role, "agency": agency, "via": "cli"},
        )
        return user.username

    try:
        created = _db(work)
    except accounts.ConsoleError as exc:
        return _fail(exc)
    print(f"Created {role} {created}")
    return 0


def _create_admin(args: argparse.Namespace) -> int:
    return _create(args.username, "admin", None, args.password_stdin)


def _create_user(args: argparse.Namespace) -> int:
    return _create(args.username, args.role, args.agency, args.password_stdin)


def known_agencies() -> dict[str, str]:
    """Agency id -> name: agency packs, the catalogue's FAQ agencies and complaint routes."""
    from layani.catalogue import load_catalogue
    from layani.packs import PACK_INFO_FILE, all_packs, pack_files
    from layani.policies.handoff_config import load_config

    names: dict[str, str] = {}
    catalogue = load_catalogue()
    for topic in catalogue.faq.values():
        names.setdefault(topic["agency"], topic["agency"])
    for category in catalogue.complaint_categories.values():
        names.setdefault(category["route"], category["route"])
    names.setdefault(load_config().default_agency, "Layanan umum")
    for pack in all_packs():
        for path in pack_files(pack, PACK_INFO_FILE):
            info = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("agency") or {}
            if info.get("id"):
                names[str(info["id"])] = str(info.get("name") or info["id"])
    return names


def _seed_agencies(args: argparse.Namespace) -> int:
    from storage import console as accounts

    agencies = known_agencies()
    created = _db(
        lambda s: [a for a, n in sorted(agencies.items()) if accounts.ensure_agency(s, a, n)]
    )
    print(f"{len(created)} agencies created, {len(agencies) - len(created)} already present")
    return 0


def _add_agency(args: argparse.Namespace) -> int:
    from storage import console as accounts

    try:
        _db(accounts.create_agency, args.agency_id, args.name)
    except accounts.ConsoleError as exc:
        return _fail(exc)
    print(f"Created agency {args.agency_id}")
    return 0


def _with_user(username: str, change) -> int:  # type: ignore[no-untyped-def]
    from storage import console as accounts

    def work(session):  # type: ignore[no-untyped-def]
        user = accounts.find_user(session, username)
        if user is None:
            raise accounts.InvalidInput(f"no user {username}")
        change(session, user)
        return user.username

    try:
        _db(work)
    except accounts.ConsoleError as exc:
        return _fail(exc)
    return 0


def _unlock(args: argparse.Namespace) -> int:
    from storage import console as accounts

    code = _with_user(args.username, lambda s, u: accounts.unlock_user(u))
    if code == 0:
        print(f"Unlocked {args.username}")
    return code


def _disable(args: argparse.Namespace) -> int:
    from storage import console as accounts

    code = _with_user(args.username, lambda s, u: accounts.update_user(s, u, active=False))
    if code == 0:
        print(f"Disabled {args.username}")
    return code


def _list_users(args: argparse.Namespace) -> int:
    from storage import console as accounts

    rows = _db(
        lambda s: [
            (u.username, u.role, u.agency_id or "-", u.active) for u in accounts.list_users(s)
        ]
    )
    for username, role, agency, active in rows:
        print(f"{username}\t{role}\t{agency}\t{'active' if active else 'disabled'}")
    return 0
