"""`layani` command line: one entry point, each command registered by the module that owns it.

A module listed in COMMANDS exposes `register(subparsers)`, adding its sub-command with
`set_defaults(func=...)`; `func(args)` returns the process exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = [
    "tooling.commands.train",
    "tooling.commands.complaints",
    "tooling.commands.applications",
    "tooling.commands.conversations",
    "tooling.commands.packs",
    "tooling.commands.console",
    "tooling.commands.channels",
    "tooling.commands.demo",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="layani", description="Layani assistant tools")
    subparsers = parser.add_subparsers(dest="command", metavar="<command>")
    for module_name in COMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
