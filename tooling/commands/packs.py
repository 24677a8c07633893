"""`layani pack new|import|lint|eval`: agency staff manage their service packs (docs/packs.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from layani.paths import AGENCIES_DIR, ROOT


def register(subparsers) -> None:
    parser = subparsers.add_parser("pack", help="create, import, check and evaluate agency packs")
    parser.add_argument("--agencies-dir", default=str(AGENCIES_DIR), help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="pack_command", metavar="<new|import|lint|eval>")
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])

    new = commands.add_parser("new", help="scaffold nlu_data/agencies/<agency>/")
    new.add_argument("agency", help="agency id: lowercase letters, digits, '_' (e.g. pdam_tirta)")
    new.set_defaults(func=cmd_new)

    imp = commands.add_parser("import", help="write a pack's questions and answers from CSV/XLSX")
    imp.add_argument("agency")
    imp.add_argument(
        "sheet",
        help="file.csv or file.xlsx with columns topic, questions, answer, "
        "sms_answer, source, reviewed",
    )
    imp.set_defaults(func=cmd_import)

    lint = commands.add_parser("lint", help="check packs; non-zero exit when a problem is found")
    lint.add_argument("--pack", action="append", help="check only this agency (repeatable)")
    lint.add_argument("--no-rasa", action="store_true", help="skip `rasa data validate` (~10 s)")
    lint.add_argument(
        "--verbose", action="store_true", help="show every note about the rest of the bot"
    )
    lint.set_defaults(func=cmd_lint)

    ev = commands.add_parser("eval", help="cross-validate an agency's topics, list collisions")
    ev.add_argument("agency")
    ev.add_argument("--folds", type=int, default=5)
    ev.add_argument(
        "--threshold",
        type=float,
        default=0.1,
        help="report a topic pair when this share of a topic's held-out examples "
        "goes to the other topic (default 0.1)",
    )
    ev.set_defaults(func=cmd_eval)


def _dir(args) -> Path:
    return Path(args.agencies_dir)


MAX_NOTES = 5


def _print_problems(problems, verbose: bool = True) -> None:
    notes = [p for p in problems if not p.blocking]
    for problem in [p for p in problems if p.blocking] + notes[: None if verbose else MAX_NOTES]:
        print(problem.render(ROOT))
    if not verbose and len(notes) > MAX_NOTES:
        print(
            f"... {len(notes) - MAX_NOTES} more note(s) about the rest of the bot "
            "(--verbose shows them)"
        )


def cmd_new(args) -> int:
    from tooling.packtool.scaffold import PackExists, new_pack

    try:
        paths = new_pack(args.agency, _dir(args))
    except (ValueError, PackExists) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in paths:
        print(f"created {path}")
    print(
        f"Next: fill them in (docs/packs.md), or `layani pack import {args.agency} file.csv`; "
        f"then `layani pack lint --pack {args.agency}`."
    )
    return 0


def cmd_import(args) -> int:
    from tooling.packtool.importing import import_sheet
    from tooling.packtool.tabular import SheetError

    try:
        result = import_sheet(args.agency, Path(args.sheet), _dir(args))
    except SheetError as exc:
        print(f"{exc.path}: nothing imported, {len(exc.errors)} problem(s):", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"imported {len(result.topics)} topic(s) into {result.directory}: "
        f"{', '.join(result.topics)}"
    )
    if any(p.blocking for p in result.problems):
        print(f"lint found {len(result.problems)} problem(s) in the pack:")
        _print_problems(result.problems)
        return 1
    print("lint: no problems. Train with `make train` (or LAYANI_PACKS to limit packs).")
    return 0


def cmd_lint(args) -> int:
    from tooling.packtool.lint import lint

    problems = lint(args.pack, _dir(args), run_rasa=not args.no_rasa)
    _print_problems(problems, args.verbose)
    checked = ", ".join(args.pack) if args.pack else "all packs"
    blocking = [p for p in problems if p.blocking]
    notes = len(problems) - len(blocking)
    suffix = f" ({notes} note(s) about the rest of the bot)" if notes else ""
    if blocking:
        print(f"{len(blocking)} problem(s) in {checked}{suffix}", file=sys.stderr)
        return 1
    print(f"no problems in {checked}{suffix}")
    return 0


def cmd_eval(args) -> int:
    from tooling.packtool.evaluate import evaluate, render

    try:
        report = evaluate(args.agency, _dir(args), folds=args.folds, threshold=args.threshold)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(render(report))
    return 1 if report.collisions or report.duplicates else 0
