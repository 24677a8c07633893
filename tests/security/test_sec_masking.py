"""Identity and phone numbers are masked the way the validators read them (issue 13, points 4-5).

Before: the NIK validator accepted "327301 010190 0001" or "3273.01.010190.0001" (any spaces,
dots, dashes between digits) while the masking only knew groups of four, so those groupings
reached transcripts and logs in clear; tracebacks were not masked at all; and a masked NIK kept
its first four digits (province, regency), which with the birth date shown beside it left about
a hundred candidates. Now one definition of "digits written as one number" serves both, a
masked identity number shows its last four digits only, and exception text, tracebacks and
stack information are masked in every handler's output.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import sys

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from layani.pii import install_log_masking, mask_id_number, mask_phone, mask_text
from layani.validators.kk import validate_kk
from layani.validators.nik import validate_nik
from layani.validators.phone import validate_phone

TODAY = dt.date(2026, 12, 4)
# NIKs and KK numbers the validators accept (real region codes, real birth dates).
NIKS = (
    "3273010101900001",
    "1171014506850003",
    "3174072505800001",
    "3578015203950002",
    "5171011210880004",
    "9171016912010001",
)
KKS = ("3273010203150007", "5171010101200042")
SEPARATORS = (" ", "  ", ".", "-", " - ", ". ", "   ", "-.", " .")
SURROUNDINGS = (("", ""), ("NIK saya ", " ya"), ("nik: ", ""), ("KK ", ", tolong dicek"))
EXAMPLES = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def split_at(number: str, cuts: list[int]) -> list[str]:
    return [number[a:b] for a, b in zip([0, *cuts], [*cuts, len(number)], strict=True)]


@st.composite
def grouped(draw: st.DrawFn, number: str) -> str:
    """`number` written in groups of 1 to 8 digits, each boundary with a separator."""
    cuts = sorted(draw(st.sets(st.integers(1, len(number) - 1), max_size=8)))
    groups = split_at(number, cuts)
    text = groups[0]
    for group in groups[1:]:
        text += draw(st.sampled_from(SEPARATORS)) + group
    before, after = draw(st.sampled_from(SURROUNDINGS))
    return before + text + after


@EXAMPLES
@given(data=st.data(), nik=st.sampled_from(NIKS))
def test_every_nik_grouping_the_validator_accepts_is_masked(data: st.DataObject, nik: str) -> None:
    text = data.draw(grouped(nik))
    assert validate_nik(text, today=TODAY).value == nik  # the validator reads this NIK
    masked = mask_text(text)
    assert digits(masked) == nik[-4:], masked  # only the last four digits remain


@EXAMPLES
@given(data=st.data(), kk=st.sampled_from(KKS))
def test_every_kk_grouping_the_validator_accepts_is_masked(data: st.DataObject, kk: str) -> None:
    text = data.draw(grouped(kk))
    assert validate_kk(text).value == kk
    assert digits(mask_text(text)) == kk[-4:]


@EXAMPLES
@given(
    data=st.data(),
    prefix=st.sampled_from(("0", "62", "+62", "+62 ", "0062 ", "+62 (0)", "(0")),
    operator=st.sampled_from(("812", "813", "821", "852", "857", "895", "881", "831", "877")),
    subscriber=st.text(alphabet="0123456789", min_size=6, max_size=8),
    separators=st.lists(st.sampled_from((" ", "-", ".", "  ", ") ", " - ")), max_size=3),
)
def test_every_phone_grouping_the_validator_accepts_is_masked(
    data: st.DataObject, prefix: str, operator: str, subscriber: str, separators: list[str]
) -> None:
    national = operator + subscriber
    cuts = sorted(data.draw(st.sets(st.integers(1, len(national) - 1), max_size=len(separators))))
    parts = split_at(national, cuts)
    body = parts[0] + "".join(sep + part for sep, part in zip(separators, parts[1:], strict=False))
    text = "nomor saya " + prefix + body
    assume(validate_phone(text).ok)
    visible = digits(mask_text(text))
    assert national[:-4] not in visible, mask_text(text)
    assert len(visible) <= 5  # "62" or "0", and at most the last 3 or 4 digits


@pytest.mark.parametrize(
    "text",
    [
        "327301 010190 0001",  # regency-district, birth date, serial
        "3273.01.010190.0001",  # province.regency.district+date.serial
        "3273  0101  0190  0001",  # double spaces
        "NIK: 32-73-01-010190-0001",
        "3273-0101-9000-01",  # mistyped: 14 digits, grouped
        "3273O10101900001",  # the letter O typed for a zero
    ],
)
def test_groupings_from_the_issue_are_masked_to_the_last_four(text: str) -> None:
    masked = mask_text(text)
    assert "3273" not in masked and "0101" not in masked and "010190" not in masked, masked
    assert re.search(r"\*{10,}\d{4}|\*{10,}[\dO]{4}", masked), masked


def test_a_masked_identity_number_shows_its_last_four_digits_only() -> None:
    assert mask_id_number("3273010101900001") == "************0001"
    assert mask_text("NIK saya 3273 0101 0190 0001 ya") == "NIK saya ************0001 ya"
    # Phones keep what lets a citizen recognise them, not the operator and area of the number.
    assert mask_phone("+6281234567890") == "+62********890"
    assert mask_text("hp 0812-3456-7890") == "hp 0********890"


def test_fractions_in_log_lines_are_left_alone_but_not_identity_numbers() -> None:
    kept = "confidence 0.0068656802940281 ranking [0.12345678 0.98765432] id 1700000000"
    assert mask_text(kept) == kept
    assert digits(mask_text("skor 3.273010101900001")) == "0001"


NIK_IN_ERROR = "3273010101900001"


def _failing_validation(value: str) -> None:
    try:
        int(value + "x")
    except ValueError as exc:
        raise ValueError(f"cannot parse NIK {value}") from exc


@pytest.fixture()
def handler_output():
    """A plain stream handler on a fresh logger (what file and console logging do), plus one
    whose formatter formats `exc_info` again instead of using the record's cached text."""
    install_log_masking()

    class Reformatting(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            record.exc_text = None
            return super().format(record)

    logger = logging.getLogger("layani.test_sec_masking")
    logger.propagate = False
    plain, reformatted = io.StringIO(), io.StringIO()
    handlers = [logging.StreamHandler(plain), logging.StreamHandler(reformatted)]
    handlers[1].setFormatter(Reformatting("%(levelname)s %(message)s"))
    for handler in handlers:
        logger.addHandler(handler)
    try:
        yield logger, plain, reformatted
    finally:
        for handler in handlers:
            logger.removeHandler(handler)


def test_a_logged_exception_never_shows_the_nik(handler_output, caplog) -> None:
    logger, plain, reformatted = handler_output
    logger.propagate = True
    with caplog.at_level(logging.ERROR, logger=logger.name):
        try:
            _failing_validation(NIK_IN_ERROR)
        except ValueError:
            logger.exception("validation failed")
    for output in (plain.getvalue(), reformatted.getvalue(), caplog.text):
        assert "Traceback" in output and "ValueError" in output  # the traceback is still there
        assert NIK_IN_ERROR not in output
        assert "************0001" in output
    assert NIK_IN_ERROR not in (caplog.records[0].exc_text or "")


def test_stack_information_is_masked(handler_output) -> None:
    logger, plain, _ = handler_output
    logger.warning("where", stack_info=True)  # caller of 3273010101900001
    output = plain.getvalue()
    assert "Stack (most recent call last)" in output
    assert NIK_IN_ERROR not in output


def test_an_uncaught_exception_traceback_is_masked(capsys) -> None:
    install_log_masking()
    try:
        _failing_validation(NIK_IN_ERROR)
    except ValueError:
        sys.excepthook(*sys.exc_info())
    err = capsys.readouterr().err
    assert "ValueError" in err and NIK_IN_ERROR not in err
