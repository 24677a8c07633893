"""`layani applications show|purge`: operator tools for service applications (PMH-...).

- `layani applications show PMH-XXXX-XXXX` prints the application with identity numbers masked
  (an operator's terminal is not a place to read them; the console shows them by role).
- `layani applications purge [--dry-run]` deletes identity numbers past their retention period
  (docs/applications.md); run it daily.
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("applications", help="service applications (permohonan)")
    sub = parser.add_subparsers(dest="applications_command", metavar="<action>")
    show = sub.add_parser("show", help="print an application, identity numbers masked")
    show.add_argument("ticket_id")
    show.set_defaults(func=_show)
    purge = sub.add_parser("purge", help="delete personal data past its retention period")
    purge.add_argument("--dry-run", action="store_true", help="only count what would go")
    purge.set_defaults(func=_purge)
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])


def _show(args: argparse.Namespace) -> int:
    from storage.applications import KIND, application_data
    from storage.tickets import get_ticket

    view = get_ticket(args.ticket_id)
    if view is None or view.kind != KIND:
        print(f"No application {args.ticket_id}")
        return 1
    print(f"{view.id}  {view.category_or_service}  {view.agency}  status={view.status}")
    print(f"created {view.created_at:%Y-%m-%d %H:%M} UTC, channel {view.channel}")
    print(json.dumps(application_data(view.id), ensure_ascii=False, indent=2))
    return 0


def _purge(args: argparse.Namespace) -> int:
    from storage import personal_data
    from storage.db import session_scope

    if args.dry_run:
        with session_scope() as session:
            total = session.query(personal_data.TicketPersonalData).count()
        print(f"{total} personal-data rows stored; run without --dry-run to purge expired ones")
        return 0
    deleted = personal_data.purge_expired()
    print(f"Deleted {deleted} personal-data rows past their retention period")
    return 0
