"""Measure FAQ topic accuracy on the held-out sets and what each ambiguity gap would do.

Usage: `.venv/bin/python -m actions.faq.tune_gap models/layani-<hash>.tar.gz [--agencies a,b]`

Why: `AMBIGUITY_GAP` trades wrong confident answers against clarifying questions. For each gap
this prints how many held-out messages would get the clarifying question (and whether the right
topic is among the two offered) and how accurate the direct answers would be. Nothing here runs
inside the action server (rasa_sdk imports this module; the heavy imports are in `main`).
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import yaml

HELDOUT_DIR = Path(__file__).resolve().parents[2] / "eval" / "heldout"
GAPS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3)
REGISTERS = ("formal", "colloquial", "sms", "regional")


class Prediction(NamedTuple):
    agency: str
    topic: str
    register: str
    text: str
    intent: str
    ranking: list[tuple]

    @property
    def correct(self) -> bool:
        return self.intent == "faq" and bool(self.ranking) and self.ranking[0][0] == self.topic


def heldout_messages(agencies: Sequence[str] | None = None) -> list[tuple]:
    rows = []
    for path in sorted(HELDOUT_DIR.glob("faq_*.yml")):
        agency = path.stem[len("faq_") :]
        if agencies and agency not in agencies:
            continue
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            for line in str(block["examples"]).splitlines():
                if line.strip().startswith("- "):
                    rows.append(
                        (
                            agency,
                            block["intent"][4:],
                            block["metadata"]["register"],
                            line.strip()[2:],
                        )
                    )
    return rows


async def predict(model: Path, rows: list[tuple]) -> list[Prediction]:
    from rasa.core.agent import Agent

    from actions.faq.selection import topic_ranking

    agent = Agent.load(str(model))
    out = []
    for agency, topic, register, text in rows:
        parsed = await agent.parse_message(text)
        out.append(
            Prediction(
                agency, topic, register, text, parsed["intent"]["name"], topic_ranking(parsed)
            )
        )
    return out


def report(predictions: list[Prediction]) -> None:
    def line(label: str, items: list[Prediction]) -> None:
        ok = sum(p.correct for p in items)
        print(f"{label:12s} {ok:4d}/{len(items):<4d} {ok / max(len(items), 1):.3f}")

    line("all", predictions)
    for register in REGISTERS:
        line(register, [p for p in predictions if p.register == register])
    confusions = Counter(
        (p.topic, p.ranking[0][0] if p.intent == "faq" and p.ranking else p.intent)
        for p in predictions
        if not p.correct
    )
    print("most confused (truth -> predicted):")
    for (truth, predicted), count in confusions.most_common(10):
        print(f"  {count:3d}  {truth} -> {predicted}")
    print("gap   clarify  right-topic-offered  direct  direct-accuracy")
    for gap in GAPS:
        clarify = offered = direct = direct_ok = 0
        for p in predictions:
            if p.intent != "faq" or len(p.ranking) < 2:
                continue
            (first, c1), (second, c2) = p.ranking[0], p.ranking[1]
            if c1 - c2 < gap:
                clarify += 1
                offered += p.topic in (first, second)
            else:
                direct += 1
                direct_ok += first == p.topic
        print(
            f"{gap:<5} {clarify:7d}  {offered:19d}  {direct:6d}  {direct_ok / max(direct, 1):.3f}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("--agencies", default="", help="comma-separated pack ids (default: all)")
    args = parser.parse_args(argv)
    agencies = [a for a in args.agencies.split(",") if a]
    report(asyncio.run(predict(args.model, heldout_messages(agencies))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
