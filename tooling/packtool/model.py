"""Load an agency pack into plain dataclasses that remember where each thing is in its file.

Lint messages must point staff at a file and a line, so the YAML is read with ruamel.yaml's
round-trip loader, whose nodes carry line marks (`.lc`). Lines here are 1-based, as editors
show them. Loading never raises on bad content: problems found while reading (YAML syntax,
missing keys, wrong types) are collected in `Pack.problems` for the linter to report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from layani import packs
from layani.paths import AGENCIES_DIR

FAQ_PREFIX = "faq/"
RESPONSE_PREFIX = "utter_faq/"
# Optional focused follow-up answers (docs/faq.md): utter_faq_aspect_<topic>_<aspect>.
ASPECT_PREFIX = "utter_faq_aspect_"
ASPECTS = ("biaya", "online", "waktu", "tempat")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a pack: where, what, and how to fix it."""

    path: Path
    line: int
    message: str
    fix: str = ""
    # False for findings outside the packs (e.g. a `rasa data validate` warning about another
    # team's domain file): shown as notes, they do not fail the lint of a pack.
    blocking: bool = True

    def render(self, root: Path | None = None) -> str:
        shown = self.path
        if root is not None:
            try:
                shown = self.path.resolve().relative_to(root.resolve())
            except ValueError:
                pass
        text = f"{shown}:{self.line}: {'' if self.blocking else 'note: '}{self.message}"
        return f"{text}. Fix: {self.fix}" if self.fix else text


@dataclass
class Example:
    text: str
    topic: str
    agency: str
    path: Path
    line: int


@dataclass
class Topic:
    """One `- intent: faq/<topic>` block of nlu.yml."""

    name: str
    line: int
    examples: list[Example] = field(default_factory=list)


@dataclass
class Variant:
    text: str
    channel: str | None
    metadata: dict[str, Any] | None
    line: int
    metadata_line: int
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class Response:
    """One `utter_faq/<topic>:` entry of responses.yml."""

    topic: str
    line: int
    variants: list[Variant] = field(default_factory=list)


@dataclass
class Pack:
    agency: str
    directory: Path
    info: dict[str, Any] | None = None
    info_lines: dict[str, int] = field(default_factory=dict)
    topics: dict[str, Topic] = field(default_factory=dict)
    responses: dict[str, Response] = field(default_factory=dict)
    # (topic, aspect) -> follow-up answer `utter_faq_aspect_<topic>_<aspect>`
    aspects: dict[tuple[str, str], Response] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def info_path(self) -> Path:
        return self.directory / packs.PACK_INFO_FILE

    @property
    def nlu_path(self) -> Path:
        return self.directory / packs.PACK_NLU_FILE

    @property
    def responses_path(self) -> Path:
        return self.directory / packs.PACK_RESPONSES_FILE

    def examples(self) -> list[Example]:
        return [ex for topic in self.topics.values() for ex in topic.examples]


def _yaml() -> YAML:
    return YAML(typ="rt")


def read_yaml(path: Path, problems: list[Problem]) -> Any:
    """Parsed round-trip YAML of `path`, or None (with a problem) if missing or malformed."""
    if not path.is_file():
        problems.append(
            Problem(path, 1, "file is missing", "run `layani pack new <agency>` to create it")
        )
        return None
    try:
        return _yaml().load(path.read_text(encoding="utf-8"))
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problems.append(
            Problem(
                path,
                line,
                f"YAML syntax error: {getattr(exc, 'problem', None) or exc}",
                "check indentation (spaces, not tabs) and quote text containing ': ' or '#'",
            )
        )
        return None


def key_line(node: Any, key: str, default: int) -> int:
    try:
        return node.lc.key(key)[0] + 1
    except (AttributeError, KeyError, TypeError):
        return default


def value_line(node: Any, key: str, default: int) -> int:
    try:
        return node.lc.value(key)[0] + 1
    except (AttributeError, KeyError, TypeError):
        return default


def item_line(node: Any, index: int, default: int) -> int:
    try:
        return node.lc.item(index)[0] + 1
    except (AttributeError, KeyError, TypeError, IndexError):
        return default


def load_pack(agency: str, agencies_dir: Path = AGENCIES_DIR) -> Pack:
    pack = Pack(agency=agency, directory=agencies_dir / agency)
    _load_info(pack)
    _load_nlu(pack)
    _load_responses(pack)
    return pack


def load_packs(names: list[str] | None = None, agencies_dir: Path = AGENCIES_DIR) -> list[Pack]:
    return [load_pack(name, agencies_dir) for name in (names or packs.all_packs(agencies_dir))]


def _load_info(pack: Pack) -> None:
    data = read_yaml(pack.info_path, pack.problems)
    if data is None:
        return
    info = data.get("agency") if hasattr(data, "get") else None
    if not hasattr(info, "get"):
        pack.problems.append(
            Problem(
                pack.info_path,
                1,
                "top-level key `agency:` is missing or not a mapping",
                "start the file with `agency:` followed by indented id, name, contact, ...",
            )
        )
        return
    pack.info = dict(info)
    base = key_line(data, "agency", 1)
    pack.info_lines = {key: key_line(info, key, base) for key in info}
    pack.info_lines[""] = base


def _load_nlu(pack: Pack) -> None:
    path = pack.nlu_path
    data = read_yaml(path, pack.problems)
    if data is None:
        return
    if not hasattr(data, "get"):
        pack.problems.append(
            Problem(path, 1, "file is not a mapping", 'start with `version: "3.1"` and `nlu:`')
        )
        return
    _check_version(data, path, pack.problems)
    blocks = data.get("nlu") or []
    if not isinstance(blocks, list):
        pack.problems.append(
            Problem(
                path,
                key_line(data, "nlu", 1),
                "`nlu:` must be a list of `- intent:` blocks",
                "indent each block as `  - intent: faq/<topic>`",
            )
        )
        return
    for index, block in enumerate(blocks):
        line = item_line(blocks, index, 1)
        if not hasattr(block, "get") or "intent" not in block:
            # synonym/regex/lookup blocks are allowed; other shapes are not ours to judge.
            if not hasattr(block, "get"):
                pack.problems.append(
                    Problem(
                        path,
                        line,
                        "an `nlu:` item is not a mapping",
                        "write `- intent: faq/<topic>` then `examples: |`",
                    )
                )
            continue
        intent = str(block.get("intent") or "")
        if not intent.startswith(FAQ_PREFIX):
            pack.problems.append(
                Problem(
                    path,
                    line,
                    f"intent '{intent}' is not an FAQ topic",
                    "packs may only add retrieval intents: name it `faq/<topic>`",
                )
            )
            continue
        name = intent[len(FAQ_PREFIX) :]
        if name in pack.topics:
            pack.problems.append(
                Problem(
                    path,
                    line,
                    f"topic '{name}' is defined twice (first at line {pack.topics[name].line})",
                    "merge the two blocks into one",
                )
            )
            topic = pack.topics[name]
        else:
            topic = pack.topics[name] = Topic(name=name, line=line)
        raw = block.get("examples")
        if not isinstance(raw, str):
            pack.problems.append(
                Problem(
                    path,
                    line,
                    f"topic '{name}' has no `examples: |` list",
                    "add `examples: |` with one `- question` per line",
                )
            )
            continue
        first = value_line(block, "examples", line) + 1
        for offset, text_line in enumerate(raw.split("\n")):
            stripped = text_line.strip()
            if not stripped:
                continue
            if not stripped.startswith("- "):
                pack.problems.append(
                    Problem(
                        path,
                        first + offset,
                        f"example line '{stripped[:40]}' does not start with '- '",
                        "write each example as `- question text`",
                    )
                )
                continue
            topic.examples.append(
                Example(stripped[2:].strip(), name, pack.agency, path, first + offset)
            )


def _load_responses(pack: Pack) -> None:
    path = pack.responses_path
    data = read_yaml(path, pack.problems)
    if data is None:
        return
    if not hasattr(data, "get"):
        pack.problems.append(
            Problem(
                path, 1, "file is not a mapping", 'start with `version: "3.1"` and `responses:`'
            )
        )
        return
    _check_version(data, path, pack.problems)
    for key in data:
        if key not in ("version", "responses"):
            pack.problems.append(
                Problem(
                    path,
                    key_line(data, key, 1),
                    f"packs may only declare `responses:`, not `{key}:`",
                    "remove it; intents, slots and actions belong to bot/domain/",
                )
            )
    responses = data.get("responses") or {}
    if not hasattr(responses, "items"):
        pack.problems.append(
            Problem(
                path,
                key_line(data, "responses", 1),
                "`responses:` must be a mapping",
                "indent each `utter_faq/<topic>:` under `responses:`",
            )
        )
        return
    for name, variants in responses.items():
        line = key_line(responses, name, 1)
        name = str(name)
        aspect = _aspect(name)
        if aspect:
            response = pack.aspects[aspect] = Response(topic=aspect[0], line=line)
        elif name.startswith(RESPONSE_PREFIX):
            topic = name[len(RESPONSE_PREFIX) :]
            response = pack.responses[topic] = Response(topic=topic, line=line)
        else:
            pack.problems.append(
                Problem(
                    path,
                    line,
                    f"response '{name}' is not an FAQ answer",
                    "name it `utter_faq/<topic>` after an `faq/<topic>` intent in nlu.yml "
                    f"(or `{ASPECT_PREFIX}<topic>_<{'|'.join(ASPECTS)}>` for a follow-up)",
                )
            )
            continue
        if not isinstance(variants, list):
            pack.problems.append(
                Problem(
                    path,
                    line,
                    f"response '{name}' must be a list of variants",
                    'write `- text: "..."` items under it',
                )
            )
            continue
        for index, variant in enumerate(variants):
            vline = item_line(variants, index, line)
            if not hasattr(variant, "get"):
                pack.problems.append(
                    Problem(
                        path,
                        vline,
                        "response variant is not a mapping",
                        'write `- text: "..."` with `metadata:`',
                    )
                )
                continue
            metadata = variant.get("metadata")
            response.variants.append(
                Variant(
                    text=str(variant.get("text") or ""),
                    channel=variant.get("channel"),
                    metadata=dict(metadata) if hasattr(metadata, "items") else None,
                    line=vline,
                    metadata_line=key_line(variant, "metadata", vline),
                    raw=dict(variant),
                )
            )


def _aspect(name: str) -> tuple[str, str] | None:
    """(topic, aspect) of an `utter_faq_aspect_<topic>_<aspect>` name, else None."""
    if not name.startswith(ASPECT_PREFIX):
        return None
    topic, _, aspect = name[len(ASPECT_PREFIX) :].rpartition("_")
    return (topic, aspect) if topic and aspect in ASPECTS else None


def _check_version(data: Any, path: Path, problems: list[Problem]) -> None:
    if str(data.get("version", "")) != "3.1":
        problems.append(
            Problem(
                path,
                key_line(data, "version", 1),
                '`version: "3.1"` is missing or different',
                'put `version: "3.1"` on the first line',
            )
        )
