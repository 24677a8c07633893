"""`layani pack lint`: check agency packs against the pack contract before they go live.

Every problem names the file and line and says how to fix it. Checks, in order:
agency.yml fields; topic ids; at least `MIN_EXAMPLES` examples per topic; examples shared or
nearly shared with another topic or agency (both places named); a response per topic with a
default and an SMS variant; SMS variants GSM-7 and at most two segments; metadata (agency,
source, reviewed date, topic) on every variant; a topic owned by two packs; and finally
`rasa data validate` on the assembled bot (skipped with `--no-rasa`).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from layani.catalogue import load_catalogue
from layani.paths import AGENCIES_DIR
from tooling.packtool import rules
from tooling.packtool.model import Pack, Problem, load_packs
from tooling.packtool.similarity import duplicates_within, find_collisions

INFO_FIELDS = ("id", "name", "contact", "office_hours", "locations", "complaint_categories")


def lint(
    names: Sequence[str] | None = None,
    agencies_dir: Path = AGENCIES_DIR,
    run_rasa: bool = True,
    today: dt.date | None = None,
) -> list[Problem]:
    """Problems in the packs `names` (default: every pack), checked against all packs."""
    every = load_packs(None, agencies_dir)
    wanted = set(names) if names else {p.agency for p in every}
    unknown = wanted - {p.agency for p in every}
    problems: list[Problem] = [
        Problem(
            agencies_dir / name,
            1,
            f"pack '{name}' does not exist",
            f"create it with `layani pack new {name}`",
        )
        for name in sorted(unknown)
    ]
    catalogue = load_catalogue()
    for pack in every:
        if pack.agency in wanted:
            problems += check_pack(pack, catalogue, today)
    problems += check_owners(every, wanted)
    problems += check_collisions(every, wanted)
    if run_rasa and not unknown:
        problems += rasa_validate(agencies_dir, [p for p in every if p.agency in wanted])
    return problems


def check_pack(pack: Pack, catalogue, today: dt.date | None = None) -> list[Problem]:
    problems = list(pack.problems)
    problems += _check_info(pack, catalogue)
    if pack.nlu_path.is_file() and not pack.topics:
        problems.append(
            Problem(
                pack.nlu_path,
                1,
                "the pack has no topics yet",
                "add `- intent: faq/<topic>` blocks, or `layani pack import` a CSV",
            )
        )
    for name, topic in pack.topics.items():
        finding = rules.id_problem(name, "topic id")
        if finding:
            problems.append(Problem(pack.nlu_path, topic.line, *finding))
        owner = catalogue.faq.get(name, {}).get("agency")
        if owner and owner != pack.agency:
            problems.append(
                Problem(
                    pack.nlu_path,
                    topic.line,
                    f"topic '{name}' belongs to agency '{owner}' in spec/topics.yml",
                    f"move it to nlu_data/agencies/{owner}/ or give your topic a new id "
                    f"(e.g. {pack.agency}_{name})",
                )
            )
        if len(topic.examples) < rules.MIN_EXAMPLES:
            problems.append(
                Problem(
                    pack.nlu_path,
                    topic.line,
                    f"topic '{name}' has {len(topic.examples)} examples, "
                    f"at least {rules.MIN_EXAMPLES} are needed",
                    f"add {rules.MIN_EXAMPLES - len(topic.examples)} or more different ways "
                    "citizens ask this "
                    "(formal, everyday, SMS-style with abbreviations)",
                )
            )
        if name not in pack.responses:
            problems.append(
                Problem(
                    pack.nlu_path,
                    topic.line,
                    f"topic '{name}' has no answer",
                    f"add `utter_faq/{name}:` to {pack.responses_path.name} "
                    "(default and `channel: sms` variants)",
                )
            )
    for first, repeat in duplicates_within(pack.examples()):
        problems.append(
            Problem(
                repeat.path,
                repeat.line,
                f"example '{repeat.text}' repeats line {first.line} of topic '{repeat.topic}'",
                "delete one of the two lines",
            )
        )
    for name, response in pack.responses.items():
        problems += _check_response(pack, name, response, today)
    for (name, aspect), response in pack.aspects.items():
        problems += _check_aspect(pack, name, aspect, response, today)
    return problems


def _check_info(pack: Pack, catalogue) -> list[Problem]:
    problems = []
    finding = rules.id_problem(pack.agency, "agency folder name")
    if finding:
        problems.append(Problem(pack.directory, 1, *finding))
    if pack.info is None:
        return problems
    path, lines = pack.info_path, pack.info_lines
    for key in INFO_FIELDS:
        value = pack.info.get(key)
        line = lines.get(key, lines[""])
        if key not in pack.info:
            problems.append(
                Problem(
                    path,
                    line,
                    f"`{key}:` is missing under `agency:`",
                    f"add `{key}:` (see docs/packs.md)",
                )
            )
        elif key == "complaint_categories":
            if not isinstance(value, list):
                problems.append(
                    Problem(
                        path,
                        line,
                        "`complaint_categories:` must be a list",
                        "write e.g. `complaint_categories: [air_bersih]` or `[]`",
                    )
                )
                continue
            for category in value:
                if category not in catalogue.complaint_categories:
                    problems.append(
                        Problem(
                            path,
                            line,
                            f"complaint category '{category}' is not in spec/topics.yml",
                            "use one of: " + ", ".join(catalogue.complaint_categories),
                        )
                    )
        elif key == "locations":
            if (
                not isinstance(value, list)
                or not value
                or not all(str(v or "").strip() for v in value)
            ):
                problems.append(
                    Problem(
                        path,
                        line,
                        "`locations:` must list at least one office",
                        'add `- "Nama kantor, alamat"` lines',
                    )
                )
        elif key == "contact":
            # All-null is allowed (docs/faq.md: never invent a number); absent or "" is not.
            if value is None or (isinstance(value, str) and not value.strip()):
                problems.append(
                    Problem(
                        path,
                        line,
                        "`contact:` is empty",
                        "give official phone, email and website (null where unknown)",
                    )
                )
        elif not str(value or "").strip():
            problems.append(Problem(path, line, f"`{key}:` is empty", f"fill in `{key}:`"))
    if "id" in pack.info and pack.info.get("id") != pack.agency:
        problems.append(
            Problem(
                path,
                lines.get("id", 1),
                f"agency id '{pack.info.get('id')}' differs from the folder name '{pack.agency}'",
                "make `id:` equal to the folder name",
            )
        )
    return problems


def _check_response(pack: Pack, name: str, response, today) -> list[Problem]:
    path = pack.responses_path
    problems = []
    if name not in pack.topics:
        problems.append(
            Problem(
                path,
                response.line,
                f"answer `utter_faq/{name}` has no questions",
                f"add `- intent: faq/{name}` with examples to {pack.nlu_path.name}, or remove it",
            )
        )
    channels = [v.channel for v in response.variants]
    if None not in channels:
        problems.append(
            Problem(
                path,
                response.line,
                f"`utter_faq/{name}` has no default variant",
                "add a variant without `channel:` (the full answer)",
            )
        )
    if "sms" not in channels:
        problems.append(
            Problem(
                path,
                response.line,
                f"`utter_faq/{name}` has no SMS variant",
                "add a variant with `channel: sms` (GSM-7, at most 306 characters)",
            )
        )
    for variant in response.variants:
        problems += _check_variant(pack, f"utter_faq/{name}", name, variant, False, today)
    return problems


def _check_variant(
    pack: Pack, response_name: str, name: str, variant, sms: bool, today
) -> list[Problem]:
    """Text, SMS limits (for SMS variants, or every variant when `sms`) and metadata."""
    path = pack.responses_path
    problems: list[Problem] = []
    where = f"`{response_name}`" + (f" ({variant.channel} variant)" if variant.channel else "")
    if not variant.text.strip():
        problems.append(
            Problem(path, variant.line, f"{where} has no text", "write the answer in `text:`")
        )
    if sms or variant.channel == "sms":
        for message, fix in rules.sms_problems(variant.text):
            problems.append(Problem(path, variant.line, f"{where}: {message}", fix))
    meta = variant.metadata
    if meta is None:
        problems.append(
            Problem(
                path,
                variant.line,
                f"{where} has no metadata",
                f'add `metadata: {{agency: {pack.agency}, source: "https://...", '
                f'reviewed: "YYYY-MM-DD", topic: {name}}}`',
            )
        )
        return problems
    mline = variant.metadata_line
    if meta.get("agency") != pack.agency:
        problems.append(
            Problem(
                path,
                mline,
                f"{where}: metadata agency is '{meta.get('agency')}'",
                f"set `agency: {pack.agency}` (the pack's folder name)",
            )
        )
    if meta.get("topic") != name:
        problems.append(
            Problem(
                path,
                mline,
                f"{where}: metadata topic is '{meta.get('topic')}'",
                f"set `topic: {name}`",
            )
        )
    for finding in (
        rules.source_problem(meta.get("source")),
        rules.date_problem(meta.get("reviewed"), today),
    ):
        if finding:
            problems.append(Problem(path, mline, f"{where}: {finding[0]}", finding[1]))
    reviewed = meta.get("reviewed")
    # Unquoted, YAML reads a date object, which breaks JSON serialisation of bot events.
    if not rules.date_problem(reviewed, today) and not (
        isinstance(reviewed, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", reviewed)
    ):
        problems.append(
            Problem(
                path,
                mline,
                f"{where}: reviewed date {reviewed} is not a quoted ISO date",
                'write it as reviewed: "YYYY-MM-DD" (with the quotes)',
            )
        )
    return problems


def _check_aspect(pack: Pack, name: str, aspect: str, response, today) -> list[Problem]:
    """Follow-up answers are sent on every channel as they are: GSM-7, two segments at most."""
    response_name = f"utter_faq_aspect_{name}_{aspect}"
    problems = []
    if name not in pack.topics:
        problems.append(
            Problem(
                pack.responses_path,
                response.line,
                f"follow-up `{response_name}` is for topic '{name}', which has no questions",
                f"fix the topic id in the name, or add `- intent: faq/{name}` to nlu.yml",
            )
        )
    for variant in response.variants:
        problems += _check_variant(pack, response_name, name, variant, True, today)
    return problems


def check_owners(every: Sequence[Pack], wanted) -> list[Problem]:
    """A topic answered by two packs: Rasa would silently keep one of the answers."""
    owners: dict[str, Pack] = {}
    problems = []
    for pack in every:
        for name in sorted(set(pack.topics) | set(pack.responses)):
            if name in owners:
                first = owners[name]
                if pack.agency in wanted or first.agency in wanted:
                    line = (
                        pack.topics[name].line if name in pack.topics else pack.responses[name].line
                    )
                    path = pack.nlu_path if name in pack.topics else pack.responses_path
                    other = first.nlu_path if name in first.topics else first.responses_path
                    other_line = (
                        first.topics[name].line
                        if name in first.topics
                        else first.responses[name].line
                    )
                    problems.append(
                        Problem(
                            path,
                            line,
                            f"topic '{name}' is also defined by pack '{first.agency}' "
                            f"({other}:{other_line})",
                            f"give one of them a different topic id (e.g. {pack.agency}_{name})",
                        )
                    )
            else:
                owners[name] = pack
    return problems


def check_collisions(every: Sequence[Pack], wanted) -> list[Problem]:
    examples = [ex for pack in every for ex in pack.examples()]
    problems = []
    for hit in find_collisions(examples):
        if hit.first.agency not in wanted and hit.second.agency not in wanted:
            continue
        kind = "the same as" if hit.exact else f"nearly the same as (similarity {hit.score:.2f})"
        for here, there in ((hit.first, hit.second), (hit.second, hit.first)):
            if here.agency not in wanted:
                continue
            problems.append(
                Problem(
                    here.path,
                    here.line,
                    f"example '{here.text}' of topic '{here.topic}' is {kind} '{there.text}' "
                    f"of topic '{there.topic}' ({there.path}:{there.line})",
                    "delete it or reword it with the words that make the topics different; "
                    "if both agencies answer the same question, agree which pack owns it",
                )
            )
            break
    return problems


_WARNING_LINE = re.compile(r"UserWarning: (.*)|\b(?:WARNING|ERROR)\s+\S+\s+-\s+(.*)")
_NUMBERED = re.compile(r"^\s+\d+\. (.*)$")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_QUOTED = re.compile(r"'([^']+)'")


def _validation_command(root: Path) -> tuple[list[str], re.Pattern]:
    """The project's strict validator (`make validate`), or plain Rasa in an older checkout.

    `tooling.validate` fails on every Rasa warning except documented false alarms (responses
    sent by actions, `utter_faq/*`), and lists the remaining ones as numbered lines.
    """
    if (root / "tooling" / "validate.py").is_file():
        return [sys.executable, "-m", "tooling.validate"], _NUMBERED
    return [
        sys.executable,
        "-m",
        "rasa",
        "data",
        "validate",
        "--config",
        "config.yml",
        "--domain",
        "bot/domain",
    ], _WARNING_LINE


def rasa_validate(agencies_dir: Path, linted: Sequence[Pack]) -> list[Problem]:
    """Validate the bot assembled with the `linted` packs enabled (Rasa's validator).

    Runs in a subprocess because importing Rasa (TensorFlow) takes seconds and memory the rest of
    the linter does not need. The project root is the folder holding `nlu_data/`. A warning that
    names a pack's topic, response, example or file is reported at that place and fails the
    lint; other warnings concern the rest of the bot and are shown as notes.
    """
    root = agencies_dir.resolve().parent.parent
    names = [p.agency for p in linted]
    env = dict(os.environ, LAYANI_ROOT=str(root), LAYANI_PACKS=",".join(names) or "all")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH", "")]))
    cmd, pattern = _validation_command(root)
    result = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=900)
    output = _ANSI.sub("", result.stdout + "\n" + result.stderr)
    config = root / "config.yml"
    problems = []
    for line in output.splitlines():
        match = pattern.search(line)
        if not match or "Deprecat" in line:
            continue
        message = f"data validation: {next(g for g in match.groups() if g).strip()}"
        place = _attribute(message, linted)
        if place:
            problems.append(
                Problem(place[0], place[1], message, "fix this line as the message says")
            )
        else:
            problems.append(
                Problem(
                    config,
                    1,
                    message,
                    "not caused by the packs checked; tell the maintainers of bot/ or "
                    "nlu_data/common/",
                    blocking=False,
                )
            )
    if result.returncode != 0 and not any(p.blocking for p in problems):
        # A failure that names a pack file (e.g. a schema error) is the pack's; otherwise the
        # warnings above (the rest of the bot) explain it.
        place = _attribute(output, linted)
        tail = " | ".join(output.strip().splitlines()[-3:])
        if place or not problems:
            problems.append(
                Problem(
                    place[0] if place else config,
                    place[1] if place else 1,
                    f"data validation failed (exit {result.returncode}): {tail}",
                    f"run `{' '.join(cmd[1:])}` with LAYANI_PACKS={','.join(names)} to see why",
                )
            )
    return problems


def _attribute(message: str, linted: Sequence[Pack]):
    """(path, line) in a linted pack that a Rasa warning is about, or None."""
    quoted = set(_QUOTED.findall(message))
    for pack in linted:
        for path in (pack.nlu_path, pack.responses_path, pack.info_path):
            if (
                str(path) in message
                or str(path.relative_to(pack.directory.parent.parent.parent)) in message
            ):
                return path, 1
        for name, topic in pack.topics.items():
            if f"faq/{name}" in quoted or f"utter_faq/{name}" in quoted:
                if f"utter_faq/{name}" in quoted and name in pack.responses:
                    return pack.responses_path, pack.responses[name].line
                return pack.nlu_path, topic.line
            for example in topic.examples:
                if example.text in quoted:
                    return example.path, example.line
        for name, response in pack.responses.items():
            if f"utter_faq/{name}" in quoted:
                return pack.responses_path, response.line
    return None
