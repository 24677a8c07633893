"""Where the Rasa server's memory goes: RSS after each step of loading a model.

Why: the Rasa server was 2.4 GB against 1.3 GB for the bare `rasa init` bot, and the target for
all of Layani's processes together is 1.5 GB (issue 15). Before changing a configuration, this
shows which step costs what: importing TensorFlow and Rasa, then every graph node as
`Agent.load` instantiates it, then a few parses. docs/performance.md, "Where the memory goes".

Usage: python -m tooling.bench_memory MODEL [--rasa-load]
  --rasa-load  load with Rasa's own `RasaModel.load` instead of Layani's inference-only load
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

MESSAGES = ["halo", "syarat bikin skck apa aja", "menu", "makasih", "cara perpanjang paspor"]


def rss_mb() -> tuple[int, int]:
    """(VmRSS, VmHWM) of this process in MB."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, value = line.split(":")
            values[key] = int(value.split()[0]) // 1024
    return values["VmRSS"], values["VmHWM"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="RSS after each step of loading a model")
    parser.add_argument("model")
    parser.add_argument("--rasa-load", action="store_true", help="use Rasa's RasaModel.load")
    args = parser.parse_args(argv)
    started = time.monotonic()

    def mark(step: str) -> None:
        rss, hwm = rss_mb()
        print(f"{time.monotonic() - started:6.1f} s  RSS {rss:5d} MB  HWM {hwm:5d} MB  {step}")

    mark("python")
    # TensorFlow through Rasa's own import of it (Layani declares Rasa, not TensorFlow).
    import rasa.utils.tensorflow.layers  # noqa: F401

    mark("import tensorflow (rasa.utils.tensorflow.layers)")
    from rasa.core.agent import Agent
    from rasa.engine.graph import GraphNode

    mark("import rasa.core.agent")
    if not args.rasa_load:
        from layani import rasa_speedups

        rasa_speedups.install()
    load_component = GraphNode._load_component

    def measured(node: Any, **kwargs: Any) -> Any:
        before, _ = rss_mb()
        t0 = time.monotonic()
        result = load_component(node, **kwargs)
        after, _ = rss_mb()
        if after - before or time.monotonic() - t0 > 0.5:
            print(
                f"           node {node._node_name:55s} +{after - before:5d} MB"
                f"  ({time.monotonic() - t0:.1f} s)"
            )
        return result

    GraphNode._load_component = measured
    agent = Agent.load(args.model)
    mark("Agent.load")

    async def parse_all() -> None:
        for text in MESSAGES:
            await agent.parse_message(text)

    asyncio.run(parse_all())
    asyncio.run(parse_all())
    mark(f"after {2 * len(MESSAGES)} parses")
    return 0


if __name__ == "__main__":
    sys.exit(main())
