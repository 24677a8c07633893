"""Parsing on the NLU thread gives every message the parse Rasa gives it, also when many
conversations send at once, and the NLU really runs off the turn loop.

Uses the tiny trained project of test_rasa_speedups.py.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from tests.unit.test_rasa_speedups import MESSAGES, tiny_model  # noqa: F401  (fixture)


def test_nlu_thread_parses_like_rasa_under_concurrency(
    tiny_model: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage
    from rasa.core.processor import MessageProcessor

    from layani import parse_thread

    agent = Agent.load(str(tiny_model))
    texts = MESSAGES * 4

    async def parse_all() -> list[dict]:
        return list(
            await asyncio.gather(
                *(
                    agent.processor.parse_message(UserMessage(text, sender_id=f"c{i}"))
                    for i, text in enumerate(texts)
                )
            )
        )

    rasa_parses = [
        asyncio.run(agent.processor.parse_message(UserMessage(t, sender_id=f"c{i}")))
        for i, t in enumerate(texts)
    ]

    threads: set[str] = set()
    graph = MessageProcessor._parse_message_with_graph

    def recording(self, *args, **kwargs):
        threads.add(threading.current_thread().name)
        return graph(self, *args, **kwargs)

    monkeypatch.setattr(parse_thread, "_RASA_PARSE_MESSAGE", MessageProcessor.parse_message)
    monkeypatch.setattr(MessageProcessor, "parse_message", parse_thread.parse_message)
    monkeypatch.setattr(MessageProcessor, "_parse_message_with_graph", recording)
    threaded = asyncio.run(parse_all())

    assert threaded == rasa_parses
    assert rasa_parses[0]["intent"]["name"] == "greet"  # the model tells messages apart
    assert rasa_parses[2]["intent"]["name"] == "faq"
    assert rasa_parses[2]["intent"]["full_retrieval_intent_name"] == "faq/ktp"
    assert len(threads) == 1 and next(iter(threads)).startswith(parse_thread.THREAD_NAME)
