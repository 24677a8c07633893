"""Local stand-ins for the Telegram Bot API and Twilio's Messages API (aiohttp, 127.0.0.1).

They run in a background thread with their own event loop, so sync and async tests (and the
benchmark) can use them, and they record every outbound call the bot makes. Behaviour follows
what the real APIs do for the calls Layani makes (shapes checked against PTB 22.8 and twilio's
REST docs): Telegram calls are form-encoded with `reply_markup` as a JSON string; Twilio calls
are form posts with HTTP Basic auth (account SID, auth token).
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Call:
    method: str
    data: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class _Server:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._cond = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.failures: list[tuple[int, dict[str, Any]]] = []  # (status, json body) served next

    def app(self) -> web.Application:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def record(self, method: str, data: dict[str, Any]) -> None:
        with self._cond:
            self.calls.append(Call(method, data))
            self._cond.notify_all()

    def fail_next(self, times: int, status: int, body: dict[str, Any] | None = None) -> None:
        self.failures.extend([(status, body or {})] * times)

    def take_failure(self) -> tuple[int, dict[str, Any]] | None:
        return self.failures.pop(0) if self.failures else None

    def clear(self) -> None:
        with self._cond:
            self.calls.clear()

    def wait_for(self, predicate, timeout: float = 30.0) -> list[Call]:
        """Block until `predicate(calls)` is true; returns the calls (raises on timeout)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self.calls):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"condition not met; calls so far: {self.calls}")
                self._cond.wait(left)
            return list(self.calls)

    def start(self) -> _Server:
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            self._runner = web.AppRunner(self.app(), access_log=None)
            self._loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=2048)
            self._loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True, name=type(self).__name__)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        loop = self._loop

        async def shutdown() -> None:
            if self._runner:
                await self._runner.cleanup()
            loop.stop()

        asyncio.run_coroutine_threadsafe(shutdown(), loop)
        if self._thread:
            self._thread.join(10)


class FakeTelegram(_Server):
    """POST /bot<token>/<method>; records (method, form fields) with reply_markup decoded."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.updates: list[dict[str, Any]] = []  # served by getUpdates (polling mode)
        self._message_id = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self.api)
        app.router.add_get("/bot{token}/{method}", self.api)
        return app

    async def api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        if request.content_type == "application/json":
            data = await request.json()
        else:
            data = dict(await request.post())
        for key in ("reply_markup", "allowed_updates"):
            if isinstance(data.get(key), str):
                data[key] = json.loads(data[key])
        failure = self.take_failure() if method != "getMe" else None
        if failure:
            status, body = failure
            return web.json_response(
                {"ok": False, "error_code": status, "description": "fake failure", **body},
                status=status,
            )
        self.record(method, data)
        return web.json_response({"ok": True, "result": self._result(method, data)})

    def _result(self, method: str, data: dict[str, Any]) -> Any:
        if method == "getMe":
            return {"id": 4242, "is_bot": True, "first_name": "Layani", "username": "layani_bot"}
        if method in ("sendMessage", "sendPhoto"):
            self._message_id += 1
            chat_id = int(data.get("chat_id", 0))
            result = {
                "message_id": self._message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
            }
            if "text" in data:
                result["text"] = data["text"]
            return result
        if method == "getUpdates":
            offset = int(data.get("offset", 0) or 0)
            pending = [u for u in self.updates if u["update_id"] >= offset]
            return pending
        if method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        return True

    def sent_texts(self, chat_id: Any = None) -> list[str]:
        return [
            c.data["text"]
            for c in self.calls
            if c.method == "sendMessage"
            and (chat_id is None or str(c.data["chat_id"]) == str(chat_id))
        ]


class FakeTwilio(_Server):
    """POST /2010-04-01/Accounts/<sid>/Messages.json with Basic auth; records the form."""

    def __init__(self, account_sid: str, auth_token: str) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self._n = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self.messages)
        return app

    async def messages(self, request: web.Request) -> web.Response:
        expected = (
            "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        )
        if (
            request.headers.get("Authorization") != expected
            or request.match_info["sid"] != self.account_sid
        ):
            return web.json_response(
                {"code": 20003, "message": "Authenticate", "status": 401}, status=401
            )
        data = dict(await request.post())
        failure = self.take_failure()
        if failure:
            status, body = failure
            return web.json_response(
                {"status": status, "message": "fake failure", **body}, status=status
            )
        self.record("Messages", data)
        self._n += 1
        return web.json_response(
            {
                "sid": f"SM{self._n:032d}",
                "status": "queued",
                "to": data.get("To"),
                "body": data.get("Body"),
            },
            status=201,
        )

    def bodies(self, to: str | None = None) -> list[str]:
        return [c.data.get("Body", "") for c in self.calls if to is None or c.data.get("To") == to]
