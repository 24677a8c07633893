"""`layani complaint-category` and `layani complaint status`: the complaint tools for operators.

- `layani complaint-category "<text>"` prints the predicted complaint_category id; with no text
  it reads one complaint per line from standard input and prints one id per line (for evaluation
  by others against the catalogue).
- `layani complaint status ADU-XXXX-XXXX diproses --note "..."` changes a status through the
  same service API the console uses, which also notifies the reporter.
- `layani complaint show ADU-XXXX-XXXX` prints a ticket and its history.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    category = subparsers.add_parser(
        "complaint-category", help="predict the complaint category of a text (or stdin lines)"
    )
    category.add_argument("text", nargs="?", help="complaint text; omit to read stdin")
    category.set_defaults(func=_category)

    complaint = subparsers.add_parser("complaint", help="complaint (pengaduan) tickets")
    sub = complaint.add_subparsers(dest="complaint_command", metavar="<action>")
    status = sub.add_parser("status", help="change a ticket's status and notify the reporter")
    status.add_argument("ticket_id")
    status.add_argument(
        "status", choices=["diterima", "diverifikasi", "diproses", "selesai", "ditolak"]
    )
    status.add_argument("--note", default="", help="public note shown to the citizen")
    status.add_argument("--actor", default="cli", help="who made the change (history)")
    status.add_argument("--no-notify", action="store_true", help="do not message the citizen")
    status.set_defaults(func=_status)
    show = sub.add_parser("show", help="print a ticket and its history")
    show.add_argument("ticket_id")
    show.set_defaults(func=_show)
    complaint.set_defaults(func=lambda args: (complaint.print_help(), 2)[1])


def _category(args: argparse.Namespace) -> int:
    from actions.complaints.classifier import classify

    if args.text is not None:
        print(classify(args.text))
        return 0
    for line in sys.stdin:
        # One output line per input line, blank lines included, so outputs stay aligned.
        print(classify(line.rstrip("\n")), flush=False)
    sys.stdout.flush()
    return 0


def _status(args: argparse.Namespace) -> int:
    from services import ticket_status
    from storage import tickets

    try:
        view = ticket_status.change_status(
            args.ticket_id,
            args.status,
            note=args.note,
            actor=args.actor,
            notify=not args.no_notify,
        )
    except tickets.TicketNotFound:
        print(f"Tiket {args.ticket_id} tidak ditemukan.", file=sys.stderr)
        return 1
    except tickets.InvalidTransition as exc:
        print(f"Status tidak dapat diubah: {exc}", file=sys.stderr)
        return 1
    outcome = view.history[-1].event if view.history else ""
    print(f"{view.id} {view.status}")
    if outcome == "notify_failed":
        print(
            "Peringatan: notifikasi ke pelapor gagal terkirim (tercatat di riwayat).",
            file=sys.stderr,
        )
    return 0


def _show(args: argparse.Namespace) -> int:
    from storage import tickets

    view = tickets.get_ticket(args.ticket_id)
    if view is None:
        print(f"Tiket {args.ticket_id} tidak ditemukan.", file=sys.stderr)
        return 1
    print(f"{view.id}  {view.kind}  {view.status}  {view.agency}  {view.category_or_service}")
    print(f"  lokasi: {view.location or '-'}")
    print(f"  uraian: {view.description}")
    print(f"  batas waktu: {view.due_date}")
    for entry in view.history:
        when = f"{entry.at:%Y-%m-%d %H:%M}"
        print(f"  {when} {entry.event:<13} {entry.status:<12} {entry.actor}: {entry.note or ''}")
    return 0
