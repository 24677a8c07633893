"""POST /webhooks/<channel>/turn on the Rasa server: run one turn the gateway forwarded.

Why: provider webhooks are answered by the gateway process (channels/gateway), which imports
neither Rasa nor TensorFlow, so acknowledgements never wait for the GIL or the CPU the turns
use. The gateway then forwards each message (an `Envelope`) here and waits; this route answers
once the turn has run and its replies went out, so the gateway can send the citizen's next
message in order.

Only the gateway may call it: Bearer LAYANI_TURN_TOKEN, its own secret (the admin API and outbound
tokens are refused), so nobody who can reach the Rasa port can speak for a citizen. Answers: 200
the turn ran (or nothing was to be done); 401/403 token; 400 not an envelope; 503 the model is
not loaded yet or the queue is full (the gateway retries), or LAYANI_TURN_TOKEN is not set on
the server (fail closed); 500 the turn failed (logged here; the gateway dead-letters it).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.envelope import Envelope
from channels.layer import Busy, drain_on_stop, get_layer
from layani.bearer import check_bearer

logger = logging.getLogger(__name__)

Job = Callable[[], Awaitable[Any]]


def add_turn_route(bp: Blueprint, make_job: Callable[[Envelope], Job | None]) -> None:
    """Mount `/turn` on a connector blueprint; `make_job(envelope)` builds the turn to run."""

    @bp.route("/turn", methods=["POST"])
    async def turn(request: Request) -> HTTPResponse:
        denied = check_bearer(request, getattr(request.app.ctx, "layani_turn_token", "") or "")
        if denied is not None:
            return denied
        agent = getattr(request.app.ctx, "agent", None)
        if agent is None or not agent.is_ready():
            return response.json({"error": "assistant not ready"}, status=503)
        try:
            envelope = Envelope.from_wire(request.json)
        except Exception:  # sanic raises InvalidUsage on bad JSON; from_wire ValueError
            return response.json({"error": "not a turn envelope"}, status=400)
        job = make_job(envelope)
        if job is None:
            return response.json({"status": "ignored"})
        try:
            await get_layer().run(envelope.sender_id, job)
        except Busy:  # the turn queue is full: nothing ran, the gateway retries a 503
            return response.json({"error": "busy"}, status=503)
        except Exception as exc:
            logger.exception("Turn forwarded by the gateway failed")
            return response.json({"error": type(exc).__name__}, status=500)
        return response.json({"status": "done"})


def forwarded_turns_blueprint(name: str, make_job: Callable[[Envelope], Job | None]) -> Blueprint:
    """A provider connector's blueprint on the Rasa server: health and `/turn` only.

    The provider's webhook itself is the gateway's (channels/gateway); what reaches the Rasa
    server is the gateway's forwarded envelope, so both Telegram and Twilio mount the same two
    routes and drain their turns on stop.
    """
    bp = Blueprint(name, __name__)
    drain_on_stop(bp)

    @bp.route("/", methods=["GET"])
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    add_turn_route(bp, make_job)
    return bp
