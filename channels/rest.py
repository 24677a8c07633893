"""The REST channel, `POST /webhooks/rest/webhook`: for integrations and local testing.

Why not Rasa's `RestInput`: it takes any `sender` and any `input_channel` from the body, so a
caller who writes a citizen's phone number as `sender` talks inside that citizen's
conversation (their tickets, application draft and handoff). This connector:

- puts every sender in its own namespace, `rest:<sender>`, so a REST caller can never address a
  Telegram, Twilio or web chat conversation, and its owner key is never a phone's
  (layani/identity.py);
- ignores `metadata` and `input_channel` in the body: the input channel is always `rest`;
- needs `Authorization: Bearer <LAYANI_REST_TOKEN>` when that token is set (401 without a bearer
  token, 403 with a wrong one; compared in constant time);
- is off unless LAYANI_REST_ENABLED=1 (the launcher sets it in the embedded profile); outside
  the embedded profile, enabled without LAYANI_REST_TOKEN refuses to start (`config_errors`);
- limits requests per client address (LAYANI_REST_RATE_LIMIT, default 60 a minute; the address
  is the TCP peer, or X-Forwarded-For when the peer is in LAYANI_TRUSTED_PROXIES): 429;
- answers an over-long message with the kind `too_long_reply` and runs nothing;
- answers malformed JSON or missing fields with 400;
- runs the turn in the channel layer's per-sender queue; a full queue is 503 with Retry-After.

The reply is Rasa's: a JSON list of `{"recipient_id", "text", "buttons", ...}`, with
`recipient_id` the sender the caller wrote.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import messages
from channels.layer import Busy, drain_on_stop, get_layer
from channels.layer.ratelimit import build_rate_limiter, client_address
from channels.limits import clean_text, too_long, too_long_reply
from channels.outbound_api import BadRequest, json_object
from layani.bearer import check_bearer
from layani.identity import REST_PREFIX
from layani.settings import Settings
from layani.settings import load as load_settings

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128
RETRY_AFTER_SECONDS = "5"


def config_errors(conf: Settings) -> list[str]:
    """Why the server must not start with this REST configuration (empty when it may).

    Enabled without a token is allowed only in the embedded profile (localhost, `make run`).
    LAYANI_REST_ENABLED is off unless set (the launcher sets it in the embedded profile).
    """
    if not conf.rest_enabled or conf.rest_token:
        return []
    if conf.profile == "embedded":
        return []
    return [
        "LAYANI_REST_ENABLED=1 but LAYANI_REST_TOKEN is not set: the REST channel would let "
        "anyone talk as any REST sender. Set LAYANI_REST_TOKEN, or unset LAYANI_REST_ENABLED."
    ]


def parse_body(request: Request) -> tuple[str, str]:
    """(sender, text) from `{"sender": str, "message": str}`; anything else is a BadRequest."""
    body = json_object(request)
    sender, text = body.get("sender"), body.get("message")
    if not isinstance(sender, str) or not sender.strip():
        raise BadRequest("sender must be a non-empty string")
    if len(sender) > MAX_SENDER_CHARS or not sender.isprintable():
        raise BadRequest(f"sender must be at most {MAX_SENDER_CHARS} printable characters")
    if not isinstance(text, str):
        raise BadRequest("message must be a string")
    return sender.strip(), text


def tracker_sender(sender: str) -> str:
    """The conversation id a REST sender gets: always in the `rest:` namespace."""
    return REST_PREFIX + sender


class RestInput(InputChannel):
    """Layani's REST connector (see module docstring)."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls()

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        """`env`: a configuration of its own (tests); the process's settings otherwise."""
        conf = load_settings(env)
        self.token = conf.rest_token
        self.trusted_proxies = conf.trusted_proxies
        self.redis_url = conf.redis_url
        self.rate_limit = conf.rest_rate_limit
        self._limiter: Any = None

    def limiter(self) -> Any:
        if self._limiter is None:
            self._limiter = build_rate_limiter(
                self.redis_url, self.rate_limit, prefix="layani:rest:addr"
            )
        return self._limiter

    def check_token(self, request: Request) -> HTTPResponse | None:
        if not self.token:
            return None  # embedded profile only (config_errors refuses it elsewhere)
        return check_bearer(request, self.token)

    def address(self, request: Request) -> str:
        """The TCP peer, or X-Forwarded-For when the peer is a trusted proxy."""
        forwarded = request.headers.get("x-forwarded-for")
        return client_address(request.ip or "unknown", forwarded, self.trusted_proxies)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("layani_rest_webhook", __name__)
        drain_on_stop(bp)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            decision = await self.limiter().check(self.address(request))
            if not decision.allowed:
                return response.json(
                    [{"text": messages.RATE_LIMITED}],
                    status=429,
                    headers={"Retry-After": "60"},
                )
            denied = self.check_token(request)
            if denied is not None:
                return denied
            try:
                sender, text = parse_body(request)
            except BadRequest as exc:
                return response.json({"error": str(exc)}, status=400)
            if too_long("rest", text):
                return response.json([{"recipient_id": sender, "text": too_long_reply("rest")}])

            collector = CollectingOutputChannel()
            message = UserMessage(
                clean_text(text), collector, tracker_sender(sender), input_channel=self.name()
            )

            async def turn() -> None:
                await on_new_message(message)

            try:
                await get_layer().run(message.sender_id, turn)
            except Busy:
                return response.json(
                    [{"recipient_id": sender, "text": messages.BUSY}],
                    status=503,
                    headers={"Retry-After": RETRY_AFTER_SECONDS},
                )
            except Exception:
                logger.exception("REST turn failed")
                return response.json({"error": "turn failed"}, status=500)
            return response.json([{**m, "recipient_id": sender} for m in collector.messages])

        return bp
