"""The channel layer's turn queue is bounded: a flood gets "sedang sibuk", not unbounded memory.

Before this wave every accepted message was queued, however many: a script (or one stuck
conversation) could grow the Rasa server's memory and push every other citizen's turn minutes
back. Now a global bound and a per-sender bound refuse at once (BUSY + messages.BUSY for
`accept`, `Busy` for `run`), and other citizens keep being served while one sender's turn is
slow.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from types import SimpleNamespace

import pytest

from channels import messages
from channels.layer import ACCEPTED, BUSY, LIMITED, Busy, ChannelLayer
from layani.settings import load


class Output:
    def __init__(self):
        self.sent: list[str] = []

    async def send_text_message(self, recipient, text, **_):
        self.sent.append(text)


def message(sender: str, text: str = "halo"):
    return SimpleNamespace(sender_id=sender, text=text, output_channel=Output())


def make_layer(tmp_path, **overrides) -> ChannelLayer:
    base = {"rate_limit": "0", "turn_concurrency": 4, "max_queued_turns": 0}
    settings = replace(
        load(), redis_url="", dead_letter_file=tmp_path / "dl.jsonl", **{**base, **overrides}
    )
    return ChannelLayer(settings)


class Gate:
    """Turns that wait until released (a slow action server, say), recording who ran."""

    def __init__(self):
        self.release = threading.Event()
        self.ran: list[str] = []

    async def slow_turn(self, msg) -> None:
        while not self.release.is_set():
            await asyncio.sleep(0.01)
        self.ran.append(msg.text)

    async def quick_turn(self, msg) -> None:
        self.ran.append(msg.text)


async def settle() -> None:
    await asyncio.sleep(0.1)  # background notices and cross-thread submits


async def test_full_queue_answers_busy_and_tells_the_citizen(tmp_path):
    layer = make_layer(tmp_path, max_queued_turns=3, max_queued_per_sender=0)
    gate = Gate()
    for sender in ("a", "b", "c"):
        assert await layer.accept(message(sender, sender), gate.slow_turn) == ACCEPTED
    late = message("d", "d")
    assert await layer.accept(late, gate.slow_turn) == BUSY
    await settle()
    assert late.output_channel.sent == [messages.BUSY]
    assert "sibuk" in messages.BUSY
    gate.release.set()
    await layer.drain()
    assert sorted(gate.ran) == ["a", "b", "c"]  # d's message was not queued
    # Room again once the queue drained.
    assert await layer.accept(message("d", "d2"), gate.quick_turn) == ACCEPTED
    await layer.drain()
    assert "d2" in gate.ran
    await layer.close()


async def test_one_sender_cannot_fill_the_queue(tmp_path):
    layer = make_layer(tmp_path, max_queued_turns=100, max_queued_per_sender=2)
    gate = Gate()
    flood = [message("spam", f"m{i}") for i in range(10)]
    outcomes = [await layer.accept(m, gate.slow_turn) for m in flood]
    assert outcomes == [ACCEPTED, ACCEPTED] + [BUSY] * 8
    await settle()
    # One busy notice, not eight.
    assert sum(len(m.output_channel.sent) for m in flood) == 1
    # Someone else is still accepted and served while the spammer's turn is stuck.
    other = message("warga", "halo")
    assert await layer.accept(other, gate.quick_turn) == ACCEPTED
    for _ in range(100):
        if "halo" in gate.ran:
            break
        await asyncio.sleep(0.02)
    assert gate.ran == ["halo"]
    gate.release.set()
    await layer.drain()
    assert gate.ran == ["halo", "m0", "m1"]
    await layer.close()


async def test_run_raises_busy_without_running_the_job(tmp_path):
    """The gateway hand-off and REST wait for their turn with `run`: full means Busy at once."""
    layer = make_layer(tmp_path, max_queued_turns=1, max_queued_per_sender=0)
    gate = Gate()
    first = asyncio.create_task(layer.run("a", lambda: gate.slow_turn(message("a", "a"))))
    await settle()
    ran_second = []

    async def second():
        ran_second.append(True)

    with pytest.raises(Busy):
        await asyncio.wait_for(layer.run("b", second), timeout=1)
    gate.release.set()
    await first
    await layer.drain()
    assert ran_second == [] and gate.ran == ["a"]
    await layer.close()


async def test_rate_limited_messages_take_no_queue_room(tmp_path):
    layer = make_layer(tmp_path, rate_limit="2/60", max_queued_turns=2, max_queued_per_sender=0)
    gate = Gate()
    assert [await layer.accept(message("a"), gate.slow_turn) for _ in range(4)] == [
        ACCEPTED,
        ACCEPTED,
        LIMITED,
        LIMITED,
    ]
    assert layer.turns.queued() == 3  # two turns and the one rate-limit notice
    gate.release.set()
    await layer.drain()
    assert layer.turns.queued() == 0
    await layer.close()


async def test_too_long_reply_counts_against_the_bounds(tmp_path):
    """A reply sent instead of a turn still waits its turn and respects the per-sender bound."""
    layer = make_layer(tmp_path, max_queued_per_sender=1)
    gate = Gate()
    assert await layer.accept(message("a", "pertama"), gate.slow_turn) == ACCEPTED
    instead = message("a")
    assert await layer.reply_instead(instead, "terlalu panjang") == BUSY
    gate.release.set()
    await layer.drain()
    later = message("a")
    assert await layer.reply_instead(later, "terlalu panjang") == ACCEPTED
    await layer.drain()
    assert later.output_channel.sent == ["terlalu panjang"]
    await layer.close()


async def test_a_hung_turn_does_not_hold_up_other_citizens(tmp_path):
    """Even with every turn slot taken by a turn stuck on I/O (a hung action server), another
    citizen's turn runs: a turn still running after a few seconds gives its slot back."""
    from channels.layer.turns import TurnThread

    layer = make_layer(tmp_path)
    layer.turns = TurnThread(max_concurrent_turns=1, release_slot_after=0.2)
    gate = Gate()
    assert await layer.accept(message("stuck", "stuck"), gate.slow_turn) == ACCEPTED
    assert await layer.accept(message("warga", "halo"), gate.quick_turn) == ACCEPTED
    for _ in range(100):
        if gate.ran:
            break
        await asyncio.sleep(0.02)
    assert gate.ran == ["halo"]  # served while "stuck" still waits
    gate.release.set()
    await layer.drain()
    assert gate.ran == ["halo", "stuck"]
    await layer.close()
