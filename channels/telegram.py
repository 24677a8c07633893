"""Telegram connector on python-telegram-bot (webhook at /webhooks/telegram/webhook).

Inbound, in this order:
1. `X-Telegram-Bot-Api-Secret-Token` compared in constant time with the configured secret;
   403 before the body is even read as JSON (Telegram sends the secret given to setWebhook).
2. Deduplicated on `update_id` (Telegram redelivers an update until it gets a 2xx).
3. Mapped to a Rasa `UserMessage` and queued; the webhook answers 200 at once.

What each update becomes (metadata always has `channel: telegram`):
- text -> the text.
- photo -> caption or `/share_media`; metadata `photo` = the largest size
  ({file_id, file_unique_id, width, height}). Image documents are treated the same way.
- location -> `/share_media`; metadata `location` = {latitude, longitude}.
- contact -> `/share_media` with metadata `contact` = {phone_number (E.164), first_name} only
  when `contact.user_id == from.id` (a citizen sharing *their own* number); someone else's
  card is refused politely and not stored.
- callback_query (inline button) -> answered with answerCallbackQuery at once (the client shows
  a spinner until then); its data is the button payload, or a short key `k:<id>` that maps to
  a payload longer than Telegram's 64-byte limit.
- edited_message -> not processed as a new turn (a report must not be filed twice, and the bot
  may already have acted on the first version); the citizen is told to send a new message.
- group, supergroup and channel chats -> refused once per chat with a polite note: citizens'
  data must stay in a private conversation.
- anything else (stickers, voice, documents that are not images) -> a polite note, no turn.

Outbound: plain text with no `parse_mode`, so nothing a citizen or an officer wrote can be
interpreted as markup; texts over 4,096 characters are split at paragraph or line breaks;
buttons become an inline keyboard (one button per row, easy to tap). Every send goes through
the channel layer (timeout, retry, dead-letter log).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.request import HTTPXRequest

from channels import messages
from channels.layer import drain_on_stop, get_layer
from channels.layer.turns import PerLoop
from channels.settings import load as load_settings

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 4096
MAX_CALLBACK_BYTES = 64
CALLBACK_KEY_PREFIX = "k:"
CALLBACK_TTL = 30 * 24 * 3600
SHARE_MEDIA = "/share_media"
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
        token, secret = credentials.get("access_token"), credentials.get("secret_token")
        if not token or not secret:
            raise ValueError("telegram needs access_token and secret_token (see credentials.yml)")
        return cls(token, secret, credentials.get("api_base_url"))

    def __init__(self, access_token: str, secret_token: str, api_base_url: str | None = None):
        self.access_token = access_token
        self.secret_token = secret_token
        self.api_base_url = (api_base_url or load_settings().telegram_api_base_url).rstrip("/")
        self._bots = PerLoop(lambda: make_bot(self.access_token, self.api_base_url))
        self._initialized: set = set()

    @property
    def bot(self) -> Any:
        """This event loop's Bot (not yet initialised: parsing updates needs no network)."""
        return self._bots.get()

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
        bp = Blueprint("layani_telegram_webhook", __name__)
        drain_on_stop(bp)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            given = request.headers.get("x-telegram-bot-api-secret-token", "")
            if not hmac.compare_digest(given.encode("utf-8"), self.secret_token.encode("utf-8")):
                logger.warning("Telegram webhook: missing or wrong secret token (403)")
                return response.json({"error": "forbidden"}, status=403)
            try:
                data = json.loads(request.body or b"")
            except ValueError:
                return response.json({"error": "body is not JSON"}, status=400)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                return response.json({"error": "not a Telegram update"}, status=400)
            outcome = await self.handle_update(data, on_new_message)
            return response.json({"status": outcome})

        return bp

    async def handle_update(
        self, data: dict[str, Any], on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> str:
        """Turn one Update into a queued turn (or a polite note); returns what happened."""
        layer = get_layer()
        if not await layer.first_time(f"telegram:update:{data['update_id']}"):
            return "duplicate"
        try:
            update = Update.de_json(data, self.bot)
        except Exception as exc:  # malformed fields inside a well-formed update
            logger.warning("Telegram update %s unreadable: %s", data.get("update_id"), exc)
            return "ignored"
        output = self.get_output_channel()

        if update.callback_query is not None:
            return await self._callback(update, output, on_new_message)

        message = update.message or update.edited_message
        if message is None or message.from_user is None:
            return "ignored"
        chat_id = str(message.chat.id)
        if message.chat.type != "private":
            if await layer.first_time(f"telegram:group:{chat_id}"):
                layer.submit(chat_id, _say(output, chat_id, messages.GROUP_CHAT_REFUSED))
            return "group"
        sender_id = str(message.from_user.id)
        if update.edited_message is not None:
            layer.submit(sender_id, _say(output, chat_id, messages.EDITED_IGNORED))
            return "edited"

        text, metadata = self._content(message)
        if text is None:
            note = metadata.pop("_note", messages.UNSUPPORTED_CONTENT)
            layer.submit(sender_id, _say(output, chat_id, note))
            return "unsupported"
        user_message = UserMessage(
            text,
            output,
            sender_id,
            input_channel=self.name(),
            metadata=metadata,
            message_id=f"telegram-{data['update_id']}",
        )
        return await layer.accept(user_message, on_new_message)

    def _content(self, message: Any) -> tuple[str | None, dict[str, Any]]:
        metadata: dict[str, Any] = {"channel": "telegram"}
        caption = (message.caption or "").strip()
        if message.text:
            return message.text, metadata
        if message.photo:
            largest = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
            metadata["photo"] = {
                "file_id": largest.file_id,
                "file_unique_id": largest.file_unique_id,
                "width": largest.width,
                "height": largest.height,
            }
            return caption or SHARE_MEDIA, metadata
        document = message.document
        if document is not None and (document.mime_type or "").startswith("image/"):
            metadata["photo"] = {
                "file_id": document.file_id,
                "file_unique_id": document.file_unique_id,
                "mime_type": document.mime_type,
            }
            return caption or SHARE_MEDIA, metadata
        if message.location is not None:
            metadata["location"] = {
                "latitude": message.location.latitude,
                "longitude": message.location.longitude,
            }
            return SHARE_MEDIA, metadata
        if message.contact is not None:
            contact = message.contact
            if contact.user_id is None or contact.user_id != message.from_user.id:
                metadata["_note"] = messages.CONTACT_NOT_OWN
                return None, metadata
            phone = contact.phone_number.strip()
            metadata["contact"] = {
                "phone_number": phone if phone.startswith("+") else "+" + phone,
                "first_name": contact.first_name,
            }
            return SHARE_MEDIA, metadata
        return None, metadata

    async def _callback(
        self, update: Any, output: TelegramOutput, on_new_message: Callable[..., Awaitable[Any]]
    ) -> str:
        query = update.callback_query
        layer = get_layer()
        layer.background(
            layer.deliver(
                "telegram",
                str(query.from_user.id),
                lambda: _answer(self, query.id),
                {"method": "answer_callback_query", "callback_query_id": query.id},
            )
        )
        chat = query.message.chat if query.message is not None else None
        if chat is not None and chat.type != "private":
            return "group"
        data = query.data or ""
        if data.startswith(CALLBACK_KEY_PREFIX):
            data = await layer.kv.get("tgcb:" + data) or ""
        if not data:
            return "ignored"
        user_message = UserMessage(
            data,
            output,
            str(query.from_user.id),
            input_channel=self.name(),
            metadata={"channel": "telegram", "button": True},
            message_id=f"telegram-{update.update_id}",
        )
        return await layer.accept(user_message, on_new_message)


def _say(output: OutputChannel, chat_id: str, text: str) -> Callable[[], Awaitable[None]]:
    async def send() -> None:
        await output.send_text_message(chat_id, text)

    return send


async def _answer(connector: TelegramInput, query_id: str) -> Any:
    bot = await connector.ready_bot()
    return await bot.answer_callback_query(query_id)


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
