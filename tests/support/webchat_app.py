"""A web chat server without a model, for the web chat security tests.

Why: the origin check, the session limit, the length cap and the rate limit all happen before
Rasa sees a message, so a real Sanic server with Layani's socket.io channel and a stand-in turn
(it echoes the text, after a pause for the text "lambat") tests them in a second instead of the
minute a Rasa server takes to load a model. CORS is configured exactly as `layani/server.py`
does (Rasa's `configure_cors` with LAYANI_ALLOWED_ORIGINS), so response headers match
production.

Run: python tests/support/webchat_app.py --port N   (settings from the environment)
`start_webchat_app(env, port)` starts it in a subprocess and waits until it answers;
`Visitor` is a browser's side of the protocol (python-socketio's client, polling transport:
Engine.IO 4.15's WebSocket client needs a newer aiohttp than Rasa 3.6 allows).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import socketio

ROOT = Path(__file__).resolve().parents[2]
SLOW_TEXT = "lambat"


def build_app():
    from rasa.core.channels.channel import UserMessage
    from rasa.server import configure_cors
    from sanic import Sanic

    from channels import webchat_page
    from channels.socketio import SocketIOInput

    app = Sanic("layani_webchat_test_app")
    origins = os.environ.get("LAYANI_ALLOWED_ORIGINS", "").replace(",", " ").split()
    configure_cors(app, origins or None)
    channel = SocketIOInput.from_credentials(
        {
            "user_message_evt": "user_uttered",
            "bot_message_evt": "bot_uttered",
            "session_persistence": True,
            "metadata_key": "customData",
        }
    )

    async def on_new_message(message: UserMessage) -> None:
        if message.text == SLOW_TEXT:
            await asyncio.sleep(1.5)
        await message.output_channel.send_text_message(
            message.sender_id, f"echo: {message.text} {sorted(message.metadata or {})}"
        )

    app.blueprint(channel.blueprint(on_new_message), url_prefix="/webhooks/socketio")
    app.blueprint(webchat_page.blueprint())
    return app


@dataclass
class WebchatApp:
    url: str
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def start_webchat_app(env: dict[str, str], port: int, log: Path) -> Iterator[WebchatApp]:
    """Run the app on 127.0.0.1:`port` with `env` added to the environment, output to `log`."""
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--port", str(port)],
            cwd=ROOT,
            env={**os.environ, "REDIS_URL": "", **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"web chat app exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/webhooks/socketio/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("web chat app did not start within 90 s")
            time.sleep(0.2)
        yield WebchatApp(url, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@dataclass
class Visitor:
    """One browser tab: connects, asks for a session, sends messages, collects `bot_uttered`."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    replies: list[str] = field(default_factory=list)
    session_id: str | None = None
    refusals: list[Any] = field(default_factory=list)  # connect_error data from the server

    def __post_init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self._confirmed: asyncio.Queue[str] = asyncio.Queue()
        self.client.on("bot_uttered", lambda m: self.replies.append(m.get("text", "")))
        self.client.on("session_confirm", self._confirmed.put_nowait)
        self.client.on("connect_error", self.refusals.append)

    async def connect(self, wait_timeout: float = 10) -> None:
        """Raises socketio.exceptions.ConnectionError when the server refuses.

        python-socketio 5.9's client waits `wait_timeout` even after a refusal; `refusals`
        tells a refusal from a slow server.
        """
        await self.client.connect(
            self.url, headers=self.headers, transports=["polling"], wait_timeout=wait_timeout
        )

    async def new_session(self, timeout: float = 3.0) -> str | None:
        """session_request; the confirmed id, or None when the server did not confirm."""
        await self.client.emit("session_request", {"session_id": None})
        try:
            self.session_id = await asyncio.wait_for(self._confirmed.get(), timeout)
        except asyncio.TimeoutError:
            return None
        return self.session_id

    async def start(self) -> Visitor:
        await self.connect()
        assert await self.new_session()
        return self

    async def say(self, text: Any, custom_data: Any = None) -> None:
        data = {"message": text, "session_id": self.session_id}
        if custom_data is not None:
            data["customData"] = custom_data
        await self.client.emit("user_uttered", data)

    async def wait_replies(self, count: int, timeout: float = 10.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while len(self.replies) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return self.replies

    async def close(self) -> None:
        if self.client.connected:
            await self.client.disconnect()


def main() -> None:
    sys.path.insert(0, str(ROOT))
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    build_app().run(host="127.0.0.1", port=args.port, access_log=False)


if __name__ == "__main__":
    main()
