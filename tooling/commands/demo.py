"""`layani demo seed` / `layani demo remove`: fake data so a new install shows a populated
transparency page (http://localhost:<console port>/transparansi).

Only for the embedded profile (SQLite under var/): it refuses, with a non-zero exit, when
LAYANI_PROFILE is production or DATABASE_URL is not SQLite, because fake complaints in a real
agency's database would end up in published figures. Every fake row is marked
(`tooling.transparency_seed`: "[DEMO]" description, {"demo": true}, owner `demo:<n>`) and
`layani demo remove` deletes exactly those rows.
"""

from __future__ import annotations

import argparse
import os
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="fake data for the embedded profile")
    sub = parser.add_subparsers(dest="demo_command", metavar="<action>")
    sub.required = True
    seed = sub.add_parser("seed", help="fill an embedded install with marked fake tickets")
    seed.add_argument("--tickets", type=int, default=400, help="how many (1..20000)")
    seed.set_defaults(func=_seed)
    remove = sub.add_parser("remove", help="delete the fake tickets and ratings again")
    remove.set_defaults(func=_remove)


def refusal(url: str, profile: str) -> str | None:
    """Why seeding must not run here, or None when it may."""
    if profile.strip().lower() == "production":
        return "LAYANI_PROFILE=production"
    if not url.startswith("sqlite"):
        return "DATABASE_URL is not the embedded SQLite database"
    return None


def _target() -> tuple[str, str | None]:
    from layani import settings

    url = settings.load().database_url
    return url, refusal(url, os.environ.get("LAYANI_PROFILE", "embedded"))


def _seed(args: argparse.Namespace) -> int:
    url, refused = _target()
    if refused:
        print(
            f"Refusing to seed demo data: {refused}. Demo data is for the embedded profile only.",
            file=sys.stderr,
        )
        return 3
    if not 1 <= args.tickets <= 20000:
        print("--tickets must be between 1 and 20000", file=sys.stderr)
        return 2
    from storage import console as accounts
    from storage.db import get_engine, session_scope, upgrade_database
    from storage.models import utcnow
    from storage.transparency import clear_cache
    from tooling.commands.console import known_agencies
    from tooling.transparency_seed import insert

    upgrade_database(url)
    with session_scope(url) as s:
        for agency_id, name in sorted(known_agencies().items()):
            accounts.ensure_agency(s, agency_id, name)
    with get_engine(url).begin() as conn:
        rated = insert(conn, args.tickets, utcnow())
    clear_cache()
    print(f"Seeded {args.tickets} fake tickets ([DEMO]) and {rated} ratings into {url}")
    return 0


def _remove(args: argparse.Namespace) -> int:
    url, refused = _target()
    if refused:
        print(f"Refusing: {refused}.", file=sys.stderr)
        return 3
    from storage.db import get_engine
    from tooling.transparency_seed import remove

    with get_engine(url).begin() as conn:
        count = remove(conn)
    print(f"Removed {count} fake tickets")
    return 0
