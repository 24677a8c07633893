"""Web chat over socket.io, speaking the rasa-webchat 1.0.1 protocol.

Protocol (what rasa-webchat 1.0.1 and our page at /chat send): on connect the client emits
`session_request {session_id}` and waits for `session_confirm`; messages go out as
`user_uttered {message, customData, session_id}`; replies come back on `bot_uttered`.

Differences from Rasa 3.6's `SocketIOInput`, each fixing a real failure:
- `enter_room` is awaited when it is a coroutine (python-socketio >= 5.10). Rasa calls it without
  `await`, so with session persistence the socket never joins its room and every reply vanishes
  (RasaHQ/rasa #13027). We pin 5.9.0 too, but the fix does not depend on the pin.
- A client-supplied session id is accepted only if it looks like one we issue (128 random bits,
  hex). Rasa accepts any string, so a page could claim the conversation "admin" or a phone
  number and read someone else's replies.
- `customData` is the metadata key rasa-webchat actually sends; reserved keys (`channel`,
  `photo`, `location`, `contact`, `staff`) cannot be spoofed by the browser.
- Messages go through the channel layer: rate limit, and one turn at a time per conversation
  (python-socketio runs each event as its own task, so two quick messages could race).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from channels.layer import drain_on_stop, get_layer
from channels.layer.turns import call_in_loop

logger = logging.getLogger(__name__)

RESERVED_METADATA = ("channel", "photo", "location", "contact", "staff", "media")
MAX_MESSAGE_CHARS = 2000
_SESSION_ID = re.compile(r"^[0-9a-f]{32}$")


def valid_session_id(value: Any) -> bool:
    return isinstance(value, str) and bool(_SESSION_ID.match(value))


def new_session_id() -> str:
    return uuid.uuid4().hex


def client_metadata(raw: Any) -> dict[str, Any]:
    """The browser's metadata with reserved keys removed and our `channel` set."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = {}
    metadata = (
        {k: v for k, v in (raw or {}).items() if k not in RESERVED_METADATA}
        if isinstance(raw, dict)
        else {}
    )
    metadata["channel"] = "socketio"
    return metadata


async def _maybe_await(value: Any) -> Any:
    if inspect.isawaitable(value):
        return await value
    return value


class SocketIOOutputOnServerLoop(SocketIOOutput):
    """Rasa's socket.io output, emitting on the server's event loop.

    Turns run on the channel layer's turn thread; a socket's transport belongs to the Sanic
    loop, so each emit is handed back to that loop.
    """

    def __init__(self, sio: AsyncServer, bot_message_evt: str, loop: Any) -> None:
        super().__init__(sio, bot_message_evt)
        self.loop = loop

    async def _send_message(self, socket_id: str, response: Any) -> None:
        await call_in_loop(
            self.loop, lambda: self.sio.emit(self.bot_message_evt, response, room=socket_id)
        )

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        json_message.setdefault("room", recipient_id)
        await call_in_loop(self.loop, lambda: self.sio.emit(self.bot_message_evt, **json_message))


class SocketIOInput(RasaSocketIOInput):
    """Rasa's socket.io channel with the fixes listed in the module docstring."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def get_output_channel(self) -> OutputChannel | None:
        """For the outbound API and Rasa's trigger_intent: emits on the server loop."""
        if self.sio is None or getattr(self, "_loop", None) is None:
            return super().get_output_channel()
        return SocketIOOutputOnServerLoop(self.sio, self.bot_message_evt, self._loop)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # Same-origin by default (our /chat page); Engine.IO's own CORS handling stays off as in
        # Rasa so that Sanic's --cors setting decides for embedding sites.
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        bp = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        layer_events = self
        drain_on_stop(bp)

        @bp.listener("after_server_start")
        async def keep_loop(app: Any, loop: Any) -> None:
            self._loop = asyncio.get_running_loop()

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: str, environ: dict, auth: dict | None = None) -> bool:
            if not self.jwt_key:
                return True
            from rasa.core.channels.channel import decode_bearer_token

            token = (auth or {}).get("token")
            return bool(token and decode_bearer_token(token, self.jwt_key, self.jwt_algorithm))

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: dict | None = None) -> None:
            requested = (data or {}).get("session_id") if isinstance(data, dict) else None
            session_id = requested if valid_session_id(requested) else new_session_id()
            if self.session_persistence:
                await _maybe_await(sio.enter_room(sid, session_id, namespace=self.namespace))
            async with sio.session(sid, namespace=self.namespace) as session:
                session["session_id"] = session_id
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any) -> None:
            if not isinstance(data, dict):
                return
            sender_id = await layer_events._sender_for(sid, data)
            if sender_id is None:
                return
            text = data.get("message")
            if not isinstance(text, str) or not text.strip():
                return
            message = UserMessage(
                text[:MAX_MESSAGE_CHARS],
                SocketIOOutputOnServerLoop(sio, self.bot_message_evt, asyncio.get_running_loop()),
                sender_id,
                input_channel=self.name(),
                metadata=client_metadata(data.get(self.metadata_key)),
            )
            await get_layer().accept(message, on_new_message)

        return bp

    async def _sender_for(self, sid: str, data: dict[str, Any]) -> str | None:
        """The conversation id: the confirmed session id (persistence) or the socket id."""
        if not self.session_persistence:
            return sid
        assert self.sio is not None
        async with self.sio.session(sid, namespace=self.namespace) as session:
            confirmed = session.get("session_id")
        if confirmed:
            # The socket may only speak for the session it was confirmed for.
            return confirmed
        claimed = data.get("session_id")
        if valid_session_id(claimed):
            # A client that skipped session_request (reconnect race): adopt and join its room.
            await _maybe_await(self.sio.enter_room(sid, claimed, namespace=self.namespace))
            async with self.sio.session(sid, namespace=self.namespace) as session:
                session["session_id"] = claimed
            return claimed
        logger.warning("Web chat message without a valid session id from socket %s ignored", sid)
        return None
