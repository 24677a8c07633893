"""Twilio (SMS + WhatsApp) webhook in the gateway: signature, MessageSid, sender, envelope.

The signature is checked with `twilio.request_validator.RequestValidator` against the public URL
Twilio called (`PUBLIC_BASE_URL` + path, or the URL rebuilt from X-Forwarded-Proto/Host behind
a proxy) and the *raw* body parsed with keep_blank_values=True: Sanic 21.12's `request.form`
drops blank fields (`Body=` of a photo, `FromZip=`), and validating without them always fails.

Bounded before anything is parsed (a stranger can post without a valid signature, and Twilio's
algorithm needs the decoded form to check one): a body over LAYANI_TWILIO_MAX_BODY (64 KB; real
posts are 1-3 KB) is 413, a request without a well-formed signature header is 403, a form with
more than LAYANI_TWILIO_MAX_FIELDS fields (200; real ones have 20-40) is 413, all decided from
the raw bytes. Only then is the form decoded, once (`parse_qsl` with `max_num_fields`), the
signature checked on it (403), and the message read from the same decoded form. Before this
a 1 MB post of 120,000 fields was decoded and signed for every candidate URL before it was
refused: 0.8 s of CPU in process, 1.25-1.8 s over HTTP, on the gateway's only event loop.

Everything that needs the conversation's state (numbered SMS menus, LANJUT pages, the WhatsApp
24-hour window) is done on the Rasa side, where that state lives (channels/twilio_turns.py);
the gateway forwards the body and the media/location metadata as they came.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from channels.envelope import TURN, Envelope

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
WHATSAPP_PREFIX = "whatsapp:"
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class Params(dict):
    """A decoded form (name -> list of values) with the `getlist` RequestValidator expects."""

    def getlist(self, name: str) -> list[str]:
        return self[name]


class Rejected(Exception):
    """A post refused before its signature could be trusted: `status` is the HTTP answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def signature_shape_ok(signature: str) -> bool:
    """X-Twilio-Signature is base64 of an HMAC-SHA1: 28 characters, 20 bytes."""
    if len(signature) != 28:
        return False
    try:
        return len(base64.b64decode(signature, validate=True)) == 20
    except (binascii.Error, ValueError):
        return False


def bounded_form(body: bytes, max_body: int, max_fields: int) -> Params:
    """Decode a form post once, refusing (Rejected 413) before any decoding when it is too big
    or has too many fields; blank fields kept (see module docstring)."""
    if len(body) > max_body:
        raise Rejected(413, "form too large")
    if body.count(b"&") + 1 > max_fields:
        raise Rejected(413, "too many form fields")
    try:
        pairs = parse_qsl(
            body.decode("utf-8", errors="replace"),
            keep_blank_values=True,
            max_num_fields=max_fields,
        )
    except ValueError as exc:  # a separator parse_qsl counts differently; same answer
        raise Rejected(413, "too many form fields") from exc
    params = Params()
    for name, value in pairs:
        params.setdefault(name, []).append(value)
    return params


def candidate_urls(request: Any, public_base_url: str) -> list[str]:
    """URLs Twilio may have signed: the configured public one, then the proxy-forwarded one."""
    path = request.path + (f"?{request.query_string}" if request.query_string else "")
    urls = []
    if public_base_url:
        urls.append(public_base_url.rstrip("/") + path)
    proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip()
    host = request.headers.get("x-forwarded-host", "").split(",")[0].strip() or request.headers.get(
        "host", ""
    )
    if host:
        scheme = proto or urlsplit(public_base_url).scheme or request.scheme
        urls.append(f"{scheme}://{host}{path}")
    return list(dict.fromkeys(urls))


def split_address(address: str) -> tuple[str, str]:
    """`whatsapp:+62812…` -> ("+62812…", "whatsapp"); `+62812…` -> ("+62812…", "sms")."""
    address = address.strip()
    if address.lower().startswith(WHATSAPP_PREFIX):
        return address[len(WHATSAPP_PREFIX) :].strip(), "whatsapp"
    return address, "sms"


def first(params: dict[str, list[str]], name: str) -> str:
    values = params.get(name) or [""]
    return values[0]


def media_from(params: dict[str, list[str]]) -> list[dict[str, str]]:
    try:
        count = int(first(params, "NumMedia") or 0)
    except ValueError:
        count = 0
    media = []
    for i in range(min(count, 10)):
        url = first(params, f"MediaUrl{i}")
        if url:
            media.append({"url": url, "content_type": first(params, f"MediaContentType{i}")})
    return media


def location_from(params: dict[str, list[str]]) -> dict[str, Any] | None:
    try:
        lat, lon = float(first(params, "Latitude")), float(first(params, "Longitude"))
    except ValueError:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    location: dict[str, Any] = {"latitude": lat, "longitude": lon}
    for field in ("Address", "Label"):
        if first(params, field):
            location[field.lower()] = first(params, field)
    return location


class TwilioWebhook:
    """Authenticates and reads one Twilio form post; the gateway app does the rest."""

    channel = "twilio"

    def __init__(
        self, auth_token: str, public_base_url: str, max_body: int = 65536, max_fields: int = 200
    ) -> None:
        from twilio.request_validator import RequestValidator

        self.validator = RequestValidator(auth_token)
        self.public_base_url = public_base_url.rstrip("/")
        self.max_body = max_body
        self.max_fields = max_fields

    def read(self, request: Any, body: bytes) -> Params:
        """The authenticated form of one post, or Rejected (413 too big, 403 not signed).

        Order = cost: length, signature header shape and field count are decided on the raw
        bytes; the form is decoded once, bounded, and that one decoding is both what the
        signature is checked on and what the message is read from."""
        if len(body) > self.max_body:
            raise Rejected(413, "form too large")
        signature = request.headers.get("x-twilio-signature", "")
        if not signature_shape_ok(signature):
            raise Rejected(403, "missing or malformed signature")
        params = bounded_form(body, self.max_body, self.max_fields)
        if not self.authentic(request, params, signature):
            raise Rejected(403, "invalid signature")
        return params

    def authentic(self, request: Any, params: Params, signature: str) -> bool:
        return bool(signature) and any(
            self.validator.validate(url, params, signature)
            for url in candidate_urls(request, self.public_base_url)
        )

    def envelope(self, params: dict[str, list[str]]) -> tuple[str, str | None, Envelope | None]:
        """(outcome, dedup key, turn envelope or None) for an authenticated form."""
        message_sid = first(params, "MessageSid") or first(params, "SmsMessageSid")
        sender, mode = split_address(first(params, "From"))
        if not message_sid or not E164.match(sender):
            return "bad_request", None, None
        key = f"twilio:{message_sid}"
        if first(params, "OptOutType").upper() == "STOP":
            return "opted_out", key, None  # Twilio itself blocks further messages and confirms
        metadata: dict[str, Any] = {"channel": mode}
        media = media_from(params)
        if media:
            metadata["media"] = media
            images = [m for m in media if m["content_type"].startswith("image/")]
            if images:
                metadata["photo"] = images[0]
        location = location_from(params) if mode == "whatsapp" else None
        if location:
            metadata["location"] = location
        body = first(params, "Body").strip()
        if mode == "whatsapp" and first(params, "ButtonPayload"):
            body = first(params, "ButtonPayload")
        if not body and "media" not in metadata and "location" not in metadata:
            return "ignored", key, None
        turn = Envelope(
            self.channel,
            TURN,
            sender,
            body,
            mode=mode,
            to=first(params, "To"),
            metadata=metadata,
            message_id=message_sid,
        )
        return "turn", key, turn
