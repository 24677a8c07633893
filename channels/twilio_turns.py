"""Twilio connector, Rasa side: SMS and WhatsApp turns and replies in one connector.

`From: whatsapp:+62…` selects WhatsApp, a bare `+62…` SMS. Either way the sender id is the E.164
number without the prefix, so SMS and WhatsApp from one phone are one citizen (their complaints
and applications are shared), and the message metadata says `channel: sms|whatsapp`.

Inbound: the webhook (`X-Twilio-Signature` over the raw form with blank fields kept -> 403
before anything is processed, `MessageSid` dedup, rate limit, empty TwiML at once) is served by
the gateway process (channels/gateway/twilio_webhook.py), so acknowledgements never wait
behind Rasa. The gateway forwards each message (an `Envelope`) to `POST /webhooks/twilio/turn`
here, where the turn runs on the channel layer's turn thread and the state it needs lives:
numbered menus, LANJUT pages and the WhatsApp 24-hour window.

Content: `Body`; media (`NumMedia`, `MediaUrlN`, `MediaContentTypeN`) -> metadata `media` (all)
and `photo` (the first image, {url, content_type}); WhatsApp `Latitude`/`Longitude` ->
metadata `location`. A message with media or a location and a blank Body becomes
`/share_media` (Rasa 3.6's connector answers those with a 500). SMS keywords (MENU, BATAL,
PETUGAS, STATUS <id>, LANJUT) and digit replies to a numbered menu are mapped by `layani.sms`.

Outbound: one turn's messages are rendered together (`layani.sms.render`): GSM-7, buttons as a
numbered menu in the same SMS, at most 3 segments, the rest paged behind LANJUT. WhatsApp gets
the same numbered menus (free-form WhatsApp has no buttons) and 1,600-character parts. Sends go
to the Twilio REST API with httpx (async, timeout, retry, dead-letter log via the channel layer).
Outside WhatsApp's 24-hour customer-care window free-form text is refused (error 63016), so when
`TWILIO_WHATSAPP_TEMPLATE_SID` is set the message goes out as that approved template with the
text as variable 1.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint
from twilio.http.async_http_client import AsyncTwilioHttpClient

from channels.envelope import SAY, Envelope
from channels.gateway.twilio_webhook import WHATSAPP_PREFIX
from channels.layer import get_layer
from channels.layer.outbound import SendError, status_error
from channels.layer.turns import PerLoop
from channels.limits import clean_text
from channels.turn_endpoint import forwarded_turns_blueprint
from layani import sms
from layani.settings import load as load_settings

logger = logging.getLogger(__name__)

SHARE_MEDIA = "/share_media"
WHATSAPP_MAX_CHARS = 1600
WHATSAPP_WINDOW_SECONDS = 24 * 3600
MENU_TTL = 24 * 3600
PAGES_TTL = 24 * 3600
AUTO_FLUSH_SECONDS = 1.0
TEMPLATE_ERROR_CODES = {63016}


class TwilioOutput(OutputChannel):
    """Sends SMS or WhatsApp through Twilio's Messages API; `name()` picks the response variant.

    Messages of one turn are buffered and sent together by `flush()` (called after the turn);
    a timer flushes anything sent outside a turn (e.g. Rasa's trigger_intent API).
    """

    def __init__(self, connector: TwilioInput, mode: str, from_address: str | None = None):
        self.connector = connector
        self.mode = mode
        self.from_address = from_address
        self._texts: dict[str, list[str]] = {}
        self._buttons: dict[str, list[dict[str, str]]] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}

    def name(self) -> str:  # type: ignore[override]
        # Instance-level on purpose: Rasa's NLG asks the output channel for its name to choose
        # `channel: sms` or `channel: whatsapp` response variants.
        return self.mode

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        self._buffer(recipient_id, text, None)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        self._buffer(recipient_id, text, buttons)

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        self._buffer(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        if self.mode == "whatsapp":
            await self.flush(recipient_id)
            await self._send(recipient_id, {"MediaUrl": image})
        # SMS cannot carry images; the text variant says what the picture shows.

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        text = json_message.get("text")
        if isinstance(text, str) and text:
            self._buffer(recipient_id, text, json_message.get("buttons"))

    def _buffer(self, recipient_id: str, text: str, buttons: list[dict[str, Any]] | None):
        if text:
            self._texts.setdefault(recipient_id, []).append(text)
        if buttons:
            self._buttons[recipient_id] = [
                {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
                for b in buttons
            ]
        timer = self._timers.pop(recipient_id, None)
        if timer:
            timer.cancel()
        loop = asyncio.get_running_loop()
        self._timers[recipient_id] = loop.call_later(
            AUTO_FLUSH_SECONDS,
            lambda: get_layer().submit(recipient_id, lambda: self.flush(recipient_id)),
        )

    async def flush(self, recipient_id: str | None = None) -> None:
        """Render and send everything buffered for `recipient_id` (or for everyone)."""
        for rid in [recipient_id] if recipient_id else list(self._texts):
            timer = self._timers.pop(rid, None)
            if timer:
                timer.cancel()
            texts, buttons = self._texts.pop(rid, []), self._buttons.pop(rid, [])
            if texts or buttons:
                await self._deliver_turn(rid, texts, buttons)

    async def _deliver_turn(self, recipient_id: str, texts: list[str], buttons: list[dict]) -> None:
        kv = get_layer().kv
        rendered = sms.render(texts, buttons)
        # The menu belongs to the latest message: a digit reply means that menu or nothing.
        if rendered.menu:
            await kv.set(f"menu:{recipient_id}", rendered.menu, MENU_TTL)
        else:
            await kv.delete(f"menu:{recipient_id}")
        if self.mode == "sms":
            pages = rendered.pages
            if len(pages) > 1:
                await kv.set(f"pages:{recipient_id}", pages[1:], PAGES_TTL)
            else:
                await kv.delete(f"pages:{recipient_id}")
            if pages:
                await self._send(recipient_id, {"Body": pages[0]})
            return
        # WhatsApp: no segment cost, no GSM-7 limit; keep the original characters.
        body = "\n\n".join(t.strip() for t in texts if t and t.strip())
        if buttons:
            body = "\n".join(x for x in (body, sms.menu_lines([b["title"] for b in buttons])) if x)
        for part in _split(body, WHATSAPP_MAX_CHARS):
            await self._send(recipient_id, {"Body": part})

    async def send_next_page(self, recipient_id: str) -> bool:
        """LANJUT: send the next waiting page; False when nothing is waiting."""
        kv = get_layer().kv
        pages = await kv.get(f"pages:{recipient_id}")
        if not pages:
            return False
        if len(pages) > 1:
            await kv.set(f"pages:{recipient_id}", pages[1:], PAGES_TTL)
        else:
            await kv.delete(f"pages:{recipient_id}")
        await self._send(recipient_id, {"Body": pages[0]})
        return True

    async def _send(self, recipient_id: str, fields: dict[str, str]) -> Any:
        connector = self.connector
        if self.mode == "whatsapp":
            to = WHATSAPP_PREFIX + recipient_id
            sender = self.from_address or connector.whatsapp_from
            if not await connector.in_whatsapp_window(recipient_id) and connector.template_sid:
                fields = connector.template_fields(fields.get("Body", ""))
        else:
            to, sender = recipient_id, self.from_address or connector.sms_from
        data = {"To": to, "From": sender, **fields}

        async def call() -> Any:
            try:
                return await connector.post_message(data)
            except SendError as exc:
                if (
                    self.mode == "whatsapp"
                    and exc.status == 400
                    and getattr(exc, "code", None) in TEMPLATE_ERROR_CODES
                    and connector.template_sid
                    and "ContentSid" not in data
                ):
                    data.update(connector.template_fields(data.pop("Body", "")))
                    return await connector.post_message(data)
                raise

        return await get_layer().deliver(self.mode, recipient_id, call, data)


# The API's form field names -> twilio's `messages.create` arguments.
MESSAGE_ARGUMENTS = {
    "To": "to",
    "From": "from_",
    "Body": "body",
    "MediaUrl": "media_url",
    "ContentSid": "content_sid",
    "ContentVariables": "content_variables",
}
TWILIO_API = "https://api.twilio.com"


class ApiBaseHttpClient(AsyncTwilioHttpClient):
    """twilio's async (aiohttp) HTTP client, sending to TWILIO_API_BASE_URL.

    Why: the twilio library builds every URL on https://api.twilio.com; staging and the tests'
    local stand-in (tests/support/fakes_providers.py) listen elsewhere. Only that prefix is
    replaced, so the library's paths, form encoding, auth and errors are used as they are."""

    def __init__(self, api_base_url: str) -> None:
        super().__init__(pool_connections=True)
        self.api_base_url = api_base_url.rstrip("/")

    async def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if url.startswith(TWILIO_API) and self.api_base_url != TWILIO_API:
            url = self.api_base_url + url[len(TWILIO_API) :]
        return await super().request(method, url, *args, **kwargs)


def _split(text: str, limit: int) -> list[str]:
    from channels.telegram_turns import split_text

    return split_text(text, limit)


class TwilioInput(InputChannel):
    """Twilio SMS + WhatsApp webhook input (see module docstring)."""

    @classmethod
    def name(cls) -> str:
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        sid, token = credentials.get("account_sid"), credentials.get("auth_token")
        if not sid or not token:
            raise ValueError("twilio needs account_sid and auth_token (see credentials.yml)")
        return cls(sid, token)

    def __init__(self, account_sid: str, auth_token: str) -> None:
        settings = load_settings()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.api_base_url = settings.twilio_api_base_url
        self.sms_from = settings.twilio_sms_number
        number = settings.twilio_whatsapp_number
        self.whatsapp_from = (
            number if number.startswith(WHATSAPP_PREFIX) or not number else WHATSAPP_PREFIX + number
        )
        self.template_sid = settings.twilio_whatsapp_template_sid
        # One twilio Client (and aiohttp session) per event loop: turns run on the turn
        # thread, staff replies on the server loop (channels/layer/turns.py).
        self._clients = PerLoop(self._new_client)

    # --- outbound -------------------------------------------------------------------------
    def get_output_channel(self) -> OutputChannel:
        return TwilioOutput(self, "sms")

    def output_channel_for(self, channel: str | None) -> OutputChannel | None:
        if channel in ("sms", "whatsapp"):
            return TwilioOutput(self, channel)
        return None

    def _new_client(self) -> Any:
        from twilio.rest import Client

        http = ApiBaseHttpClient(self.api_base_url)
        return Client(self.account_sid, self.auth_token, http_client=http)

    async def post_message(self, data: dict[str, str]) -> dict[str, Any]:
        """Create one message (`data` in the API's field names) with the twilio client; a
        refusal is a SendError with Twilio's error `code` (63016: outside the WhatsApp window).
        Timeout and retries are the channel layer's (LAYANI_SEND_TIMEOUT, LAYANI_SEND_ATTEMPTS)."""
        from twilio.base.exceptions import TwilioRestException

        try:
            message = await self._clients.get().messages.create_async(
                **{MESSAGE_ARGUMENTS[name]: value for name, value in data.items()}
            )
        except TwilioRestException as exc:
            error = status_error(exc.status, f"Twilio error {exc.code}: {exc.msg}")
            error.code = exc.code  # type: ignore[attr-defined]
            raise error from exc
        return {"sid": message.sid, "status": message.status}

    async def close(self) -> None:
        """Close the HTTP sessions of the clients made on the running loop (tests, shutdown)."""
        for client in self._clients.all():
            try:
                await client.http_client.close()
            except RuntimeError:  # a session bound to another (stopped) loop
                pass

    def template_fields(self, text: str) -> dict[str, str]:
        return {"ContentSid": self.template_sid, "ContentVariables": json.dumps({"1": text[:1000]})}

    async def in_whatsapp_window(self, sender_id: str) -> bool:
        last = await get_layer().kv.get(f"wa_last:{sender_id}")
        return bool(last) and time.time() - float(last) < WHATSAPP_WINDOW_SECONDS

    # --- inbound (the webhook itself is the gateway's: channels/gateway/twilio_webhook.py) ---
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Health and `/turn` (forwarded by the gateway)."""
        return forwarded_turns_blueprint(
            "layani_twilio_webhook", lambda envelope: self.turn_job(envelope, on_new_message)
        )

    def turn_job(
        self, envelope: Envelope, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Callable[[], Awaitable[Any]] | None:
        """The turn (or notice) for one message the gateway authenticated and read."""
        sender = envelope.sender_id
        mode = "whatsapp" if envelope.mode == "whatsapp" else "sms"
        output = TwilioOutput(self, mode, envelope.to or None)

        if envelope.kind == SAY:
            text = envelope.text
            if not text:
                return None

            async def say() -> None:
                await output.send_text_message(sender, text)
                await output.flush(sender)

            return say

        metadata = dict(envelope.metadata)
        metadata["channel"] = mode
        body = envelope.text

        async def turn() -> None:
            layer = get_layer()
            if mode == "whatsapp":
                await layer.kv.set(f"wa_last:{sender}", time.time(), WHATSAPP_WINDOW_SECONDS + 3600)
            # Menus and pages are read here, after the citizen's previous turn wrote them.
            text = await self._text_for(sender, body, metadata, output)
            if text is None:
                return
            message = UserMessage(
                clean_text(text),
                output,
                sender,
                input_channel=self.name(),
                metadata=metadata,
                message_id=envelope.message_id or None,
            )
            try:
                await on_new_message(message)
            finally:
                await output.flush(sender)

        return turn

    async def _text_for(
        self, sender: str, body: str, metadata: dict[str, Any], output: TwilioOutput
    ) -> str | None:
        """What Rasa should read; None when the channel answered by itself (LANJUT page)."""
        kv = get_layer().kv
        if not body:
            return SHARE_MEDIA if ("media" in metadata or "location" in metadata) else None
        if body.isdigit():
            menu = await kv.get(f"menu:{sender}")
            if menu and body in menu:
                metadata["menu_choice"] = body
                return menu[body]
        payload = sms.keyword_payload(body)
        if payload == "/faq_more" and await output.send_next_page(sender):
            return None
        if payload:
            metadata["keyword"] = body.strip().upper()
            return payload
        return body
