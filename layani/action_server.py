"""Start the Rasa SDK action server for the `actions` package, with personal data masked in logs."""

from __future__ import annotations

import argparse
import logging
import os

from layani.pii import install_log_masking


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTION_PORT", "5055")))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--log-level", default=os.environ.get("LOG_LEVEL", "INFO"))
    args = parser.parse_args(argv)

    install_log_masking()
    from rasa_sdk import utils
    from rasa_sdk.endpoint import run

    utils.configure_colored_logging(args.log_level.upper())
    logging.getLogger("layani").setLevel(args.log_level.upper())
    # rasa_sdk reads its bind address from SANIC_HOST; default to loopback, not 0.0.0.0.
    os.environ.setdefault("SANIC_HOST", args.host)
    run("actions", port=args.port, cors_origins=None, auto_reload=False)


if __name__ == "__main__":
    main()
