"""python -m channels.gateway: serve the provider webhooks (see channels/gateway/__init__.py)."""

from __future__ import annotations

import argparse
import logging

from layani.pii import install_log_masking
from layani.settings import load


def main(argv: list[str] | None = None) -> None:
    settings = load()
    parser = argparse.ArgumentParser(description="Layani provider webhook gateway")
    parser.add_argument("--host", default=settings.rasa_host)
    parser.add_argument("--port", type=int, default=settings.webhook_port)
    parser.add_argument("--log-level", default=settings.log_level)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    install_log_masking()
    from channels.gateway.app import build_app

    app = build_app(settings)
    logging.getLogger("channels.gateway").info(
        "Webhook gateway on http://%s:%s, turns forwarded to %s",
        args.host,
        args.port,
        settings.rasa_url,
    )
    app.run(host=args.host, port=args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
