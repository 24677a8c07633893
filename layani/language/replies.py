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

from layani.language.normalise import normalise_text
from layani.language.vocabulary import word_tuple

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
    return [_words(text), _words(normalise_text(text or ""))]


def starts_with(text: str, name: str) -> bool:
    """True when the reply opens with an entry of list `name` ("ya, tapi nama salah" opens
    with a yes)."""
    for words in _readings(text):
        for phrase in _phrases(name):
            if tuple(words[: len(phrase)]) == phrase:
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
