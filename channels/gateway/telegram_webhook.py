"""Telegram webhook in the gateway: secret token, update_id, and what an update becomes.

Updates are read with python-telegram-bot's types (`Update.de_json`): the library keeps up with
the Bot API's fields, and an update that is not one (a field missing or of the wrong type) is a
`ValueError`, which the webhook answers with 400. Parsing costs about 0.1 ms per update, small
beside the rest of a delivery. What each update becomes (metadata always has
`channel: telegram`; the sender id is the user id):

- text -> the text.
- photo -> caption or `/share_media`; metadata `photo` = the largest size
  ({file_id, file_unique_id, width, height}). Image documents are treated the same way.
- location -> `/share_media`; metadata `location` = {latitude, longitude}.
- contact -> `/share_media` with metadata `contact` = {phone_number (E.164), first_name} only
  when `contact.user_id == from.id`; someone else's card is refused politely and not stored.
- callback_query -> answered with answerCallbackQuery at once by the gateway (the client shows a
  spinner until then); its data is the button payload, or a short key `k:<id>` that the Rasa
  side maps back to a payload longer than Telegram's 64-byte limit.
- edited_message -> no turn (a report must not be filed twice); the citizen is told to send a
  new message.
- group, supergroup and channel chats -> no turn; refused once per chat.
- anything else (stickers, voice, non-image files) -> a polite note, no turn.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from telegram import CallbackQuery, Chat, Message, Update

from channels import messages
from channels.envelope import SAY, TURN, Envelope

SHARE_MEDIA = "/share_media"
CHANNEL = "telegram"


@dataclass(frozen=True)
class Reading:
    """What to do with one update.

    `status` is what the webhook answers ("turn", "group", "edited", "unsupported",
    "ignored"); `envelope` a turn or a notice to queue; `once` a key to claim first (the group
    refusal goes out once per chat); `callback_query_id` a button press to answer at once.
    """

    status: str
    envelope: Envelope | None = None
    once: str | None = None
    callback_query_id: str | None = None
    callback_user: str = ""


class TelegramWebhook:
    channel = "telegram"

    def __init__(self, access_token: str, secret_token: str, api_base_url: str) -> None:
        self.access_token = access_token
        self.secret = secret_token.encode("utf-8")
        self.api_base_url = api_base_url.rstrip("/")

    def authentic(self, headers: Any) -> bool:
        given = headers.get("x-telegram-bot-api-secret-token", "")
        return hmac.compare_digest(given.encode("utf-8"), self.secret)

    def method_url(self, method: str) -> str:
        return f"{self.api_base_url}/bot{self.access_token}/{method}"

    def read(self, data: dict[str, Any]) -> Reading:
        """What to do with one (new) update; ValueError when `data` is not a Telegram update."""
        update = parse_update(data)
        if update.callback_query is not None:
            return self._callback(update, update.callback_query)
        message = update.message or update.edited_message
        if message is None or message.from_user is None:
            return Reading("ignored")
        chat_id = str(message.chat.id)
        if message.chat.type != Chat.PRIVATE:
            return Reading(
                "group",
                _say(chat_id, chat_id, messages.GROUP_CHAT_REFUSED),
                once=f"telegram:group:{chat_id}",
            )
        sender_id = str(message.from_user.id)
        if not sender_id:
            return Reading("ignored")
        if update.edited_message is not None:
            return Reading("edited", _say(sender_id, chat_id, messages.EDITED_IGNORED))
        text, metadata = content(message)
        if text is None:
            note = metadata.pop("_note", messages.UNSUPPORTED_CONTENT)
            return Reading("unsupported", _say(sender_id, chat_id, note))
        turn = Envelope(
            CHANNEL,
            TURN,
            sender_id,
            text,
            chat_id=chat_id,
            metadata=metadata,
            message_id=f"telegram-{update.update_id}",
        )
        return Reading("turn", turn)

    def _callback(self, update: Update, query: CallbackQuery) -> Reading:
        sender_id = str(query.from_user.id) if query.from_user is not None else ""
        answer = {"callback_query_id": query.id, "callback_user": sender_id}
        if query.message is not None and query.message.chat.type != Chat.PRIVATE:
            return Reading("group", **answer)
        payload = query.data or ""
        if not payload or not sender_id or not isinstance(payload, str):
            return Reading("ignored", **answer)
        turn = Envelope(
            CHANNEL,
            TURN,
            sender_id,
            payload,
            chat_id=sender_id,
            metadata={"channel": CHANNEL, "button": True},
            message_id=f"telegram-{update.update_id}",
        )
        return Reading("turn", turn, **answer)


def _say(queue_key: str, chat_id: str, text: str) -> Envelope:
    return Envelope(CHANNEL, SAY, queue_key, text, chat_id=chat_id)


def parse_update(data: dict[str, Any]) -> Update:
    """The `Update` for a webhook body; ValueError when it is not a Telegram update.

    python-telegram-bot raises whatever its constructors raise on bad input (KeyError for a
    missing field, TypeError, AttributeError, OverflowError for an impossible date, ...); all of
    them mean the same thing to a webhook: the sender's fault, a 400.
    """
    try:
        update = Update.de_json(data, None)
    except Exception as exc:  # noqa: BLE001 - see above: any parse failure is a bad update
        raise ValueError(f"not a Telegram update ({type(exc).__name__})") from exc
    if update is None:
        raise ValueError("not a Telegram update")
    return update


def content(message: Message) -> tuple[str | None, dict[str, Any]]:
    """(text for Rasa or None, metadata) of a private message; see the module docstring."""
    metadata: dict[str, Any] = {"channel": "telegram"}
    caption = (message.caption or "").strip()
    if message.text:
        return str(message.text), metadata
    if message.photo:
        largest = max(
            message.photo,
            key=lambda p: (int(p.width or 0) * int(p.height or 0), p.file_size or 0),
        )
        metadata["photo"] = {
            "file_id": largest.file_id,
            "file_unique_id": largest.file_unique_id,
            "width": largest.width,
            "height": largest.height,
        }
        return caption or SHARE_MEDIA, metadata
    document = message.document
    if document is not None and str(document.mime_type or "").startswith("image/"):
        metadata["photo"] = {
            "file_id": document.file_id,
            "file_unique_id": document.file_unique_id,
            "mime_type": document.mime_type,
        }
        return caption or SHARE_MEDIA, metadata
    location = message.location
    if location is not None:
        try:
            metadata["location"] = {
                "latitude": float(location.latitude),
                "longitude": float(location.longitude),
            }
        except (TypeError, ValueError):
            return None, metadata
        return SHARE_MEDIA, metadata
    contact = message.contact
    if contact is not None:
        sender = message.from_user
        if contact.user_id is None or sender is None or contact.user_id != sender.id:
            metadata["_note"] = messages.CONTACT_NOT_OWN
            return None, metadata
        phone = str(contact.phone_number or "").strip()
        metadata["contact"] = {
            "phone_number": phone if phone.startswith("+") else "+" + phone,
            "first_name": contact.first_name,
        }
        return SHARE_MEDIA, metadata
    return None, metadata
