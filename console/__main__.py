"""`python -m console --port 5006`: run the staff console (started by `make run` too)."""

from __future__ import annotations

import argparse
import logging

from layani import settings
from layani.pii import install_log_masking


def main(argv: list[str] | None = None) -> None:
    conf = settings.load()
    parser = argparse.ArgumentParser(description="Layani staff console")
    parser.add_argument("--host", default=conf.console_host)
    parser.add_argument("--port", type=int, default=conf.console_port)
    parser.add_argument("--log-level", default=conf.log_level)
    args = parser.parse_args(argv)

    install_log_masking()
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    from aiohttp import web

    from console.app import create_app

    web.run_app(create_app(), host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
