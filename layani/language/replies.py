"""Short replies and questions: the yes/no vocabulary and the "is this a question?" test.

Why here: the complaint form, the application form and the NLU's topic-evidence guard each had
their own yes/no words and their own question test, and they answered differently ("syarat
ktp" was a question in one form and an answer in the other). Both forms now ask this module;
the word lists are `data/reply_*.txt` and `data/question_words_form.txt`.

Words are compared in both forms, as typed and normalised (`layani.language.normalise`), so
"gk", "gak" and "tidak" are one word and a list entry needs no spelling variants.
"""

from __future__ import annotations

import re
from functools import cache

from layani.language.abbreviations import MIN_TOKEN, looks_abbreviated, shortens, skeleton
from layani.language.normalise import normalise_text
from layani.language.vocabulary import word_set, word_tuple

_WORD = re.compile(r"[\w'-]+")


def _words(text: str) -> list[str]:
    return _WORD.findall((text or "").lower())


@cache
def _phrases(name: str) -> tuple[tuple[str, ...], ...]:
    """The list's entries as word tuples, as written and normalised."""
    found = set()
    for entry in word_tuple(name):
        found.add(tuple(_words(entry)))
        found.add(tuple(_words(normalise_text(entry))))
    return tuple(sorted(p for p in found if p))


def _readings(text: str) -> list[list[str]]:
    """The reply's words as written and normalised, each also without an opening interjection
    ("eh jangan deh" opens with "jangan")."""
    readings = [_words(text), _words(normalise_text(text or ""))]
    openers = _openers()
    readings += [words[1:] for words in readings if len(words) > 1 and words[0] in openers]
    return readings


@cache
def _openers() -> frozenset[str]:
    return word_set("reply_openers")


def _same_word(typed: str, listed: str) -> bool:
    """`typed` is `listed`, or its SMS abbreviation ("lwti" lewati, "btl" batal, "pham" paham).

    Why: SMS replies drop vowels, and a list cannot hold every shortening. An abbreviation
    counts only when it cannot be an Indonesian word as written (`looks_abbreviated`), keeps
    the first letter and has exactly the listed word's consonants in order, so a real word
    ("lewat", "tapi") is never stretched to another one."""
    if typed == listed:
        return True
    return (
        len(typed) >= MIN_TOKEN
        and skeleton(typed) == skeleton(listed)
        and shortens(typed, listed)
        and looks_abbreviated(typed)
    )


def _same_words(typed: list[str] | tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    return len(typed) == len(phrase) and all(map(_same_word, typed, phrase))


def starts_with(text: str, name: str) -> bool:
    """True when the reply opens with an entry of list `name` ("ya, tapi nama salah" opens
    with a yes; "lwti" opens with "lewati")."""
    for words in _readings(text):
        for phrase in _phrases(name):
            if _same_words(words[: len(phrase)], phrase):
                return True
    return False


def is_yes(text: str) -> bool:
    return starts_with(text, "reply_yes")


def is_no(text: str) -> bool:
    return starts_with(text, "reply_no")


def asks_question(text: str) -> bool:
    """A reply inside a form that asks something instead of answering: a "?", an opening
    question word ("gmn", "berapa", "dimana") or the word "syarat" ("syarat ktp hilang")."""
    if "?" in (text or ""):
        return True
    if starts_with(text, "question_words_form"):
        return True
    return any("syarat" in words for words in _readings(text))


# A one-word help entry ("bantuan", "menu") counts only in a reply this short; a longer phrase
# ("harus nulis apa") in a reply up to HELP_MAX_WORDS words.
HELP_SHORT_WORDS = 3
HELP_MAX_WORDS = 8


def _contains(words: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(_same_words(words[i : i + n], phrase) for i in range(len(words) - n + 1))


def mentions(text: str, name: str) -> bool:
    """An entry of list `name` appears anywhere in the reply ("iya, ga usah" mentions a no)."""
    return any(_contains(words, phrase) for words in _readings(text) for phrase in _phrases(name))


def asks_for_help(text: str) -> bool:
    """A reply at a form step that asks how to answer it ("bantuan", "bingung nulisnya", "aku
    harus nulis apa?") rather than answering it.

    Why word counts: the same words open real answers ("bantuan sosial belum cair sejak
    Maret" is a complaint), so a single help word only counts in a reply of a few words, and
    no phrase counts in a long reply."""
    for words in _readings(text):
        if not words or len(words) > HELP_MAX_WORDS:
            continue
        for phrase in _phrases("reply_help"):
            if len(phrase) == 1 and len(words) > HELP_SHORT_WORDS:
                continue
            if _contains(words, phrase):
                return True
    return _asks_what_to_write(text)


def _asks_what_to_write(text: str) -> bool:
    """A short question about writing ("Apa yang harus saya tuliskan?", "ceritanya harus
    panjang?"): no phrase list can hold every way to ask it, but a question word or a "?" plus
    a word about writing, in a few words, is not a complaint."""
    question = "?" in (text or "") or mentions(text, "question_words_anywhere")
    return question and any(
        len(words) <= HELP_MAX_WORDS and _contains(words, phrase)
        for words in _readings(text)
        if words
        for phrase in _phrases("reply_help_writing")
    )


ACK_MAX_WORDS = 5


def acknowledges(text: str) -> bool:
    """A short reply that only takes note of what the bot said ("oh gitu", "baik, saya
    mengerti", "ok paham") and asks nothing: it needs no rephrasing, just the next step."""
    if "?" in (text or ""):
        return False
    words = _words(text)
    if not words or len(words) > ACK_MAX_WORDS:
        return False
    return starts_with(text, "reply_ack") or is_yes(text)
