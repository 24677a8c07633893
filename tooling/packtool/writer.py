"""Merge imported topics into a pack's nlu.yml and responses.yml.

Imported topics replace the pack's blocks of the same id; every other topic, comment and
formatting in the files is kept (ruamel.yaml round trip), so hand-written and imported topics
can live in one pack. Both files are written through a temporary file and renamed, so a
crash never leaves half a file behind.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from tooling.packtool.model import FAQ_PREFIX, RESPONSE_PREFIX
from tooling.packtool.tabular import SheetTopic


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.width = 4096  # never fold answers: staff compare them with their sheet line by line
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.preserve_quotes = True
    return yaml


def _load(path: Path, top_key: str, empty: Any) -> CommentedMap:
    data = _yaml().load(path.read_text(encoding="utf-8")) if path.is_file() else None
    if not isinstance(data, CommentedMap):
        data = CommentedMap()
    if "version" not in data:
        data.insert(0, "version", DoubleQuotedScalarString("3.1"))
    if not data.get(top_key):
        data[top_key] = empty
    return data


def _text(value: str) -> Any:
    return LiteralScalarString(value) if "\n" in value else DoubleQuotedScalarString(value)


def _metadata(agency: str, topic: SheetTopic) -> CommentedMap:
    meta = CommentedMap(
        agency=agency,
        source=DoubleQuotedScalarString(topic.source),
        reviewed=DoubleQuotedScalarString(topic.reviewed),
        topic=topic.topic,
    )
    meta.fa.set_flow_style()
    return meta


def nlu_block(topic: SheetTopic) -> CommentedMap:
    block = CommentedMap()
    block["intent"] = f"{FAQ_PREFIX}{topic.topic}"
    block["examples"] = LiteralScalarString("".join(f"- {q}\n" for q in topic.questions))
    return block


def response_variants(agency: str, topic: SheetTopic) -> CommentedSeq:
    default = CommentedMap(text=_text(topic.answer), metadata=_metadata(agency, topic))
    sms = CommentedMap(
        channel="sms", text=_text(topic.sms_answer), metadata=_metadata(agency, topic)
    )
    return CommentedSeq([default, sms])


def merge(
    directory: Path, agency: str, topics: Iterable[SheetTopic], nlu_name: str, responses_name: str
) -> None:
    topics = list(topics)
    nlu_path, responses_path = directory / nlu_name, directory / responses_name
    nlu = _load(nlu_path, "nlu", CommentedSeq())
    blocks = nlu["nlu"]
    index = {str(block.get("intent")): i for i, block in enumerate(blocks) if hasattr(block, "get")}
    for topic in topics:
        block = nlu_block(topic)
        position = index.get(block["intent"])
        if position is None:
            blocks.append(block)
        else:
            blocks[position] = block

    domain = _load(responses_path, "responses", CommentedMap())
    responses = domain["responses"]
    for topic in topics:
        responses[f"{RESPONSE_PREFIX}{topic.topic}"] = response_variants(agency, topic)

    directory.mkdir(parents=True, exist_ok=True)
    _atomic_write(nlu_path, nlu)
    _atomic_write(responses_path, domain)


def _atomic_write(path: Path, data: Any) -> None:
    buffer = io.StringIO()
    _yaml().dump(data, buffer)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(buffer.getvalue())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
