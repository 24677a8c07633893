"""`layani telegram set-webhook|delete-webhook|info|poll`: operate the Telegram channel.

- set-webhook registers PUBLIC_BASE_URL/webhooks/telegram/webhook with TELEGRAM_SECRET_TOKEN, so
  Telegram sends the secret header our webhook checks (403 otherwise).
- poll is for local development without a public URL: it removes the webhook, long-polls
  getUpdates and forwards each update to the local webhook gateway with the secret header,
  so polling exercises exactly the same code path (checks, dedup, queue) as production.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from typing import Any

logger = logging.getLogger(__name__)

_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "telegram", help="set/delete the Telegram webhook, or poll locally"
    )
    commands = parser.add_subparsers(
        dest="telegram_command", metavar="<set-webhook|delete-webhook|info|poll>"
    )
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])

    setp = commands.add_parser(
        "set-webhook", help="register PUBLIC_BASE_URL's webhook with Telegram"
    )
    setp.add_argument(
        "--drop-pending", action="store_true", help="discard updates waiting at Telegram"
    )
    setp.set_defaults(func=lambda a: asyncio.run(set_webhook(drop_pending=a.drop_pending)))

    delp = commands.add_parser("delete-webhook", help="stop Telegram from calling the webhook")
    delp.set_defaults(func=lambda a: asyncio.run(delete_webhook()))

    info = commands.add_parser(
        "info", help="show Telegram's view of the webhook (pending updates, errors)"
    )
    info.set_defaults(func=lambda a: asyncio.run(webhook_info()))

    poll = commands.add_parser(
        "poll", help="local development: long-poll and forward to the local server"
    )
    poll.add_argument(
        "--webhook-url",
        "--rasa-url",
        dest="webhook_url",
        default=f"http://127.0.0.1:{os.environ.get('WEBHOOK_PORT', '5007')}",
        help="the local webhook gateway (channels/gateway)",
    )
    poll.add_argument("--once", action="store_true", help="one getUpdates round, then exit")
    poll.add_argument("--timeout", type=int, default=30, help="long-poll seconds")
    poll.set_defaults(func=lambda a: asyncio.run(poll_updates(a.webhook_url, a.once, a.timeout)))


def _config() -> tuple[str, str, str, str]:
    from layani.settings import load

    token = os.environ.get("TELEGRAM_BOT_TOKEN", "")
    secret = os.environ.get("TELEGRAM_SECRET_TOKEN", "")
    if not token or not secret:
        raise SystemExit(
            "Set TELEGRAM_BOT_TOKEN and TELEGRAM_SECRET_TOKEN first (see .env.example)"
        )
    if not _SECRET.match(secret):
        raise SystemExit("TELEGRAM_SECRET_TOKEN: 1-256 characters of A-Z, a-z, 0-9, _ and - only")
    settings = load()
    return token, secret, settings.public_base_url, settings.telegram_api_base_url


def _bot(token: str, api: str) -> Any:
    from channels.telegram_turns import make_bot

    return make_bot(token, api)


async def set_webhook(drop_pending: bool = False) -> int:
    from channels.telegram_turns import ALLOWED_UPDATES, webhook_url

    token, secret, public, api = _config()
    if not public.startswith("https://"):
        raise SystemExit("PUBLIC_BASE_URL must be the public https:// origin Telegram can reach")
    url = webhook_url(public)
    async with _bot(token, api) as bot:
        await bot.set_webhook(
            url=url,
            secret_token=secret,
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=drop_pending,
            max_connections=40,
        )
    print(f"Telegram webhook set to {url}")
    return 0


async def delete_webhook() -> int:
    token, _, _, api = _config()
    async with _bot(token, api) as bot:
        await bot.delete_webhook()
    print("Telegram webhook deleted")
    return 0


async def webhook_info() -> int:
    token, _, _, api = _config()
    async with _bot(token, api) as bot:
        info = await bot.get_webhook_info()
    print(f"url: {info.url or '(none)'}")
    print(f"pending updates: {info.pending_update_count}")
    if info.last_error_message:
        print(f"last error: {info.last_error_message}")
    return 0


async def poll_updates(webhook_url: str, once: bool = False, timeout: int = 30) -> int:
    import httpx

    from channels.telegram_turns import ALLOWED_UPDATES

    token, secret, _, api = _config()
    target = f"{webhook_url.rstrip('/')}/webhooks/telegram/webhook"
    offset: int | None = None
    async with _bot(token, api) as bot, httpx.AsyncClient(timeout=30) as client:
        await bot.delete_webhook()  # getUpdates is refused while a webhook is set
        print(f"Polling Telegram; forwarding updates to {target} (Ctrl-C to stop)", flush=True)
        while True:
            updates: list[Any] = await bot.get_updates(
                offset=offset, timeout=0 if once else timeout, allowed_updates=ALLOWED_UPDATES
            )
            for update in updates:
                body = update.to_dict()
                response = await client.post(
                    target, json=body, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
                )
                if response.status_code != 200:
                    logger.error(
                        "Local webhook answered %s for update %s",
                        response.status_code,
                        update.update_id,
                    )
                offset = update.update_id + 1
            if once:
                return 0
