"""Rasa server entry point with Layani's channels and extra routes.

Why not plain `rasa run`: Layani's connectors reuse the built-in channel names (`telegram`,
`twilio`, `socketio`, `rest`) as credentials keys and URL paths, a channel is enabled only when
its environment variables are set, and the server also serves the web chat page, the
outbound API the console and notifier use, and `/webhooks/<telegram|twilio>/turn`, where the
webhook gateway (channels/gateway, its own process) hands over provider messages. Everything
else is Rasa's own `configure_app` and agent loading, so behaviour matches
`rasa run --enable-api`.

Run: python -m layani.server --model models/x.tar.gz --port 5005 --endpoints endpoints.yml
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import re
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from layani.paths import ROOT
from layani.pii import install_log_masking

logger = logging.getLogger("layani.server")

# Credentials key -> connector class. Layani's own connectors replace Rasa's built-ins
# (see channels/ for why); `rest` stays Rasa's.
CHANNEL_CLASSES: dict[str, str] = {
    "rest": "rasa.core.channels.rest.RestInput",
    "socketio": "channels.socketio.SocketIOInput",
    "telegram": "channels.telegram.TelegramInput",
    "twilio": "channels.twilio.TwilioInput",
}

# Modules exposing `blueprint() -> sanic.Blueprint`, mounted at the server root when present.
EXTRA_BLUEPRINTS: list[str] = [
    "channels.webchat_page",
    "channels.outbound_api",
]

_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")


def _import(path: str) -> Any:
    module_name, _, attr = path.rpartition(".")
    return getattr(importlib.import_module(module_name), attr)


def _expand(value: Any, env: dict[str, str]) -> Any:
    if isinstance(value, str):
        return _VAR.sub(lambda m: env[m.group(1)], value)
    if isinstance(value, dict):
        return {k: _expand(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, env) for v in value]
    return value


def _missing_vars(value: Any, env: dict[str, str]) -> list[str]:
    text = yaml.safe_dump(value) if value is not None else ""
    return sorted({name for name in _VAR.findall(text) if not env.get(name)})


def load_input_channels(credentials_file: Path, env: dict[str, str] | None = None) -> list[Any]:
    """Create each channel of `credentials_file` whose `${VAR}`s are all set; log the others."""
    env = dict(os.environ if env is None else env)
    raw = yaml.safe_load(credentials_file.read_text(encoding="utf-8")) or {}
    channels = []
    for name, creds in raw.items():
        missing = _missing_vars(creds, env)
        if missing:
            logger.info("Channel %s disabled: set %s to enable it", name, ", ".join(missing))
            continue
        if name not in CHANNEL_CLASSES:
            raise ValueError(f"Unknown channel '{name}' in {credentials_file}")
        try:
            cls = _import(CHANNEL_CLASSES[name])
        except (ImportError, AttributeError) as exc:
            if name in ("rest",):
                raise
            logger.warning("Channel %s unavailable: %s", name, exc)
            continue
        channels.append(cls.from_credentials(_expand(creds or {}, env)))
        logger.info("Channel %s enabled at /webhooks/%s/webhook", name, name)
    return channels


def _mount_extra_blueprints(app: Any) -> None:
    for module_name in EXTRA_BLUEPRINTS:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            if exc.name != module_name:
                raise
            continue
        app.blueprint(module.blueprint())


def build_app(args: argparse.Namespace) -> Any:
    from rasa.core import agent as rasa_agent
    from rasa.core.run import close_resources, configure_app, load_agent_on_start
    from rasa.core.utils import AvailableEndpoints

    endpoints = AvailableEndpoints.read_endpoints(args.endpoints)
    input_channels = load_input_channels(Path(args.credentials))
    app = configure_app(
        input_channels,
        cors=args.cors,
        auth_token=args.auth_token or None,
        enable_api=True,
        port=args.port,
        endpoints=endpoints,
        response_timeout=args.response_timeout,
    )
    app.ctx.layani_api_token = args.auth_token
    _mount_extra_blueprints(app)
    app.register_listener(
        partial(load_agent_on_start, args.model, endpoints, None), "before_server_start"
    )
    app.register_listener(close_resources, "after_server_stop")
    del rasa_agent
    return app, endpoints


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--endpoints", default=str(ROOT / "endpoints.yml"))
    parser.add_argument("--credentials", default=str(ROOT / "credentials.yml"))
    parser.add_argument("--host", default=os.environ.get("RASA_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("RASA_PORT", "5005")))
    parser.add_argument("--auth-token", default=os.environ.get("LAYANI_API_TOKEN", ""))
    # LAYANI_ALLOWED_ORIGINS (sites embedding the web chat) is the CORS list; RASA_CORS, deprecated.
    origins = os.environ.get("LAYANI_ALLOWED_ORIGINS", "").replace(",", " ").split()
    parser.add_argument("--cors", nargs="*", default=origins or os.environ.get("RASA_CORS", None))
    parser.add_argument("--response-timeout", type=int, default=3600)
    parser.add_argument("--log-level", default=os.environ.get("LOG_LEVEL", "INFO"))
    args = parser.parse_args(argv)

    import rasa.core.utils
    import rasa.utils.common

    install_log_masking()
    rasa.utils.common.configure_logging_and_warnings(logging.getLevelName(args.log_level.upper()))
    # As `rasa run` does: without this, Rasa's structlog events print at debug level whatever
    # LOG_LEVEL says, which costs CPU on every turn under load.
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.getLevelName(args.log_level.upper()))
    # As `rasa run` does: TF_INTER_OP_PARALLELISM_THREADS / TF_INTRA_OP_PARALLELISM_THREADS cap
    # TensorFlow's thread pools (the launcher sets them so turns leave a core to the gateway).
    from rasa.utils.tensorflow.environment import setup_tf_environment

    setup_tf_environment()
    app, endpoints = build_app(args)
    workers = rasa.core.utils.number_of_sanic_workers(endpoints.lock_store if endpoints else None)
    logger.info(
        "Starting Layani Rasa server on http://%s:%s (%s workers)", args.host, args.port, workers
    )
    app.run(host=args.host, port=args.port, workers=workers, access_log=False)


if __name__ == "__main__":
    main()
