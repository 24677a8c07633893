"""python -m channels.gateway.dead_letters: see and redeliver dead letters.

    list                      what the file shows in clear (masked), one line per record
    replay [--message-id ID]  forward inbound dead letters (citizens' messages the assistant never
                              took) to RASA_URL again, once each; the redelivered ones leave
                              the file, the others stay

Why a command and not automatic: an inbound message is dead-lettered when its forwarding may
have reached the assistant (timeout, 5xx), so running it again may answer the citizen twice;
an operator decides after fixing the cause. Records are sealed (channels/layer/outbound.py), so
this needs the same LAYANI_PII_KEY (or the embedded profile's var/pii.key) as the writer.
Outbound dead letters (replies a provider refused) are listed only: their text is the bot's,
and a reply resent hours later out of its conversation would confuse more than help.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

import aiohttp

from channels.envelope import Envelope
from channels.layer.outbound import DeadLetterLog
from layani.settings import Settings, load


def inbound(entries: list[tuple[dict, dict | None]], message_id: str | None) -> list[tuple]:
    """(sealed token, envelope) of each redeliverable inbound dead letter."""
    found = []
    for stored, opened in entries:
        if opened is None or opened.get("direction") != "inbound":
            continue
        try:
            envelope = Envelope.from_wire(opened.get("payload"))
        except ValueError:
            continue
        if message_id and envelope.message_id != message_id:
            continue
        found.append((stored["sealed"], envelope))
    return found


async def replay(settings: Settings, message_id: str | None = None) -> tuple[int, int]:
    """Hand inbound dead letters to the assistant once each; returns (redelivered, failed)."""
    log = DeadLetterLog(settings.dead_letter_file)
    done: set[str] = set()
    failed = 0
    headers = {"Authorization": f"Bearer {settings.turn_token}"}
    timeout = aiohttp.ClientTimeout(total=settings.turn_timeout)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for token, envelope in inbound(log.entries(), message_id):
            url = f"{settings.rasa_url}/webhooks/{envelope.channel}/turn"
            try:
                async with session.post(url, json=envelope.to_wire(), headers=headers) as response:
                    ok = response.status == 200
            except (aiohttp.ClientError, asyncio.TimeoutError):
                ok = False
            if ok:
                done.add(token)
            else:
                failed += 1
    log.remove(done)
    return len(done), failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Layani dead letters")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="masked records")
    again = sub.add_parser("replay", help="forward inbound dead letters to the assistant again")
    again.add_argument("--message-id")
    args = parser.parse_args(argv)
    settings = load()
    if args.command == "list":
        for stored, _ in DeadLetterLog(settings.dead_letter_file).entries():
            shown: dict[str, Any] = {k: v for k, v in stored.items() if k != "sealed"}
            print(json.dumps(shown, ensure_ascii=False))
        return 0
    if not settings.turn_token:
        print("LAYANI_TURN_TOKEN is not set", file=sys.stderr)
        return 2
    redelivered, failed = asyncio.run(replay(settings, args.message_id))
    print(f"redelivered {redelivered}, failed {failed} (left in the file)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
