"""Run the NLU of a turn on one dedicated thread, so TensorFlow overlaps the other turns' Python.

Why: Rasa parses a message synchronously inside the coroutine of the turn
(`MessageProcessor.parse_message`), so while DIET and the ResponseSelector compute, the turn
loop waits and nothing else of the Rasa server moves, although TensorFlow releases the GIL and
the machine has a second core. Profiled under 20 concurrent citizens (docs/performance.md, "Where
a turn went"), TensorFlow's execution was about a sixth of the Rasa server's samples and the rest
of the NLU another tenth: time during which the policies, the conversation store and the
action-server calls of *other* conversations could run.

Here the parse (`_parse_message_with_graph`, with whatever wraps it, e.g. the parse cache) runs
on a single "layani-nlu" thread and the turn awaits it; the rest of Rasa's `parse_message`
(full retrieval intent, debug log, unseen-feature check) is unchanged. One thread only: the NLU
components never see two messages at once, exactly as before; messages of one conversation stay
in order because the turn awaits its parse (and Rasa's conversation lock holds meanwhile). A
processor that parses over HTTP (`http_interpreter`) keeps Rasa's path. The parse results are
the same objects Rasa would build (tests/unit/test_parse_thread.py).
"""

from __future__ import annotations

import asyncio
import contextvars
import copy
import functools
from concurrent.futures import ThreadPoolExecutor
from typing import Any

_INSTALLED = False
_RASA_PARSE_MESSAGE: Any = None
_EXECUTOR: ThreadPoolExecutor | None = None
THREAD_NAME = "layani-nlu"


def _executor() -> ThreadPoolExecutor:
    global _EXECUTOR
    if _EXECUTOR is None:
        _EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix=THREAD_NAME)
    return _EXECUTOR


async def parse_message(
    self: Any, message: Any, tracker: Any = None, only_output_properties: bool = True
) -> dict[str, Any]:
    """`MessageProcessor.parse_message` (Rasa 3.6) with the graph run on the NLU thread."""
    if self.http_interpreter:
        return await _RASA_PARSE_MESSAGE(self, message, tracker, only_output_properties)
    from rasa.core import processor as rasa_processor
    from rasa.shared.core.trackers import DialogueStateTracker

    if tracker is None:
        tracker = DialogueStateTracker.from_events(message.sender_id, [])
    work = functools.partial(
        contextvars.copy_context().run,
        self._parse_message_with_graph,
        message,
        tracker,
        only_output_properties,
    )
    parse_data = await asyncio.get_running_loop().run_in_executor(_executor(), work)

    self._update_full_retrieval_intent(parse_data)
    rasa_processor.structlogger.debug(
        "processor.message.parse",
        parse_data_text=copy.deepcopy(parse_data["text"]),
        parse_data_intent=parse_data["intent"],
        parse_data_entities=copy.deepcopy(parse_data["entities"]),
    )
    self._check_for_unseen_features(parse_data)
    return parse_data


def install() -> None:
    """Route Rasa's message parsing through the NLU thread (idempotent)."""
    global _INSTALLED, _RASA_PARSE_MESSAGE
    if _INSTALLED:
        return
    from rasa.core.processor import MessageProcessor

    _RASA_PARSE_MESSAGE = MessageProcessor.parse_message
    MessageProcessor.parse_message = parse_message
    _INSTALLED = True
