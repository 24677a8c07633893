"""`layani telegram set-webhook|delete-webhook|poll` against the local Bot API stand-in."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support.fakes_providers import FakeTelegram, _Server  # noqa: E402

from tooling.commands import channels as cli  # noqa: E402

TOKEN, SECRET = "7012345678:AAHcliTestToken", "cli-secret_1"


class Receiver(_Server):
    """Stands in for the local Rasa server's Telegram webhook."""

    def app(self) -> web.Application:
        app = web.Application()

        async def hook(request: web.Request) -> web.Response:
            self.record(
                "webhook",
                {
                    "secret": request.headers.get("X-Telegram-Bot-Api-Secret-Token"),
                    "body": await request.json(),
                },
            )
            return web.json_response({"status": "accepted"})

        app.router.add_post("/webhooks/telegram/webhook", hook)
        return app


@pytest.fixture()
def fake(monkeypatch):
    server = FakeTelegram(TOKEN).start()
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_SECRET_TOKEN", SECRET)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", server.url)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://layani.example.go.id/")
    yield server
    server.stop()


async def test_set_and_delete_webhook(fake):
    assert await cli.set_webhook() == 0
    call = [c for c in fake.calls if c.method == "setWebhook"][0]
    assert call.data["url"] == "https://layani.example.go.id/webhooks/telegram/webhook"
    assert call.data["secret_token"] == SECRET
    assert call.data["allowed_updates"] == ["message", "edited_message", "callback_query"]
    assert await cli.delete_webhook() == 0
    assert any(c.method == "deleteWebhook" for c in fake.calls)


async def test_set_webhook_refuses_plain_http(fake, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://127.0.0.1:5005")
    with pytest.raises(SystemExit):
        await cli.set_webhook()


async def test_poll_forwards_updates_with_the_secret(fake):
    update = json.loads(
        (
            Path(__file__).resolve().parents[1] / "fixtures" / "payloads" / "telegram" / "text.json"
        ).read_text()
    )
    fake.updates.append(update)
    receiver = Receiver().start()
    try:
        assert await cli.poll_updates(receiver.url, once=True) == 0
    finally:
        receiver.stop()
    forwarded = [c.data for c in receiver.calls]
    assert len(forwarded) == 1
    assert forwarded[0]["secret"] == SECRET
    assert forwarded[0]["body"]["update_id"] == update["update_id"]
    assert forwarded[0]["body"]["message"]["text"] == "halo"
    assert any(c.method == "deleteWebhook" for c in fake.calls)
