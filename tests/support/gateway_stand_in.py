"""The webhook gateway (`python -m channels.gateway`) against local stand-ins, for tests.

A stand-in Rasa server (`FakeRasa`) records every hand-off (`POST /webhooks/<ch>/turn`) and can
be slow, not ready (503) or broken (500); `start_gateway` starts the gateway process as the
launcher does, with Telegram and Twilio on. Shared by tests/unit/test_channel_gateway.py and the
gateway's security tests.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
from aiohttp import web
from cryptography.fernet import Fernet
from twilio.request_validator import RequestValidator

from support.fakes_providers import FakeTelegram, _Server
from support.stack import ROOT, free_port

TG_TOKEN, TG_SECRET = "7012345678:AAHgatewayTest", "gateway-secret_1"
TW_SID, TW_TOKEN = "AC" + "c" * 32, "gateway-twilio-token"
PUBLIC = "https://layani.example.go.id"
TURN_TOKEN = "gateway-turn-token"
PII_KEY = Fernet.generate_key().decode()


class FakeRasa(_Server):
    """Records hand-offs; each turn takes `turn_seconds`; `not_ready` answers 503 that often."""

    def __init__(self) -> None:
        super().__init__()
        self.turn_seconds = 0.0
        self.not_ready = 0
        self.broken = 0  # answer 500 (a turn that failed) that often
        self.paused = False  # turns wait (in flight) until this is False again
        self.log: list[tuple[str, str, str]] = []  # (event, sender, text)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/webhooks/{channel}/turn", self.turn)
        return app

    async def turn(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {TURN_TOKEN}":
            return web.json_response({"error": "invalid token"}, status=403)
        if self.not_ready > 0:
            self.not_ready -= 1
            return web.json_response({"error": "assistant not ready"}, status=503)
        envelope = await request.json()
        if self.broken > 0:
            self.broken -= 1
            return web.json_response({"error": "RuntimeError"}, status=500)
        text = envelope.get("text") or envelope.get("body") or ""
        self.log.append(("start", envelope["sender_id"], text))
        await asyncio.sleep(self.turn_seconds)
        while self.paused:
            await asyncio.sleep(0.02)
        self.log.append(("end", envelope["sender_id"], text))
        self.record(envelope["kind"], envelope)
        return web.json_response({"status": "done"})

    def envelopes(self, sender: str | None = None) -> list[dict]:
        return [c.data for c in self.calls if sender is None or c.data["sender_id"] == sender]


def start_gateway(workdir: Path, rasa: FakeRasa, telegram: FakeTelegram, **extra: str):
    """`python -m channels.gateway` as the launcher starts it; returns (process, url).

    LAYANI_TEST_GATEWAY_ROOT=<checkout> runs another checkout's gateway (e.g. the code before a
    fix, extracted with `git archive`), to see a security test fail there."""
    port = free_port()
    root = Path(os.environ.get("LAYANI_TEST_GATEWAY_ROOT") or ROOT)
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(root),
        "RASA_URL": rasa.url,
        "LAYANI_TURN_TOKEN": TURN_TOKEN,
        "LAYANI_API_TOKEN": TURN_TOKEN,  # what gateways before LAYANI_TURN_TOKEN sent
        "LAYANI_PII_KEY": PII_KEY,
        "TELEGRAM_BOT_TOKEN": TG_TOKEN,
        "TELEGRAM_SECRET_TOKEN": TG_SECRET,
        "TELEGRAM_API_BASE_URL": telegram.url,
        "TWILIO_ACCOUNT_SID": TW_SID,
        "TWILIO_AUTH_TOKEN": TW_TOKEN,
        "PUBLIC_BASE_URL": PUBLIC,
        "LAYANI_RATE_LIMIT": "4/60",
        "LAYANI_DEAD_LETTER_FILE": str(workdir / "dead_letters.jsonl"),
        **extra,
    }
    with open(workdir / "gateway.log", "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "channels.gateway", "--port", str(port)],
            env=env,
            cwd=root,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError((workdir / "gateway.log").read_text()[-3000:])


_update_ids = iter(range(100_000, 10_000_000))


def update(user: int, text: str = "halo", chat_type: str = "private", **extra) -> dict:
    chat = {"id": user if chat_type == "private" else -100 - user, "type": chat_type}
    sender = {"id": user, "is_bot": False, "first_name": "Warga"}  # as Telegram sends it
    message = {"message_id": 1, "date": 1, "from": sender, "chat": chat, "text": text}
    return {"update_id": next(_update_ids), "message": message, **extra}


def post_telegram(gw, data: dict, secret: str | None = TG_SECRET) -> httpx.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return httpx.post(f"{gw.url}/webhooks/telegram/webhook", json=data, headers=headers)


def twilio_signature(fields: dict | list) -> str:
    """X-Twilio-Signature as Twilio computes it (the real RequestValidator) for our URL."""
    params: dict[str, list[str]] = {}
    for name, value in fields.items() if isinstance(fields, dict) else fields:
        params.setdefault(name, []).append(value)
    return RequestValidator(TW_TOKEN).compute_signature(
        PUBLIC + "/webhooks/twilio/webhook", _MultiDict(params)
    )


class _MultiDict(dict):
    def getlist(self, name: str) -> list[str]:
        return self[name]


def post_twilio(
    gw, fields: dict | list | str, signature: str | None = "auto", timeout: float = 30.0
) -> httpx.Response:
    """Post a Twilio form (a dict, (name, value) pairs for repeated names, or already encoded
    form text with an explicit signature)."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature == "auto":
        signature = twilio_signature(fields)
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    return httpx.post(
        f"{gw.url}/webhooks/twilio/webhook",
        content=fields if isinstance(fields, str) else urlencode(fields),
        headers=headers,
        timeout=timeout,
    )


def sms(phone: str, sid: str, body: str = "halo", **extra) -> dict:
    return {
        "MessageSid": sid,
        "From": phone,
        "To": "+14155550100",
        "Body": body,
        "NumMedia": "0",
        "FromZip": "",
        **extra,
    }


def wait_for(predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.05)
