"""Rasa server entry point with Layani's channels and extra routes.

Why not plain `rasa run`: Layani's connectors reuse the built-in channel names (`telegram`,
`twilio`, `socketio`, `rest`) as credentials keys and URL paths, a channel is enabled only when
its environment variables are set, and the server also serves the web chat page, the
outbound API the console and notifier use, and `/webhooks/<telegram|twilio>/turn`, where the
webhook gateway (channels/gateway, its own process) hands over provider messages. Everything
else is Rasa's own `configure_app` and agent loading, so behaviour matches
`rasa run --enable-api`.

Secrets (fail closed, all Bearer headers compared in constant time, never logged):
- LAYANI_API_TOKEN guards Rasa's admin HTTP API (trackers, /model, /status, ...): every route
  that is not on the citizen-facing allow-list (`PUBLIC_ROUTES`) needs it, checked by a request
  middleware; the server refuses to start without it. Rasa's own `?token=` check (compared with
  `==`, and the token ends up in access logs) is not used.
- LAYANI_OUTBOUND_TOKEN guards /layani/outbound and LAYANI_TURN_TOKEN the gateway's
  /webhooks/<channel>/turn; unset, that route answers 503 (logged at start-up).
- The REST channel is off unless LAYANI_REST_ENABLED=1, and then needs LAYANI_REST_TOKEN outside
  the embedded profile (LAYANI_PROFILE, set by the launcher; default production).

Run: python -m layani.server --model models/x.tar.gz --port 5005 --endpoints endpoints.yml
"""

from __future__ import annotations

import argparse
import importlib
import logging
import re
import sys
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from layani.bearer import check_bearer
from layani.paths import ROOT
from layani.pii import install_log_masking
from layani.settings import Settings, process_environment
from layani.settings import load as load_settings

logger = logging.getLogger("layani.server")


def channel_classes() -> dict[str, type]:
    """Credentials key -> connector class: every channel this server can run, in plain code.

    Layani's own connectors replace Rasa's built-ins (see channels/ for why). Imported when
    the server builds its app, not when this module is imported, so tools that only read
    `startup_errors` or the route rules do not load Rasa's channel stack.
    """
    from channels.rest import RestInput
    from channels.socketio import SocketIOInput
    from channels.telegram_turns import TelegramInput
    from channels.twilio_turns import TwilioInput

    return {
        "rest": RestInput,
        "socketio": SocketIOInput,
        "telegram": TelegramInput,
        "twilio": TwilioInput,
    }


# Routes anyone may call (Sanic route patterns, without the leading slash): the health check,
# the web chat page and its files, socket.io, the channels' webhooks and health checks, and the
# two routes that check their own token (/webhooks/<channel>/turn, /layani/outbound). Every
# other route is Rasa's admin API and needs LAYANI_API_TOKEN.
PUBLIC_ROUTES = re.compile(
    r"^(|chat|chat/static/[^/]+|socket\.io(/.*)?"
    r"|webhooks/[^/]+/?|webhooks/[^/]+/(webhook|turn)|layani/outbound)$"
)


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
    """Create each channel of `credentials_file` whose `${VAR}`s are all set; log the others.

    REST is on only with LAYANI_REST_ENABLED (channels/rest.py)."""
    env = process_environment() if env is None else dict(env)
    raw = yaml.safe_load(credentials_file.read_text(encoding="utf-8")) or {}
    classes = channel_classes()
    channels = []
    for name, creds in raw.items():
        missing = _missing_vars(creds, env)
        if name == "rest" and not load_settings(env).rest_enabled:
            logger.info("Channel rest disabled: set LAYANI_REST_ENABLED=1 to enable it")
            continue
        if missing:
            logger.info("Channel %s disabled: set %s to enable it", name, ", ".join(missing))
            continue
        if name not in classes:
            raise ValueError(f"Unknown channel '{name}' in {credentials_file}")
        channels.append(classes[name].from_credentials(_expand(creds or {}, env)))
        logger.info("Channel %s enabled at /webhooks/%s/webhook", name, name)
    return channels


def startup_errors(conf: Settings) -> list[str]:
    """Why the server must refuse to start: a secret the configuration needs is missing."""
    from channels.rest import config_errors

    errors = []
    if not conf.api_token:
        errors.append(
            "LAYANI_API_TOKEN is not set: Rasa's HTTP API (every conversation, /model) would "
            "be open to anyone. Set it (`make run` generates one into var/secrets.env)."
        )
    return errors + config_errors(conf)


def warn_missing_route_tokens(conf: Settings) -> None:
    """Routes with their own token answer 503 while it is unset; say so once, at start-up."""
    for name, token, route in (
        (
            "LAYANI_OUTBOUND_TOKEN",
            conf.outbound_token,
            "/layani/outbound (console replies, notifications)",
        ),
        ("LAYANI_TURN_TOKEN", conf.turn_token, "/webhooks/<channel>/turn (the webhook gateway)"),
    ):
        if not token:
            logger.error("%s is not set: %s is refused (503) until it is", name, route)


def install_api_guard(app: Any, api_token: str) -> None:
    """Every route outside PUBLIC_ROUTES needs `Authorization: Bearer <LAYANI_API_TOKEN>`.

    Runs after routing (Sanic 21.12), so it sees the matched route's pattern, not a path a
    client could dress up. For an unknown path Sanic runs it with no route, on the way to 404.
    """

    async def guard(request: Any) -> Any:
        route = getattr(request, "route", None)
        if route is None:
            return None  # no such route: Sanic answers 404 and runs no handler
        if PUBLIC_ROUTES.match(route.path.strip("/")):
            return None
        if request.method == "OPTIONS":
            return None  # CORS preflight carries no credentials and runs nothing
        return check_bearer(request, api_token)

    app.register_middleware(guard, "request")


def _mount_extra_blueprints(app: Any) -> None:
    """The routes beside the channels: the web chat page and the outbound API."""
    from channels import outbound_api, webchat_page

    app.blueprint(webchat_page.blueprint())
    app.blueprint(outbound_api.blueprint())


def require_tracker_store_class(config: Any, kind: str = "Tracker store") -> None:
    """Exit unless the configured custom tracker store imports.

    Why: Rasa falls back to an in-memory store with only a warning when a `type: module.Class`
    cannot be imported; conversations would then vanish on restart and the personal-data
    protection of `layani.tracker_store` would silently be gone.
    """
    store_type = getattr(config, "type", None) if config is not None else None
    if not store_type or "." not in str(store_type):
        return
    try:
        _import(str(store_type))
    except (ImportError, AttributeError) as exc:
        raise SystemExit(f"{kind} {store_type} cannot be loaded: {exc}") from exc


def require_lock_store_class(config: Any) -> None:
    """Exit unless the configured custom lock store imports: without the atomic lock
    (layani/lock_store.py) replicas could run two turns of one conversation at once."""
    require_tracker_store_class(config, kind="Lock store")


def build_app(args: argparse.Namespace) -> Any:
    from rasa.core import agent as rasa_agent
    from rasa.core.run import close_resources, configure_app, load_agent_on_start
    from rasa.core.utils import AvailableEndpoints

    from layani.action_client import ActionServerEndpoint

    settings = load_settings()
    endpoints = AvailableEndpoints.read_endpoints(args.endpoints)
    endpoints.action = ActionServerEndpoint.wrapping(endpoints.action)
    require_tracker_store_class(endpoints.tracker_store)
    require_lock_store_class(endpoints.lock_store)
    input_channels = load_input_channels(Path(args.credentials))
    # No auth_token here: Rasa's check reads `?token=` and compares with `==`; the API guard
    # below checks the Bearer header in constant time instead.
    app = configure_app(
        input_channels,
        cors=args.cors,
        auth_token=None,
        enable_api=True,
        port=args.port,
        endpoints=endpoints,
        response_timeout=args.response_timeout,
    )
    install_api_guard(app, settings.api_token)
    app.ctx.layani_outbound_token = settings.outbound_token
    app.ctx.layani_turn_token = settings.turn_token
    _mount_extra_blueprints(app)
    app.register_listener(
        partial(load_agent_on_start, args.model, endpoints, None), "before_server_start"
    )
    app.register_listener(close_resources, "after_server_stop")
    if endpoints.action is not None:

        async def close_action_session(_app: Any, _loop: Any) -> None:
            await endpoints.action.close()

        app.register_listener(close_action_session, "after_server_stop")
    del rasa_agent
    return app, endpoints


def main(argv: list[str] | None = None) -> None:
    conf = load_settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--endpoints", default=str(ROOT / "endpoints.yml"))
    parser.add_argument("--credentials", default=str(ROOT / "credentials.yml"))
    parser.add_argument("--host", default=conf.rasa_host)
    parser.add_argument("--port", type=int, default=conf.rasa_port)
    # LAYANI_ALLOWED_ORIGINS (sites embedding the web chat) is the CORS list; RASA_CORS, deprecated.
    origins = list(conf.allowed_origins or conf.rasa_cors) or None
    parser.add_argument("--cors", nargs="*", default=origins)
    parser.add_argument("--response-timeout", type=int, default=3600)
    parser.add_argument("--log-level", default=conf.log_level)
    args = parser.parse_args(argv)

    errors = startup_errors(conf)
    if errors:
        for error in errors:
            print(f"layani.server: {error}", file=sys.stderr)
        raise SystemExit(2)

    import rasa.core.utils
    import rasa.utils.common

    install_log_masking()
    warn_missing_route_tokens(conf)
    rasa.utils.common.configure_logging_and_warnings(logging.getLevelName(args.log_level.upper()))
    # As `rasa run` does: without this, Rasa's structlog events print at debug level whatever
    # LOG_LEVEL says, which costs CPU on every turn under load.
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.getLevelName(args.log_level.upper()))
    # As `rasa run` does: TF_INTER_OP_PARALLELISM_THREADS / TF_INTRA_OP_PARALLELISM_THREADS cap
    # TensorFlow's thread pools (the launcher sets them so turns leave a core to the gateway).
    from rasa.utils.tensorflow.environment import setup_tf_environment

    setup_tf_environment()
    from layani import parse_cache, rasa_speedups

    rasa_speedups.install()
    parse_cache.install(conf.parse_cache_size)
    app, endpoints = build_app(args)
    workers = rasa.core.utils.number_of_sanic_workers(endpoints.lock_store if endpoints else None)
    logger.info(
        "Starting Layani Rasa server on http://%s:%s (%s workers)", args.host, args.port, workers
    )
    app.run(host=args.host, port=args.port, workers=workers, access_log=False)


if __name__ == "__main__":
    main()
