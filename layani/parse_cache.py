"""Reuse the NLU result of a short message the Rasa server has parsed before.

Why: citizens' traffic repeats itself. "halo", "menu", "ya", "tidak", "terima kasih", "batal",
"cek status" and the common FAQ questions arrive thousands of times a day in the same words,
and every one of them costs a full pass through the NLU pipeline (two TensorFlow models: about
half of a turn's CPU, docs/performance.md). The pipeline is a pure function of the message
text: Rasa builds the NLU input from the text (the message id and metadata are not output
properties, and no Layani NLU component reads them), and the model does not change while the
processor lives. So the same text gives the same parse, and the second time it can come from
memory.

What is cached, and what never is:
- only messages of at most `MAX_TEXT` characters without any digit. Digits are where personal
  data lives (NIK, KK and phone numbers, ticket ids, dates); such messages are rarely repeated
  anyway, and they must not sit in a process-wide memory. Long messages are stories, not
  repeats.
- only parses restricted to the model's output properties (`only_output_properties`, what the
  server asks for): the full message data also holds the sender's message id and metadata,
  which must never be handed to another citizen.
- one cache per `MessageProcessor`, so a new model (Rasa builds a new processor) starts empty.
- at most `size` entries, least recently used out first; `size` 0 turns the cache off
  (`LAYANI_PARSE_CACHE_SIZE`, layani/settings.py).
Every hit returns a deep copy: Rasa and the policies annotate the parse data they get.
"""

from __future__ import annotations

import copy
import logging
from collections import OrderedDict
from typing import Any

logger = logging.getLogger(__name__)

MAX_TEXT = 120
REPORT_EVERY = 1000  # lookups between two hit-rate log lines


def cacheable(text: str | None) -> bool:
    """True for the short, digit-free messages the cache may keep."""
    return bool(text) and len(text) <= MAX_TEXT and not any(ch.isdigit() for ch in text)


class ParseCache:
    """A bounded least-recently-used map from message text to parse data."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.hits = 0
        self.lookups = 0

    def get(self, key: str) -> dict[str, Any] | None:
        self.lookups += 1
        if self.lookups % REPORT_EVERY == 0:
            logger.info("NLU parse cache: %d of %d lookups were hits", self.hits, self.lookups)
        found = self._entries.get(key)
        if found is None:
            return None
        self.hits += 1
        self._entries.move_to_end(key)
        return copy.deepcopy(found)

    def put(self, key: str, parse_data: dict[str, Any]) -> None:
        self._entries[key] = copy.deepcopy(parse_data)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


_INSTALLED_SIZE: int | None = None
_RASA_PARSE: Any = None


def cached_parse(
    processor: Any, message: Any, tracker: Any, only_output_properties: bool = True
) -> dict[str, Any]:
    """`MessageProcessor._parse_message_with_graph`, answered from the cache when it can be."""
    text = getattr(message, "text", None)
    if not _INSTALLED_SIZE or not only_output_properties or not cacheable(text):
        return _RASA_PARSE(processor, message, tracker, only_output_properties)
    cache = processor.__dict__.get("_layani_parse_cache")
    if cache is None:
        cache = processor.__dict__["_layani_parse_cache"] = ParseCache(_INSTALLED_SIZE)
    found = cache.get(text)
    if found is not None:
        return found
    parse_data = _RASA_PARSE(processor, message, tracker, only_output_properties)
    cache.put(text, parse_data)
    return parse_data


def install(size: int) -> None:
    """Wrap Rasa's NLU parse with the cache (idempotent; `size` 0 leaves Rasa's parse alone)."""
    global _INSTALLED_SIZE, _RASA_PARSE
    from rasa.core.processor import MessageProcessor

    if _RASA_PARSE is None:
        _RASA_PARSE = MessageProcessor._parse_message_with_graph
        MessageProcessor._parse_message_with_graph = cached_parse
    _INSTALLED_SIZE = max(0, size)
