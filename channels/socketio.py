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
- Messages go through the channel layer: rate limit, a bounded queue ("sedang sibuk" when
  full), and one turn at a time per conversation (python-socketio runs each event as its own
  task, so two quick messages could race).
- Origins: the handshake (Engine.IO, before any socket exists) is refused with 400 when the
  browser's `Origin` is neither this server's own (the /chat page) nor listed in
  LAYANI_ALLOWED_ORIGINS. Rasa turns the check off, so any website could drive a socket from its
  visitors' browsers. A request without `Origin` is let through: browsers always send one on a
  WebSocket handshake and a cross-origin request, so a missing Origin is a same-origin polling
  request or a non-browser client, which could send any Origin it liked anyway; those are held
  by the per-address and per-session limits instead.
- New sessions per client address are limited (LAYANI_WEBCHAT_SESSION_LIMIT): connects, and
  every further `session_request` on a socket, since each new session is a new sender with a
  fresh per-sender rate limit. The address is the TCP peer, or X-Forwarded-For when the peer is
  in LAYANI_TRUSTED_PROXIES.
- A message over `channels.limits` (1,500 characters) gets the kind `too_long_reply` and nothing
  reaches Rasa (Rasa's connector passes any length; we used to cut at 2,000 silently).
- Malformed events (wrong number of arguments, non-dict data, huge or deeply nested
  `customData`) are dropped or stripped without raising; `customData` above 2 KB or 4 levels is
  ignored, and one socket.io packet may be at most 64 KB.
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
from urllib.parse import urlsplit

import engineio
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer
from socketio import exceptions as sio_exceptions

from channels.layer import drain_on_stop, get_layer
from channels.layer.ratelimit import client_address
from channels.layer.turns import call_in_loop
from channels.limits import clean_text, too_long, too_long_reply

logger = logging.getLogger(__name__)

RESERVED_METADATA = ("channel", "photo", "location", "contact", "staff", "media")
MAX_METADATA_BYTES = 2048  # customData as JSON; rasa-webchat sends a few short keys
MAX_METADATA_DEPTH = 4
MAX_PACKET_BYTES = 64 * 1024  # one socket.io packet (Engine.IO's default is 1 MB)
_SESSION_ID = re.compile(r"^[0-9a-f]{32}$")


def valid_session_id(value: Any) -> bool:
    return isinstance(value, str) and bool(_SESSION_ID.match(value))


def new_session_id() -> str:
    return uuid.uuid4().hex


def _shallow(value: Any, depth: int = 0) -> bool:
    """True when `value` nests at most MAX_METADATA_DEPTH levels (never recursing deeper)."""
    if depth > MAX_METADATA_DEPTH:
        return False
    if isinstance(value, dict):
        return all(_shallow(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return all(_shallow(v, depth + 1) for v in value)
    return True


def client_metadata(raw: Any) -> dict[str, Any]:
    """The browser's metadata with reserved keys removed and our `channel` set.

    Too large or too deeply nested metadata is dropped whole: it is stored in the tracker with
    every message and serialised on every turn, so a page must not make each turn heavy.
    """
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if len(raw) <= MAX_METADATA_BYTES else {}
        except (ValueError, RecursionError):
            raw = {}
    metadata: dict[str, Any] = {}
    if isinstance(raw, dict) and _shallow(raw):
        kept = {k: v for k, v in raw.items() if isinstance(k, str) and k not in RESERVED_METADATA}
        try:
            size = len(json.dumps(kept, ensure_ascii=False).encode("utf-8"))
        except (TypeError, ValueError):
            size = MAX_METADATA_BYTES + 1
        if size <= MAX_METADATA_BYTES:
            metadata = kept
        else:
            logger.info("Web chat customData of %d bytes ignored", size)
    metadata["channel"] = "socketio"
    return metadata


def allowed_origins() -> tuple[str, ...]:
    """LAYANI_ALLOWED_ORIGINS, or the deprecated RASA_CORS when only that is set."""
    from layani.settings import load as load_settings

    conf = load_settings()
    if not conf.allowed_origins and conf.rasa_cors:
        logger.warning("RASA_CORS is deprecated: set LAYANI_ALLOWED_ORIGINS instead")
        return conf.rasa_cors
    return conf.allowed_origins


def origin_check(allowed: tuple[str, ...], public_base_url: str = "") -> Callable[..., bool]:
    """Engine.IO's `cors_allowed_origins` callable: own origin or one of `allowed`.

    Own origin: the origin whose host is the request's Host (or X-Forwarded-Host, set by a
    reverse proxy; a browser cannot set it on a WebSocket, and a cross-origin request that tried
    would need a preflight this same check refuses) or PUBLIC_BASE_URL. `*` allows every origin.
    """
    listed = {o.rstrip("/").lower() for o in allowed}
    if public_base_url:
        parts = urlsplit(public_base_url)
        listed.add(f"{parts.scheme}://{parts.netloc}".lower())

    def check(origin: str | None, environ: dict | None = None) -> bool:
        if not origin:
            return False  # only asked without Origin for CORS headers, which need none
        origin = origin.lower()
        if "*" in listed or origin in listed:
            return True
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https"):
            return False
        environ = environ or {}
        hosts = {environ.get("HTTP_HOST", "")}
        hosts.update(h.strip() for h in environ.get("HTTP_X_FORWARDED_HOST", "").split(","))
        return parts.netloc in {h.lower() for h in hosts if h}

    return check


class _CheckOnlyEngineIO(engineio.AsyncServer):
    """Engine.IO refusing foreign origins but leaving CORS headers to the app's CORS setting.

    Rasa's Sanic-CORS (configured from the same LAYANI_ALLOWED_ORIGINS by layani/server.py)
    already adds Access-Control-Allow-Origin to every response; a second copy from Engine.IO
    makes browsers reject the polling response.
    """

    def _cors_headers(self, environ: dict) -> list:
        return []


class _AsyncServer(AsyncServer):
    def _engineio_server_class(self) -> type:
        return _CheckOnlyEngineIO


def _client_address(environ: dict, trusted: tuple[str, ...]) -> str:
    request = environ.get("sanic.request")
    peer = getattr(request, "ip", None) or environ.get("REMOTE_ADDR", "")
    return client_address(peer, environ.get("HTTP_X_FORWARDED_FOR"), trusted)


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
        from layani.settings import load as load_settings

        settings = load_settings()
        trusted = settings.trusted_proxies
        sio = _AsyncServer(
            async_mode="sanic",
            cors_allowed_origins=origin_check(allowed_origins(), settings.public_base_url),
            max_http_buffer_size=MAX_PACKET_BYTES,
        )
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
        async def connect(sid: str, environ: dict, auth: Any = None) -> bool:
            address = _client_address(environ, trusted)
            if not await get_layer().allow_new_session(address):
                logger.warning("Web chat connect refused: too many new sessions from one address")
                raise sio_exceptions.ConnectionRefusedError("too_many_sessions")
            await sio.save_session(sid, {"address": address, "sessions": 0}, self.namespace)
            if not self.jwt_key:
                return True
            from rasa.core.channels.channel import decode_bearer_token

            token = auth.get("token") if isinstance(auth, dict) else None
            return bool(
                isinstance(token, str)
                and decode_bearer_token(token, self.jwt_key, self.jwt_algorithm)
            )

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, *args: Any) -> None:
            data = args[0] if args else None
            requested = data.get("session_id") if isinstance(data, dict) else None
            async with sio.session(sid, namespace=self.namespace) as session:
                session["sessions"] = count = session.get("sessions", 0) + 1
                address = session.get("address", "")
            # The connect paid for the first session; each further one (a new sender, with a
            # fresh per-sender rate limit) counts against the address like a new connect.
            if count > 1 and not await get_layer().allow_new_session(address):
                logger.warning("Web chat session refused: too many new sessions from one address")
                await sio.disconnect(sid, namespace=self.namespace)
                return
            session_id = requested if valid_session_id(requested) else new_session_id()
            if self.session_persistence:
                await _maybe_await(sio.enter_room(sid, session_id, namespace=self.namespace))
            async with sio.session(sid, namespace=self.namespace) as session:
                session["session_id"] = session_id
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, *args: Any) -> None:
            data = args[0] if len(args) == 1 else None  # rasa-webchat sends exactly one
            if not isinstance(data, dict):
                return
            sender_id = await layer_events._sender_for(sid, data)
            if sender_id is None:
                return
            text = data.get("message")
            if not isinstance(text, str) or not text.strip():
                return
            output = SocketIOOutputOnServerLoop(
                sio, self.bot_message_evt, asyncio.get_running_loop()
            )
            if too_long(self.name(), text):
                # Nothing reaches Rasa; the kind reply still counts against the rate limit.
                notice = UserMessage("", output, sender_id, input_channel=self.name())
                await get_layer().reply_instead(notice, too_long_reply(self.name()))
                return
            message = UserMessage(
                clean_text(text),
                output,
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
