"""Masking of citizens' personal data (UU PDP): NIK, KK numbers and phone numbers.

Used by the logging filter (every process) and by the bot's own echoes, so a full identifier
never reaches a log file or a chat transcript shown on a shared screen.

One rule, shared with the validators: whatever the NIK/KK validators read as one number
(`layani.validators.numbers.DIGIT_RUN`: digits with spaces, dots or dashes between them, any
grouping, "327301 010190 0001", "3273.01.010190.0001") is found here the same way, and every run
of 14 or more digits is masked (a mistyped NIK, or two numbers written side by side, gives away
as much as a correct one). A masked identity number shows its last four digits only
("************0001"): the first digits are the region and the birth date, which with the date
shown beside it left about a hundred candidates. The full number is shown only by the console's
audited reveal. A phone number keeps its "+62"/"0" prefix and its last 3 digits
("+62********890"): enough for a citizen to recognise it, not enough to call it.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import traceback

from layani.validators.numbers import PHONE_CANDIDATE, SEPARATORS

# A run of digits as the validators read it, also across the letters people type for 0 and 1
# ("3273O10101900001"), which the validators report but which still give the number away.
_ID_RUN = re.compile(rf"\d(?:{SEPARATORS}*(?:[OoIl]+{SEPARATORS}*)?\d)*")
_ID_CHAR = re.compile(r"[\dOoIl]")
MIN_ID_DIGITS = 14
# Fractions in log lines ("confidence 0.0068656802940281", numpy's "[0.12345678 0.98765432]"):
# "0." and digits, maybe more numbers after spaces. No NIK or KK the validators accept starts
# with 0 (the first two digits are a province code, 11 to 96), so none is left unmasked.
_FRACTIONS = re.compile(r"0\.\d+(?: +\d+\.\d+)*")
# Indonesian mobile numbers in free text: 08…, 628…, +628…, 0062 8…, with any separators.
_PHONE = re.compile(r"(?<![\d+])(?:\+62|0062|62|0)[\s().\-]*8(?:[\s().\-]*\d){6,11}(?!\d)")
_NON_DIGIT = re.compile(r"\D")
KEEP_ID_DIGITS = 4
KEEP_PHONE_DIGITS = 3


def mask_id_number(number: str) -> str:
    """ "************0001": the last four digits only, separators left out."""
    digits = _ID_CHAR.findall(number)
    if len(digits) < 2 * KEEP_ID_DIGITS:
        return "*" * len(digits)
    return "*" * (len(digits) - KEEP_ID_DIGITS) + "".join(digits[-KEEP_ID_DIGITS:])


def mask_phone(number: str) -> str:
    """ "+62********890" / "0********890": the country or trunk prefix and the last 3 digits."""
    digits = _NON_DIGIT.sub("", number)
    plus = "+" if number.lstrip().startswith("+") else ""
    head = "62" if digits.startswith("62") else "0" if digits.startswith("0") else ""
    hidden = len(digits) - len(head) - KEEP_PHONE_DIGITS
    if hidden < 4:
        return "*" * len(digits)
    return plus + head + "*" * hidden + digits[-KEEP_PHONE_DIGITS:]


def is_mobile_number(digits: str) -> bool:
    """True for the digits of an Indonesian mobile number in any written form (0812…, 62812…,
    0062812…, 62 (0) 812…)."""
    if digits.startswith("00"):
        digits = digits[2:]
    if digits.startswith("62"):
        digits = digits[2:]
        if digits.startswith("0"):
            digits = digits[1:]
    elif digits.startswith("0"):
        digits = digits[1:]
    else:
        return False
    return digits.startswith("8") and 7 <= len(digits) <= 12


def _mask_id_run(match: re.Match[str]) -> str:
    run = match.group(0)
    if len(_ID_CHAR.findall(run)) < MIN_ID_DIGITS or _FRACTIONS.fullmatch(run):
        return run
    return mask_id_number(run)


def _mask_phone_candidate(match: re.Match[str]) -> str:
    run = match.group(0)
    return mask_phone(run) if is_mobile_number(_NON_DIGIT.sub("", run)) else run


def mask_text(text: str) -> str:
    """Mask every identity number (any grouping, also a few digits short or long, or run into
    other digits) and every Indonesian mobile number inside free text."""
    if not text:
        return text
    text = _ID_RUN.sub(_mask_id_run, text)
    text = PHONE_CANDIDATE.sub(_mask_phone_candidate, text)
    return _PHONE.sub(lambda m: mask_phone(m.group(0)), text)


def _format_exception(exc_info: tuple) -> str:
    """The traceback text the standard formatter would print for `exc_info`."""
    return logging.Formatter().formatException(exc_info)


def _mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask the message, the exception text and the stack of one record, whatever formats it:
    the standard formatter uses a record's `exc_text` instead of formatting `exc_info` again."""
    try:
        rendered = record.getMessage()
    except Exception:  # a broken format string must not hide the record itself
        rendered = None
    if rendered is not None:
        masked = mask_text(rendered)
        if masked != rendered:
            record.msg, record.args = masked, None
    if record.exc_info and not record.exc_text:
        try:
            record.exc_text = _format_exception(record.exc_info)
        except Exception:  # noqa: BLE001 - an odd exc_info is left to the formatter
            pass
    if record.exc_text:
        record.exc_text = mask_text(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)
    return record


_installed = False


def install_log_masking() -> None:
    """Mask personal data in every log record this process creates, whatever handler emits it,
    and in tracebacks of uncaught exceptions (written to stderr, which ends up in the logs).

    A record factory (rather than a handler filter) also covers handlers that Rasa, Sanic or
    coloredlogs attach after start-up. Formatters that format `exc_info` themselves instead of
    using the record's (masked) `exc_text` still call `Formatter.formatException` and
    `formatStack`, so those are masked too.
    """
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs):  # type: ignore[no-untyped-def]
        return _mask_record(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _mask_formatter_methods()
    _mask_uncaught_exceptions()
    _installed = True


def _mask_formatter_methods() -> None:
    format_exception = logging.Formatter.formatException
    format_stack = logging.Formatter.formatStack

    def masked_format_exception(self, ei):  # type: ignore[no-untyped-def]
        return mask_text(format_exception(self, ei))

    def masked_format_stack(self, stack_info):  # type: ignore[no-untyped-def]
        return mask_text(format_stack(self, stack_info))

    logging.Formatter.formatException = masked_format_exception  # type: ignore[method-assign]
    logging.Formatter.formatStack = masked_format_stack  # type: ignore[method-assign]


def _mask_uncaught_exceptions() -> None:
    def excepthook(exc_type, exc_value, exc_traceback):  # type: ignore[no-untyped-def]
        if sys.stderr is None:
            return
        text = "".join(traceback.format_exception(exc_type, exc_value, exc_traceback))
        sys.stderr.write(mask_text(text))

    def thread_excepthook(args):  # type: ignore[no-untyped-def]
        if args.exc_type is SystemExit or sys.stderr is None:
            return
        name = args.thread.name if args.thread is not None else threading.get_ident()
        text = "".join(
            traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)
        )
        sys.stderr.write(mask_text(f"Exception in thread {name}:\n{text}"))

    sys.excepthook = excepthook
    threading.excepthook = thread_excepthook
