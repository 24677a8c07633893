"""Indonesian tokenizer for Rasa: spaCy's `id` tokenizer rules plus Layani's protected shapes.

Why not WhitespaceTokenizer: it leaves "ktp-nya" and "caranya?kok" as one token and keeps
punctuation glued to words in SMS writing. spaCy's blank Indonesian tokenizer (rules only, no
model download) splits clitics such as "-nya" and keeps reduplications ("anak-anak") together.
Why not spaCy alone: it cuts ticket ids ("ADU-7K3M-Q9PX"), phone numbers and dates into pieces,
and an annotated `ticket_id` entity must be exactly one token. So each whitespace chunk whose core
is a protected shape is kept whole; other chunks go through spaCy. Tokens without a letter or
digit (punctuation, emoji) are dropped, as WhitespaceTokenizer does.

Bounded work: spaCy strips prefixes and suffixes one at a time, which is quadratic in the length
of a chunk made of punctuation ("((((...", ")))...", emoji: 3,000 characters took 4 s). No word
is longer than MAX_SPACY_CHARS, so a longer piece is not a word: it is cut into its runs of word
characters without spaCy. Edges are found by a scan, not a backtracking regex.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from layani.language.normalise import TICKET_ID_RE

_CHUNK_RE = re.compile(r"\S+")
_PROTECTED_RE = re.compile(
    r"^(?:"
    r"[0-9][0-9.,:/+-]*[0-9]"  # numbers, phone numbers, dates, times: 0812-3456-7890, 12/01/2025
    r"|[^@\s]+@[^@\s]+\.\w+"  # e-mail
    r"|(?:https?://|www\.)\S+"  # URL
    r")$",
    re.IGNORECASE,
)
# SMS writers drop the space after punctuation: "caranya?kok", "ktp,kk". Split between letters.
_GLUED_PUNCT_RE = re.compile(r"(?<=[^\W\d_])[?!,;]+(?=[^\W\d_])")
_HAS_ALNUM_RE = re.compile(r"\w")
_WORD_CHARS_RE = re.compile(r"\w+")
# The longest piece handed to spaCy. Indonesian words with affixes and clitics stay under 30
# characters ("ketidakbertanggungjawabannya"); URLs and e-mail addresses are protected shapes.
MAX_SPACY_CHARS = 64


@lru_cache(maxsize=1)
def _spacy_tokenizer() -> Any:
    import spacy

    return spacy.blank("id").tokenizer


def split_words(text: str) -> list[str]:
    """Words of `text` in order, each an exact substring of `text` (needed for offsets)."""
    return list(_iter_words(text))


def _iter_words(text: str) -> Iterator[str]:
    for chunk in _CHUNK_RE.findall(text):
        core = chunk_core(chunk)
        if core and (TICKET_ID_RE.match(core) or _PROTECTED_RE.match(core)):
            yield core
            continue
        for piece in _GLUED_PUNCT_RE.split(chunk):
            if len(piece) > MAX_SPACY_CHARS:
                yield from _WORD_CHARS_RE.findall(piece)
                continue
            for token in _spacy_tokenizer()(piece):
                if _HAS_ALNUM_RE.search(token.text):
                    yield token.text


def _is_word_char(char: str) -> bool:
    """What `\\w` matches in a `str` pattern: letters and digits of any script, underscore."""
    return char.isalnum() or char == "_"


def chunk_core(chunk: str) -> str:
    """`chunk` without leading punctuation (@ stays) and trailing punctuation (/ stays).

    Same result as the regex `^([^\\w@]*)(.*?)([^\\w/]*)$` it replaces, which retried every
    inner run of punctuation and took time quadratic in the run's length.
    """
    start, end = 0, len(chunk)
    while start < end and not _is_word_char(chunk[start]) and chunk[start] != "@":
        start += 1
    while end > start and not _is_word_char(chunk[end - 1]) and chunk[end - 1] != "/":
        end -= 1
    return chunk[start:end]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class IndonesianTokenizer(Tokenizer):
    """Rasa tokenizer component (config name `layani.nlu.tokenizer.IndonesianTokenizer`)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @staticmethod
    def not_supported_languages() -> list[str] | None:
        return ["zh", "ja", "th"]

    @staticmethod
    def required_packages() -> list[str]:
        return ["spacy"]

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        text = message.get(attribute)
        words = split_words(text) or [text]
        tokens = self._convert_words_to_tokens(words, text)
        return self._apply_token_pattern(tokens)
