"""Start the Rasa SDK action server for the `actions` package: masked logs, Bearer secret.

Why a guard: an action receives the whole conversation from its caller and trusts it, so a
caller that can reach the action server can claim any sender and input channel and have
`action_check_status` list that citizen's tickets. Rasa SDK 3.6 has no authentication; Rasa
sends `Authorization: Bearer $LAYANI_ACTION_TOKEN` (the `headers` of `action_endpoint` in
endpoints*.yml) and this server refuses every other caller. Without the secret it does not
start. `/health` stays open for load balancers.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from layani import settings
from layani.bearer import check_bearer
from layani.pii import install_log_masking

OPEN_PATHS = ("/health",)


def install_action_guard(app: Any, token: str) -> None:
    """Every route but /health needs `Authorization: Bearer <token>`."""

    async def guard(request: Any) -> Any:
        if request.path in OPEN_PATHS:
            return None
        return check_bearer(request, token)

    app.register_middleware(guard, "request")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    conf = settings.load()
    parser.add_argument("--port", type=int, default=conf.action_port)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--log-level", default=conf.log_level)
    args = parser.parse_args(argv)

    token = conf.action_token
    if not token:
        raise SystemExit(
            "LAYANI_ACTION_TOKEN is not set: the action server would run any caller's actions. "
            "`make run` generates it; in production set the same value for Rasa and here."
        )
    install_log_masking()
    from rasa_sdk import utils
    from rasa_sdk.endpoint import create_app

    utils.configure_colored_logging(args.log_level.upper())
    logging.getLogger("layani").setLevel(args.log_level.upper())
    # As rasa_sdk.endpoint.run, with the guard; bound to loopback unless told otherwise.
    app = create_app("actions", cors_origins=None, auto_reload=False)
    install_action_guard(app, token)
    logging.getLogger(__name__).info(
        "Action server on http://%s:%s (Bearer LAYANI_ACTION_TOKEN)", args.host, args.port
    )
    app.run(args.host, args.port, workers=utils.number_of_sanic_workers())


if __name__ == "__main__":
    main()
