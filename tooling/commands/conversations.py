"""`layani conversations purge`: delete conversations idle longer than the retention period.

Why: Rasa keeps every conversation forever. What the citizen typed is masked in the store
(layani/tracker_store.py), but a conversation is still personal data (UU 27/2022: kept no
longer than its purpose needs). `purge` deletes every stored event of each conversation whose
last event is older than `--older-than` days (default LAYANI_CONVERSATION_RETENTION_DAYS, 90).
Run it daily next to `layani applications purge`. It reads the tracker store from the profile's
endpoints file with the launcher's environment (layani/run.py), so it purges the store the Rasa
server uses.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from layani import settings
from layani.paths import ROOT


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("conversations", help="stored conversations (Rasa tracker)")
    sub = parser.add_subparsers(dest="conversations_command", metavar="<action>")
    purge = sub.add_parser("purge", help="delete conversations idle past the retention period")
    purge.add_argument(
        "--older-than",
        type=_days,
        default=None,
        metavar="DAYS",
        help="idle days before a conversation is deleted "
        "(default LAYANI_CONVERSATION_RETENTION_DAYS, 90)",
    )
    purge.add_argument("--dry-run", action="store_true", help="only count what would go")
    purge.add_argument(
        "--profile",
        choices=("embedded", "production"),
        default=os.environ.get("LAYANI_PROFILE", "embedded"),
        help="which endpoints file names the tracker store (default embedded)",
    )
    purge.set_defaults(func=_purge)
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])


def _days(value: str) -> int:
    days = int(value)
    if days < 1:
        raise argparse.ArgumentTypeError("must be at least 1 day")
    return days


def tracker_store(profile: str) -> Any:
    """The profile's tracker store, configured exactly as the Rasa server configures it."""
    from rasa.utils.endpoints import read_endpoint_config

    from layani.run import build_env
    from layani.tracker_store import PrivateSQLTrackerStore

    name = "endpoints.production.yml" if profile == "production" else "endpoints.yml"
    saved = dict(os.environ)
    try:  # ${VAR} in the endpoints file expands from os.environ, as in the launched server
        os.environ.update(build_env(profile))
        # Rasa expands every ${VAR} of the file; only tracker_store is used here.
        os.environ.setdefault("LAYANI_ACTION_TOKEN", "unused-by-the-purge")
        config = read_endpoint_config(str(ROOT / name), "tracker_store")
    finally:
        os.environ.clear()
        os.environ.update(saved)
    if config is None or not config.type or not config.type.endswith("PrivateSQLTrackerStore"):
        raise SystemExit(
            f"{name}: tracker_store is not layani.tracker_store.PrivateSQLTrackerStore"
        )
    return PrivateSQLTrackerStore(host=config.url, **config.kwargs)


def _purge(args: argparse.Namespace) -> int:
    days = args.older_than or settings.load().conversation_retention_days
    store = tracker_store(args.profile)
    conversations, events = store.purge_inactive(days, dry_run=args.dry_run)
    if args.dry_run:
        print(f"{conversations} conversations ({events} events) idle more than {days} days")
    else:
        print(f"Deleted {conversations} conversations ({events} events) idle more than {days} days")
    return 0
