"""Telegram on python-telegram-bot: outbound sends and the Rasa side of inbound turns.

Inbound webhooks (`/webhooks/telegram/webhook`: secret token check -> 403 before parsing,
update_id dedup, what each update becomes, answerCallbackQuery) are served by the gateway
process (channels/gateway/telegram_webhook.py) so acknowledgements never wait behind Rasa. It
forwards each message (an `Envelope`) to `POST /webhooks/telegram/turn` here, which runs the
turn on the channel layer's turn thread; a button payload longer than 64 bytes arrives as its
short key `k:<id>` and is mapped back here, where the key was stored when the button was sent.

Outbound: plain text with no `parse_mode`, so nothing a citizen or an officer wrote can be
interpreted as markup; texts over 4,096 characters are split at paragraph or line breaks;
buttons become an inline keyboard (one button per row, easy to tap). Every send goes through
the channel layer (timeout, retry, dead-letter log).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.request import HTTPXRequest

from channels.envelope import SAY, Envelope
from channels.layer import get_layer
from channels.layer.turns import PerLoop
from channels.limits import clean_text
from channels.turn_endpoint import forwarded_turns_blueprint
from layani.settings import load as load_settings

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 4096
MAX_CALLBACK_BYTES = 64
CALLBACK_KEY_PREFIX = "k:"
CALLBACK_TTL = 30 * 24 * 3600
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


def split_text(text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Split at paragraph, then line, then word boundaries so each part fits `limit`."""
    text = text.strip()
    parts: list[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = max(window.rfind("\n\n"), -1)
        if cut < limit // 2:
            cut = window.rfind("\n")
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts


def _callback_key(payload: str) -> str:
    return CALLBACK_KEY_PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]


class TelegramOutput(OutputChannel):
    """Sends to one Telegram chat through the Bot API (PTB `Bot`, httpx transport)."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    def __init__(self, connector: Any) -> None:
        # The connector hands out one PTB Bot (and httpx client) per event loop: turns run on
        # the turn thread, staff replies on the server loop (channels/layer/turns.py).
        self.connector = connector

    async def _call(self, recipient_id: str, method: str, payload: dict[str, Any]) -> Any:
        async def call() -> Any:
            bot = await self.connector.ready_bot()
            return await getattr(bot, method)(**payload)

        logged = {k: v for k, v in payload.items() if k != "reply_markup"}
        return await get_layer().deliver(
            "telegram", recipient_id, call, {"method": method, **logged}
        )

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for part in split_text(text):
            await self._call(recipient_id, "send_message", {"chat_id": recipient_id, "text": part})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        rows = []
        for button in buttons:
            data = await self._callback_data(str(button.get("payload", button.get("title", ""))))
            rows.append([InlineKeyboardButton(str(button.get("title", "")), callback_data=data)])
        parts = split_text(text) or [" "]
        for part in parts[:-1]:
            await self._call(recipient_id, "send_message", {"chat_id": recipient_id, "text": part})
        await self._call(
            recipient_id,
            "send_message",
            {
                "chat_id": recipient_id,
                "text": parts[-1],
                "reply_markup": InlineKeyboardMarkup(rows),
            },
        )

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._call(recipient_id, "send_photo", {"chat_id": recipient_id, "photo": image})

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        text = json_message.get("text")
        if isinstance(text, str) and text:
            await self.send_text_message(recipient_id, text)
        else:
            logger.warning("Telegram: custom payload without text not sent: %s", list(json_message))

    async def _callback_data(self, payload: str) -> str:
        """The payload itself when it fits 64 bytes, else a short key stored with a TTL."""
        if len(payload.encode("utf-8")) <= MAX_CALLBACK_BYTES and not payload.startswith(
            CALLBACK_KEY_PREFIX
        ):
            return payload
        key = _callback_key(payload)
        await get_layer().kv.set("tgcb:" + key, payload, CALLBACK_TTL)
        return key


class TelegramInput(InputChannel):
    """Telegram webhook input (see module docstring)."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        token = credentials.get("access_token")
        if not token:
            raise ValueError("telegram needs access_token (see credentials.yml)")
        return cls(token, credentials.get("api_base_url"))

    def __init__(self, access_token: str, api_base_url: str | None = None):
        # The webhook's secret token is the gateway's (channels/gateway/telegram_webhook.py):
        # this side only sends and runs the turns the gateway forwards.
        self.access_token = access_token
        self.api_base_url = (api_base_url or load_settings().telegram_api_base_url).rstrip("/")
        self._bots = PerLoop(lambda: make_bot(self.access_token, self.api_base_url))
        self._initialized: set = set()

    async def ready_bot(self) -> Any:
        bot = self._bots.get()
        if id(bot) not in self._initialized:
            await bot.initialize()  # getMe once per loop; PTB requires it before sending
            self._initialized.add(id(bot))
        return bot

    def get_output_channel(self) -> OutputChannel:
        return TelegramOutput(self)

    def output_channel_for(self, channel: str | None) -> OutputChannel | None:
        return self.get_output_channel() if channel == "telegram" else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Health and `/turn` (forwarded by the gateway); the webhook is the gateway's."""
        return forwarded_turns_blueprint(
            "layani_telegram_webhook", lambda envelope: self.turn_job(envelope, on_new_message)
        )

    def turn_job(
        self, envelope: Envelope, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Callable[[], Awaitable[Any]] | None:
        """The turn (or notice) for one message the gateway read (gateway/telegram_webhook.py)."""
        output = self.get_output_channel()
        text = envelope.text
        if not text:
            return None
        if envelope.kind == SAY:
            return _say(output, envelope.reply_to, text)
        metadata = dict(envelope.metadata)
        metadata["channel"] = "telegram"

        async def turn() -> None:
            data = text
            if metadata.get("button") and data.startswith(CALLBACK_KEY_PREFIX):
                # A payload longer than 64 bytes, stored when its button was sent.
                data = await get_layer().kv.get("tgcb:" + data) or ""
                if not data:
                    return
            await on_new_message(
                UserMessage(
                    clean_text(data),
                    output,
                    envelope.sender_id,
                    input_channel=self.name(),
                    metadata=metadata,
                    message_id=envelope.message_id or None,
                )
            )

        return turn


def _say(output: OutputChannel, chat_id: str, text: str) -> Callable[[], Awaitable[None]]:
    async def send() -> None:
        await output.send_text_message(chat_id, text)

    return send


def make_bot(token: str, api_base_url: str) -> Any:
    """A PTB `Bot` talking to `api_base_url` (Telegram, or a local stand-in in tests)."""
    settings = load_settings()
    request = HTTPXRequest(
        connection_pool_size=64,
        connect_timeout=5.0,
        read_timeout=settings.send_timeout,
        write_timeout=settings.send_timeout,
        pool_timeout=5.0,
    )
    return Bot(
        token,
        base_url=f"{api_base_url}/bot{{token}}",
        base_file_url=f"{api_base_url}/file/bot{{token}}",
        request=request,
    )


def webhook_url(public_base_url: str) -> str:
    return f"{public_base_url.rstrip('/')}/webhooks/telegram/webhook"


__all__: Iterable[str] = ["TelegramInput", "TelegramOutput", "split_text", "make_bot"]
