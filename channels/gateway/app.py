"""The gateway's Sanic app: provider webhooks that authenticate, deduplicate, queue and answer.

Routes (a channel is served when its variables are set, as on the Rasa server):
    POST /webhooks/telegram/webhook   TELEGRAM_BOT_TOKEN, TELEGRAM_SECRET_TOKEN
    POST /webhooks/twilio/webhook     TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, PUBLIC_BASE_URL
    GET  /health                      which channels are on, queue depth, intake and forwarding
                                      counters

The order inside a handler matters: bound the body (413) and authenticate before anything is
parsed (403), claim the dedup key before anything is queued (five copies race for one claim),
rate-limit turns only (notices such as "edited messages are not re-run" are not turns), answer
an over-long message with `channels.limits.too_long_reply` instead of a turn, and past the
queue bounds drop the message with one `messages.BUSY` notice (forwarding.py), still answering
the provider 200 so it does not redeliver.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import limits, messages
from channels.envelope import Envelope
from channels.gateway.forwarding import Forwarder
from channels.gateway.journal import RedisJournal
from channels.gateway.telegram_webhook import TelegramWebhook
from channels.gateway.twilio_webhook import EMPTY_TWIML, Rejected, TwilioWebhook
from channels.intake import ACCEPTED, DUPLICATE, LIMITED, REJECTED, TOO_LONG, Intake
from channels.layer.outbound import DeadLetterLog, Deliverer, status_error
from layani.settings import Settings, load

logger = logging.getLogger(__name__)


class Gateway:
    """The intake (dedup, rate limit, counters) and the forwarding queue of the webhooks."""

    def __init__(self, settings: Settings) -> None:
        self.settings = s = settings
        self.intake = Intake(s)
        dead_letters = DeadLetterLog(s.dead_letter_file)
        self.forwarder = Forwarder(
            s.rasa_url,
            s.turn_token,
            dead_letters,
            s.turn_concurrency,
            s.turn_timeout,
            s.handoff_patience,
            RedisJournal(s.redis_url, s.gateway_id, s.journal_ttl) if s.redis_url else None,
            s.gateway_max_queued,
            s.gateway_max_per_citizen,
        )
        self.deliverer = Deliverer(dead_letters, s.send_attempts, s.send_timeout, s.send_backoff)

    @property
    def counters(self) -> dict[str, int]:
        return self.intake.counters

    async def accept(self, turn: Envelope, limit_channel: str) -> str:
        """Queue a turn unless the sender is over the rate limit (one notice per window), the
        text is over `limit_channel`'s length limit (the kind too-long reply instead), or the
        queues are full (dropped, one busy notice)."""
        decision = await self.intake.admit(turn.sender_id)
        if not decision.allowed:
            if decision.notify:
                await self.forwarder.offer(turn.saying(messages.RATE_LIMITED))
            return LIMITED
        busy = turn.saying(messages.BUSY)
        if limits.too_long(limit_channel, turn.text):
            self.intake.count(TOO_LONG)
            reply = turn.saying(limits.too_long_reply(limit_channel))
            outcome = await self.forwarder.offer(reply, busy_notice=busy)
            return TOO_LONG if outcome == ACCEPTED else outcome
        outcome = await self.forwarder.offer(turn, busy_notice=busy)
        if outcome == ACCEPTED:
            self.intake.count(ACCEPTED)
        return outcome

    async def close(self) -> None:
        await self.forwarder.drain(timeout=10)
        await self.forwarder.close()
        await self.intake.close()


def check_key() -> None:
    """Say at start-up, not at the first message, when nothing can be sealed at rest (an invalid
    LAYANI_PII_KEY, an unwritable var/): the journal then stays in memory only and dead letters
    keep their masked lines only. Never clear text."""
    from channels.layer import at_rest

    try:
        at_rest.cipher()
    except at_rest.MissingKey as exc:
        logger.error("Webhook gateway: %s; journal in memory only, dead letters masked only", exc)


def enabled_channels(settings: Settings) -> dict[str, Any]:
    channels: dict[str, Any] = {}
    if settings.telegram_bot_token and settings.telegram_secret_token:
        channels["telegram"] = TelegramWebhook(
            settings.telegram_bot_token,
            settings.telegram_secret_token,
            settings.telegram_api_base_url,
        )
    else:
        logger.info("Telegram webhook off: set TELEGRAM_BOT_TOKEN and TELEGRAM_SECRET_TOKEN")
    twilio = settings.twilio_account_sid and settings.twilio_auth_token
    if twilio and settings.public_base_url:
        channels["twilio"] = TwilioWebhook(
            settings.twilio_auth_token,
            settings.public_base_url,
            settings.twilio_max_body,
            settings.twilio_max_fields,
        )
    else:
        logger.info(
            "Twilio webhook off: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL"
        )
    return channels


def build_app(settings: Settings | None = None) -> Sanic:
    settings = settings or load()
    if not settings.turn_token:
        raise SystemExit("LAYANI_TURN_TOKEN is not set: the gateway cannot forward turns to Rasa")
    app = Sanic("layani_webhooks", configure_logging=False)
    app.config.KEEP_ALIVE_TIMEOUT = 75  # providers reuse connections
    # Bodies are read before they can be authenticated: keep what a stranger can make us hold
    # small (Telegram updates and Twilio forms are a few KB). Sanic answers 413 to a larger
    # Content-Length before reading the body; each route then applies its own, smaller cap.
    app.config.REQUEST_MAX_SIZE = max(settings.telegram_max_body, settings.twilio_max_body)
    check_key()
    channels = enabled_channels(settings)
    state: dict[str, Gateway] = {}

    def gateway() -> Gateway:
        return state["gateway"]

    @app.listener("before_server_start")
    async def start(app: Any, loop: Any) -> None:
        state["gateway"] = Gateway(settings)
        await state["gateway"].forwarder.recover()  # what a crashed run acknowledged (Redis)

    @app.listener("before_server_stop")
    async def stop(app: Any, loop: Any) -> None:
        await gateway().close()  # queued messages get up to 10 s to reach the assistant

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        g = state.get("gateway")
        return response.json(
            {
                "status": "ok",
                "channels": sorted(channels),
                "queued": g.forwarder.queues.pending() if g else 0,
                **({**g.counters, **g.forwarder.counters} if g else {}),
            }
        )

    telegram: TelegramWebhook | None = channels.get("telegram")
    if telegram is not None:

        @app.get("/webhooks/telegram/")
        async def telegram_health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @app.post("/webhooks/telegram/webhook")
        async def telegram_webhook(request: Request) -> HTTPResponse:
            g = gateway()
            if not telegram.authentic(request.headers):  # hmac.compare_digest; body unread
                g.intake.count(REJECTED)
                logger.warning("Telegram webhook: missing or wrong secret token (403)")
                return response.json({"error": "forbidden"}, status=403)
            body = request.body or b""
            if len(body) > settings.telegram_max_body:
                g.intake.count(REJECTED)
                return response.json({"error": "update too large"}, status=413)
            try:
                data = json.loads(body)
            except ValueError:
                return response.json({"error": "body is not JSON"}, status=400)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                return response.json({"error": "not a Telegram update"}, status=400)
            if not await g.intake.first_time(f"telegram:update:{data['update_id']}"):
                return response.json({"status": DUPLICATE})
            try:
                return response.json({"status": await telegram_update(g, telegram, data)})
            except (AttributeError, TypeError, ValueError, KeyError):  # fields of the wrong type
                logger.warning("Telegram webhook: malformed update %s (400)", data["update_id"])
                return response.json({"error": "not a Telegram update"}, status=400)

    twilio: TwilioWebhook | None = channels.get("twilio")
    if twilio is not None:

        @app.get("/webhooks/twilio/")
        async def twilio_health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @app.post("/webhooks/twilio/webhook")
        async def twilio_webhook(request: Request) -> HTTPResponse:
            g = gateway()
            try:
                params = twilio.read(request, request.body or b"")
            except Rejected as rejected:
                g.intake.count(REJECTED)
                logger.warning("Twilio webhook: %s (%d)", rejected.reason, rejected.status)
                error = "forbidden" if rejected.status == 403 else rejected.reason
                return response.json({"error": error}, status=rejected.status)
            outcome, key, envelope = twilio.envelope(params)
            if outcome == "bad_request":
                return response.json({"error": "MessageSid and From are required"}, status=400)
            first = key is None or await g.intake.first_time(key)  # a redelivery is counted
            if first and envelope is not None:
                await g.accept(envelope, envelope.mode)
            return response.text(EMPTY_TWIML, content_type="text/xml")

    return app


async def telegram_update(g: Gateway, telegram: TelegramWebhook, data: dict[str, Any]) -> str:
    """Act on one new update; returns the status the webhook answers with."""
    reading = telegram.read(data)
    if reading.callback_query_id:
        g.intake.background(
            answer_callback(g, telegram, str(reading.callback_query_id), reading.callback_user)
        )
    envelope = reading.envelope
    if envelope is None:
        return reading.status
    if reading.status == "turn":
        return await g.accept(envelope, "telegram")
    if reading.once is None or await g.intake.first_time(reading.once, redelivery=False):
        await g.forwarder.offer(envelope)  # a notice (group, edit...): dropped when full
    return reading.status


async def answer_callback(g: Gateway, telegram: TelegramWebhook, query_id: str, user: str):
    """answerCallbackQuery at once (the button shows a spinner until then), with retry."""

    async def call() -> Any:
        session = g.forwarder.session()
        async with session.post(
            telegram.method_url("answerCallbackQuery"), json={"callback_query_id": query_id}
        ) as reply:
            body = await reply.text()
            if reply.status >= 300:
                raise status_error(reply.status, body)
            return body

    await g.deliverer.send(
        "telegram", user, call, {"method": "answer_callback_query", "callback_query_id": query_id}
    )
