"""Per-turn cost of Layani's conversation store: retrieve, one FAQ turn's events, save.

Why: a turn's store work was 20 % of the Rasa server's samples under load (docs/performance.md);
this isolates it from TensorFlow and HTTP so that a change to `layani/tracker_store.py` can be
compared side by side (run it in two checkouts, interleaved). SQLite file in a temporary folder
(or `--database-url` for PostgreSQL: give an empty database), Rasa's speedups installed as the
server does, conversations of up to `--turns` x 5 events.

    python -m tooling.store_bench --turns 30 --conversations 20
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time

from cryptography.fernet import Fernet


def faq_turn(index: int) -> list:
    """The events of one FAQ question and its answer, with a full parse (rankings included)."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

    text = f"syarat skck apa saja {index}"
    intents = ("greet", "faq", "thanks", "help", "deny", "affirm", "cancel", "goodbye")
    parse = {
        "intent": {"name": "faq", "confidence": 0.99},
        "entities": [],
        "text": text,
        "intent_ranking": [{"name": name, "confidence": 0.01} for name in intents],
        "response_selector": {
            "faq": {
                "response": {"responses": [{"text": "x" * 400}], "confidence": 0.9},
                "ranking": [
                    {"id": k, "confidence": 0.1, "intent_response_key": f"faq/t{k}"}
                    for k in range(10)
                ],
            }
        },
    }
    return [
        UserUttered(text, parse["intent"], [], parse_data=parse),
        ActionExecuted("action_faq_answer"),
        BotUttered("Untuk SKCK, bawa KTP-el dan KK ke Polres. " * 5),
        SlotSet("faq_topic", "skck"),
        ActionExecuted("action_listen"),
    ]


async def measure(turns: int, conversations: int, database_url: str = "") -> list[float]:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted

    from layani import rasa_speedups
    from layani.paths import DOMAIN_DIR
    from layani.tracker_store import PrivateSQLTrackerStore

    rasa_speedups.install()
    domain = Domain.load(str(DOMAIN_DIR))
    if database_url:
        store = PrivateSQLTrackerStore(domain=domain, host=database_url)
    else:
        folder = tempfile.mkdtemp(prefix="store-bench-")
        store = PrivateSQLTrackerStore(domain=domain, dialect="sqlite", db=f"{folder}/tracker.db")
    for n in range(conversations):
        tracker = await store.get_or_create_tracker(f"citizen-{n}")
        tracker.update(ActionExecuted("action_session_start"))
        await store.save(tracker)
    seconds = []
    for index in range(turns):
        for n in range(conversations):
            start = time.perf_counter()
            tracker = await store.get_or_create_tracker(f"citizen-{n}")
            for event in faq_turn(index):
                tracker.update(event)
            await store.save(tracker)
            seconds.append(time.perf_counter() - start)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=30)
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL of an empty database")
    args = parser.parse_args()
    os.environ.setdefault("LAYANI_PII_KEY", Fernet.generate_key().decode())
    seconds = asyncio.run(measure(args.turns, args.conversations, args.database_url))
    print(
        f"{len(seconds)} turns: retrieve + save mean {statistics.mean(seconds) * 1e3:.2f} ms, "
        f"p50 {statistics.median(seconds) * 1e3:.2f} ms"
    )


if __name__ == "__main__":
    main()
