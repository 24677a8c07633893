"""POST /layani/outbound: send a message to a citizen on their own channel, and record it.

Used by the staff console (a staff member's reply) and `layani.notify` (status updates).

    Authorization: Bearer <LAYANI_OUTBOUND_TOKEN>
    {"sender_id": "+628123...", "text": "...", "buttons": [{"title", "payload"}]?, "staff": "..."?}

The channel is the one the citizen last wrote from (the latest user message's metadata
`channel`, else its input channel), so an SMS citizen gets an SMS and a WhatsApp citizen a
WhatsApp message. The message is stored in the tracker as a `BotUttered` (with metadata
`staff` when given) under the conversation lock, so it shows in the transcript in order with
the bot's own turns. Answers: 200 delivered; 200 with `delivered: false` for channels that cannot
push (REST); 400 malformed; 401 no token; 403 wrong token; 404 unknown conversation; 502 the
provider refused after retries (nothing recorded); 503 LAYANI_OUTBOUND_TOKEN is not set on the
server (fail closed). The token is its own: the admin API token and the gateway's turn token are
refused here, and this one is refused there.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.layer.outbound import RAISE_ON_FAILURE, SendError
from layani.bearer import check_bearer
from layani.identity import citizen_channel as identity_channel
from layani.pii import mask_text

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 4000
MAX_BUTTONS = 10


class BadRequest(ValueError):
    pass


def check_token(request: Request) -> HTTPResponse | None:
    """The outbound API's own secret, LAYANI_OUTBOUND_TOKEN (set on app.ctx by layani.server)."""
    return check_bearer(request, getattr(request.app.ctx, "layani_outbound_token", "") or "")


def json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object; anything else is a BadRequest (a 400, never a 500)."""
    try:
        body = request.json
    except Exception as exc:  # sanic raises InvalidUsage on bad JSON
        raise BadRequest("body must be JSON") from exc
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    return body


def parse_body(request: Request) -> tuple[str, str, list[dict[str, str]], str | None]:
    body = json_object(request)
    sender_id, text = body.get("sender_id"), body.get("text")
    if not isinstance(sender_id, str) or not sender_id.strip():
        raise BadRequest("sender_id must be a non-empty string")
    if not isinstance(text, str) or not text.strip():
        raise BadRequest("text must be a non-empty string")
    if len(text) > MAX_TEXT_CHARS:
        raise BadRequest(f"text longer than {MAX_TEXT_CHARS} characters")
    buttons = body.get("buttons") or []
    if not isinstance(buttons, list) or len(buttons) > MAX_BUTTONS:
        raise BadRequest(f"buttons must be a list of at most {MAX_BUTTONS}")
    for button in buttons:
        if not (
            isinstance(button, dict)
            and isinstance(button.get("title"), str)
            and isinstance(button.get("payload"), str)
            and button["title"].strip()
            and button["payload"].strip()
        ):
            raise BadRequest("each button needs a non-empty title and payload")
    staff = body.get("staff")
    if staff is not None and not isinstance(staff, str):
        raise BadRequest("staff must be a string")
    buttons = [{"title": b["title"], "payload": b["payload"]} for b in buttons]
    return sender_id.strip(), text, buttons, staff


def citizen_channel(tracker: Any) -> str | None:
    """`sms`, `whatsapp`, `telegram`, `socketio`, `rest`… from the latest user message.

    Rasa's input channel, refined by `metadata.channel` only where the connector set it
    (layani.identity), so a message cannot redirect staff replies by naming another channel."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return identity_channel(event.input_channel, (event.metadata or {}).get("channel"))
    return None


def output_channel_for(app: Any, channel: str | None) -> Any:
    """The output channel that can reach a citizen on `channel`, or None if it cannot push."""
    for input_channel in getattr(app.ctx, "input_channels", []) or []:
        for_channel = getattr(input_channel, "output_channel_for", None)
        if for_channel is not None:
            output = for_channel(channel)
            if output is not None:
                return output
        elif input_channel.name() == channel and channel != "rest":
            return input_channel.get_output_channel()
    return None


def blueprint() -> Blueprint:
    bp = Blueprint("layani_outbound_api")

    @bp.post("/layani/outbound")
    async def outbound(request: Request) -> HTTPResponse:
        denied = check_token(request)
        if denied is not None:
            return denied
        try:
            sender_id, text, buttons, staff = parse_body(request)
        except BadRequest as exc:
            return response.json({"error": str(exc)}, status=400)

        agent = request.app.ctx.agent
        if agent is None or agent.tracker_store is None:
            return response.json({"error": "assistant not ready"}, status=503)
        tracker = await agent.tracker_store.retrieve(sender_id)
        if tracker is None or not any(isinstance(e, UserUttered) for e in tracker.events):
            return response.json({"error": "unknown conversation"}, status=404)

        channel = citizen_channel(tracker)
        output = output_channel_for(request.app, channel)
        message: dict[str, Any] = {"text": text}
        if buttons:
            message["buttons"] = buttons
        delivered = False
        if output is not None:
            token = RAISE_ON_FAILURE.set(True)
            try:
                await output.send_response(sender_id, dict(message))
                flush = getattr(output, "flush", None)  # Twilio renders a turn's messages at once
                if flush is not None:
                    await flush(sender_id)
                delivered = True
            except SendError as exc:
                logger.error("Outbound to %s failed: %s", mask_text(sender_id), exc)
                return response.json({"error": "delivery failed", "channel": channel}, status=502)
            finally:
                RAISE_ON_FAILURE.reset(token)

        metadata: dict[str, Any] = {"channel": channel}
        if staff:
            metadata["staff"] = staff
        data = {"buttons": buttons} if buttons else {}
        async with agent.lock_store.lock(sender_id):
            tracker = await agent.tracker_store.retrieve(sender_id)
            tracker.update(BotUttered(text, data, metadata))
            await agent.tracker_store.save(tracker)
        return response.json({"delivered": delivered, "channel": channel, "recorded": True})

    return bp
