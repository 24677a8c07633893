"""Telegram webhook in the gateway: secret token, update_id, and what an update becomes.

Works on the update's JSON directly (no Rasa, no python-telegram-bot objects): this runs for
every delivery, so it is kept to dictionary look-ups. What each update becomes (metadata always
has `channel: telegram`; the sender id is the user id):

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
from typing import Any

from channels import messages

SHARE_MEDIA = "/share_media"


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

    def read(self, data: dict[str, Any]) -> dict[str, Any]:
        """What to do with one (new) update.

        Returns {"status", "envelope"?, "once"?, "callback_query_id"?}: `envelope` is a turn or a
        notice to queue; `once` a key that must be claimed first (group refusal once per chat).
        """
        query = data.get("callback_query")
        if isinstance(query, dict):
            return self._callback(data, query)
        message = data.get("message") or data.get("edited_message")
        if not isinstance(message, dict) or not isinstance(message.get("from"), dict):
            return {"status": "ignored"}
        chat = message.get("chat") or {}
        chat_id = str(chat.get("id", ""))
        if chat.get("type") != "private":
            return {
                "status": "group",
                "once": f"telegram:group:{chat_id}",
                "envelope": _say(chat_id, chat_id, messages.GROUP_CHAT_REFUSED),
            }
        sender_id = str(message["from"].get("id", ""))
        if not sender_id:
            return {"status": "ignored"}
        if data.get("edited_message") is not None:
            return {
                "status": "edited",
                "envelope": _say(sender_id, chat_id, messages.EDITED_IGNORED),
            }
        text, metadata = content(message)
        if text is None:
            note = metadata.pop("_note", messages.UNSUPPORTED_CONTENT)
            return {"status": "unsupported", "envelope": _say(sender_id, chat_id, note)}
        return {
            "status": "turn",
            "envelope": {
                "channel": "telegram",
                "kind": "turn",
                "sender_id": sender_id,
                "chat_id": chat_id,
                "text": text,
                "metadata": metadata,
                "message_id": f"telegram-{data['update_id']}",
            },
        }

    def _callback(self, data: dict[str, Any], query: dict[str, Any]) -> dict[str, Any]:
        sender_id = str((query.get("from") or {}).get("id", ""))
        result: dict[str, Any] = {"status": "ignored", "callback_query_id": query.get("id")}
        chat = (query.get("message") or {}).get("chat") or {}
        if chat and chat.get("type") != "private":
            result["status"] = "group"
            return result
        payload = query.get("data") or ""
        if not payload or not sender_id or not isinstance(payload, str):
            return result
        result["status"] = "turn"
        result["envelope"] = {
            "channel": "telegram",
            "kind": "turn",
            "sender_id": sender_id,
            "chat_id": sender_id,
            "text": payload,
            "metadata": {"channel": "telegram", "button": True},
            "message_id": f"telegram-{data['update_id']}",
        }
        return result

    @staticmethod
    def notice(envelope: dict[str, Any], text: str) -> dict[str, Any]:
        return _say(envelope["sender_id"], envelope["chat_id"], text)


def _say(queue_key: str, chat_id: str, text: str) -> dict[str, Any]:
    return {
        "channel": "telegram",
        "kind": "say",
        "sender_id": queue_key,
        "chat_id": chat_id,
        "text": text,
    }


def content(message: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """(text for Rasa or None, metadata) of a private message; see the module docstring."""
    metadata: dict[str, Any] = {"channel": "telegram"}
    caption = (message.get("caption") or "").strip()
    if message.get("text"):
        return str(message["text"]), metadata
    photos = [p for p in message.get("photo") or [] if isinstance(p, dict)]
    if photos:
        largest = max(
            photos,
            key=lambda p: (
                int(p.get("width", 0)) * int(p.get("height", 0)),
                p.get("file_size") or 0,
            ),
        )
        metadata["photo"] = {
            "file_id": largest.get("file_id"),
            "file_unique_id": largest.get("file_unique_id"),
            "width": largest.get("width"),
            "height": largest.get("height"),
        }
        return caption or SHARE_MEDIA, metadata
    document = message.get("document")
    if isinstance(document, dict) and str(document.get("mime_type") or "").startswith("image/"):
        metadata["photo"] = {
            "file_id": document.get("file_id"),
            "file_unique_id": document.get("file_unique_id"),
            "mime_type": document.get("mime_type"),
        }
        return caption or SHARE_MEDIA, metadata
    location = message.get("location")
    if isinstance(location, dict):
        try:
            metadata["location"] = {
                "latitude": float(location["latitude"]),
                "longitude": float(location["longitude"]),
            }
        except (KeyError, TypeError, ValueError):
            return None, metadata
        return SHARE_MEDIA, metadata
    contact = message.get("contact")
    if isinstance(contact, dict):
        owner = contact.get("user_id")
        if owner is None or owner != (message.get("from") or {}).get("id"):
            metadata["_note"] = messages.CONTACT_NOT_OWN
            return None, metadata
        phone = str(contact.get("phone_number") or "").strip()
        metadata["contact"] = {
            "phone_number": phone if phone.startswith("+") else "+" + phone,
            "first_name": contact.get("first_name"),
        }
        return SHARE_MEDIA, metadata
    return None, metadata
