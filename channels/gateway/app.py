"""The gateway's Sanic app: provider webhooks that authenticate, deduplicate, queue and answer.

Routes (a channel is served when its variables are set, as on the Rasa server):
    POST /webhooks/telegram/webhook   TELEGRAM_BOT_TOKEN, TELEGRAM_SECRET_TOKEN
    POST /webhooks/twilio/webhook     TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, PUBLIC_BASE_URL
    GET  /health                      which channels are on, queue depth, hand-off counters

The order inside a handler matters: bound the body (413) and authenticate before anything is
parsed (403), claim the dedup key before anything is queued (five copies race for one claim),
rate-limit turns only (notices such as "edited messages are not re-run" are not turns), answer
an over-long message with `channels.limits.too_long_reply` instead of a turn, and past the
queue bounds drop the message with one `messages.BUSY` notice (handoff.py), still answering
the provider 200 so it does not redeliver.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import limits, messages
from channels.gateway.forwarding import Forwarder
from channels.gateway.journal import RedisJournal
from channels.gateway.telegram_webhook import TelegramWebhook
from channels.gateway.twilio_webhook import EMPTY_TWIML, Rejected, TwilioWebhook
from channels.layer.dedup import build_dedup_store
from channels.layer.outbound import DeadLetterLog, Deliverer, status_error
from channels.layer.ratelimit import build_rate_limiter
from layani.settings import Settings, load

logger = logging.getLogger(__name__)

ACCEPTED, DUPLICATE, LIMITED = "accepted", "duplicate", "limited"
BUSY, TOO_LONG, REJECTED = "busy", "too_long", "rejected"


class Gateway:
    """Dedup, rate limit and the hand-off queue, shared by the webhook handlers."""

    def __init__(self, settings: Settings) -> None:
        self.settings = s = settings
        self.dedup = build_dedup_store(s.redis_url, s.dedup_ttl)
        self.limiter = build_rate_limiter(s.redis_url, s.rate_limit)
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
        self._side_tasks: set[asyncio.Task] = set()
        self.counters = {ACCEPTED: 0, DUPLICATE: 0, LIMITED: 0, TOO_LONG: 0, REJECTED: 0}

    async def claim(self, key: str) -> bool:
        return await self.dedup.claim(key)

    async def accept(
        self,
        envelope: dict[str, Any],
        notice: Callable[[str], dict[str, Any]],
        limit_channel: str,
        text: str,
    ) -> str:
        """Queue a turn unless the sender is over the rate limit (one notice per window), the
        text is over `limit_channel`'s length limit (the kind too-long reply instead), or the
        queues are full (dropped, one busy notice). `notice(text)` builds a reply envelope."""
        decision = await self.limiter.check(envelope["sender_id"])
        if not decision.allowed:
            self.counters[LIMITED] += 1
            if decision.notify:
                await self.forwarder.offer(notice(messages.RATE_LIMITED))
            return LIMITED
        busy = notice(messages.BUSY)
        if limits.too_long(limit_channel, text):
            self.counters[TOO_LONG] += 1
            reply = notice(limits.too_long_reply(limit_channel))
            outcome = await self.forwarder.offer(reply, busy_notice=busy)
            return TOO_LONG if outcome == ACCEPTED else outcome
        outcome = await self.forwarder.offer(envelope, busy_notice=busy)
        if outcome == ACCEPTED:
            self.counters[ACCEPTED] += 1
        return outcome

    def background(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)

    async def close(self) -> None:
        await self.forwarder.drain(timeout=10)
        await self.forwarder.close()
        await self.dedup.close()
        await self.limiter.close()


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
        raise SystemExit("LAYANI_TURN_TOKEN is not set: the gateway cannot hand turns to Rasa")
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
                g.counters[REJECTED] += 1
                logger.warning("Telegram webhook: missing or wrong secret token (403)")
                return response.json({"error": "forbidden"}, status=403)
            body = request.body or b""
            if len(body) > settings.telegram_max_body:
                g.counters[REJECTED] += 1
                return response.json({"error": "update too large"}, status=413)
            try:
                data = json.loads(body)
            except ValueError:
                return response.json({"error": "body is not JSON"}, status=400)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                return response.json({"error": "not a Telegram update"}, status=400)
            if not await g.claim(f"telegram:update:{data['update_id']}"):
                g.counters[DUPLICATE] += 1
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
                g.counters[REJECTED] += 1
                logger.warning("Twilio webhook: %s (%d)", rejected.reason, rejected.status)
                error = "forbidden" if rejected.status == 403 else rejected.reason
                return response.json({"error": error}, status=rejected.status)
            outcome, key, envelope = twilio.envelope(params)
            if outcome == "bad_request":
                return response.json({"error": "MessageSid and From are required"}, status=400)
            if key and not await g.claim(key):
                g.counters[DUPLICATE] += 1
            elif envelope is not None:
                await g.accept(
                    envelope,
                    lambda text: twilio.notice(envelope, text),
                    envelope["mode"],
                    envelope["body"],
                )
            return response.text(EMPTY_TWIML, content_type="text/xml")

    return app


async def telegram_update(g: Gateway, telegram: TelegramWebhook, data: dict[str, Any]) -> str:
    """Act on one new update; returns the status the webhook answers with."""
    decision = telegram.read(data)
    query_id = decision.get("callback_query_id")
    if query_id:
        user = str((data["callback_query"].get("from") or {}).get("id", ""))
        g.background(answer_callback(g, telegram, str(query_id), user))
    envelope = decision.get("envelope")
    status = decision["status"]
    if envelope is None:
        return status
    if status == "turn":
        return await g.accept(
            envelope, lambda text: telegram.notice(envelope, text), "telegram", envelope["text"]
        )
    once = decision.get("once")
    if once is None or await g.claim(once):
        await g.forwarder.offer(envelope)  # a notice (group, edit...): dropped when full
    return status


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
