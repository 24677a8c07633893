"""Read an agency's spreadsheet (CSV or XLSX) of FAQ topics and validate every row.

Staff keep their questions and answers in a spreadsheet; one row per topic:

  topic | questions (one per line in the cell) | answer | sms_answer | source | reviewed

Headers may be English or Indonesian (`topik`, `pertanyaan`, `jawaban`, `jawaban_sms`, `sumber`,
`tanggal_tinjau`). A topic may continue on following rows that repeat its id and add questions
(answer cells there may be empty). Errors name the spreadsheet row as the spreadsheet shows it
(header = row 1), so staff can find it; nothing is written while any row has an error.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tooling.packtool import rules
from tooling.packtool.similarity import normalise

COLUMNS: dict[str, tuple[str, ...]] = {
    "topic": ("topic", "topic_id", "topik", "id_topik", "id"),
    "questions": ("questions", "question", "pertanyaan", "contoh_pertanyaan"),
    "answer": ("answer", "jawaban", "jawaban_lengkap"),
    "sms_answer": ("sms_answer", "sms", "jawaban_sms", "sms_jawaban"),
    "source": ("source", "source_url", "sumber", "url_sumber", "sumber_url"),
    "reviewed": ("reviewed", "reviewed_date", "tanggal_tinjau", "ditinjau", "tanggal_ditinjau"),
}
_BULLETS = ("- ", "* ", "\u2022 ")


class SheetError(Exception):
    """The spreadsheet cannot be imported; `errors` lists every problem found, by row."""

    def __init__(self, path: Path, errors: Sequence[str]) -> None:
        self.path = path
        self.errors = list(errors)
        super().__init__(f"{path}: {len(self.errors)} problem(s)")


@dataclass
class SheetTopic:
    topic: str
    row: int
    questions: list[str] = field(default_factory=list)
    answer: str = ""
    sms_answer: str = ""
    source: str = ""
    reviewed: str = ""


def _header_key(cell: object) -> str | None:
    name = "_".join(str(cell or "").strip().lower().replace("-", " ").split())
    for key, aliases in COLUMNS.items():
        if name in aliases:
            return key
    return None


def _cell(value: object) -> object:
    if isinstance(value, (dt.date, dt.datetime)):
        return value
    return str(value if value is not None else "").replace("\r\n", "\n").replace("\r", "\n").strip()


def read_rows(path: Path) -> list[tuple[int, dict[str, object]]]:
    """(spreadsheet row number, {column key: cell}) for each non-empty data row."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw = path.read_bytes().decode("utf-8-sig")
        try:
            dialect = csv.Sniffer().sniff(raw.split("\n", 1)[0], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        table = list(csv.reader(io.StringIO(raw), dialect))
    elif suffix in (".xlsx", ".xlsm"):
        import openpyxl

        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            table = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
        finally:
            workbook.close()
    else:
        raise SheetError(
            path, [f"unsupported file type '{path.suffix}': save the sheet as .csv or .xlsx"]
        )
    if not table:
        raise SheetError(path, ["the file is empty: row 1 must be the header"])
    keys = [_header_key(cell) for cell in table[0]]
    missing = [key for key in COLUMNS if key not in keys]
    if missing:
        raise SheetError(
            path,
            [
                f"row 1 (header) lacks column(s) {', '.join(missing)}; expected headers: "
                + ", ".join(COLUMNS)
                + " (or Indonesian: "
                + ", ".join(a[2] for a in COLUMNS.values())
                + ")"
            ],
        )
    rows = []
    for number, values in enumerate(table[1:], start=2):
        record = {key: _cell(value) for key, value in zip(keys, values, strict=False) if key}
        if any(record.get(key) not in ("", None) for key in COLUMNS):
            rows.append((number, record))
    return rows


def split_questions(cell: str) -> list[str]:
    out = []
    for line in str(cell).split("\n"):
        text = line.strip()
        for bullet in _BULLETS:
            if text.startswith(bullet):
                text = text[len(bullet) :].strip()
        if text:
            out.append(" ".join(text.split()))
    return out


def parse_sheet(path: Path, today: dt.date | None = None) -> list[SheetTopic]:
    """Validated topics of the sheet, in sheet order; raises SheetError listing every bad row."""
    rows = read_rows(path)
    errors: list[str] = []
    topics: dict[str, SheetTopic] = {}
    question_owner: dict[str, tuple[str, int]] = {}
    for number, record in rows:
        name = str(record.get("topic", ""))
        where = f"row {number}"
        finding = rules.id_problem(name, "topic id")
        if finding:
            errors.append(f"{where}: {finding[0]}; {finding[1]}")
            continue
        topic = topics.get(name)
        first_row = topic is None
        if first_row:
            topic = topics[name] = SheetTopic(topic=name, row=number)
        for key in ("answer", "sms_answer", "source"):
            value = str(record.get(key, ""))
            if value and not first_row and value != getattr(topic, key):
                errors.append(
                    f"{where}: topic '{name}' already has a different {key} on row {topic.row}; "
                    "leave it empty on continuation rows"
                )
            elif value and first_row:
                setattr(topic, key, value)
        reviewed = record.get("reviewed", "")
        if first_row or reviewed not in ("", None):
            date_finding = rules.date_problem(reviewed, today)
            if date_finding:
                if first_row:
                    errors.append(f"{where}: {date_finding[0]}; {date_finding[1]}")
            else:
                topic.reviewed = rules.parse_date(reviewed).isoformat()  # type: ignore[union-attr]
        for question in split_questions(str(record.get("questions", ""))):
            key = normalise(question)
            if key in question_owner:
                owner, owner_row = question_owner[key]
                if owner != name:
                    errors.append(
                        f"{where}: question '{question}' is also a question of topic '{owner}' "
                        f"(row {owner_row}); keep it in one topic only"
                    )
                continue  # a repeat inside one topic is dropped silently
            question_owner[key] = (name, number)
            topic.questions.append(question)
    for topic in topics.values():
        where = f"row {topic.row} (topic '{topic.topic}')"
        if len(topic.questions) < rules.MIN_EXAMPLES:
            errors.append(
                f"{where}: {len(topic.questions)} different questions, at least "
                f"{rules.MIN_EXAMPLES} needed; add more ways citizens ask this, one per line"
            )
        if not topic.answer:
            errors.append(f"{where}: answer is empty; write the full answer")
        for message, fix in rules.sms_problems(topic.sms_answer):
            errors.append(f"{where}: {message}; {fix}")
        finding = rules.source_problem(topic.source)
        if finding:
            errors.append(f"{where}: {finding[0]}; {finding[1]}")
    if not rows:
        errors.append("the sheet has a header but no topic rows")
    if errors:
        raise SheetError(path, errors)
    return list(topics.values())
