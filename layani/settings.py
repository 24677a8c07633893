"""All configuration comes from the environment; this is the one module that reads it.

Names are listed in `.env.example`. Defaults are the embedded profile: SQLite under `var/`,
in-memory stores, services on 127.0.0.1.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from layani.paths import VAR_DIR


def _get(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def _flag(name: str, default: str = "0") -> bool:
    return _get(name, default).strip().lower() in ("1", "true", "yes", "on")


def _list(name: str) -> tuple[str, ...]:
    """Comma- or space-separated values, e.g. LAYANI_ALLOWED_ORIGINS."""
    return tuple(v for v in _get(name).replace(",", " ").split() if v)


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str
    rasa_url: str
    api_token: str  # Rasa's admin HTTP API (LAYANI_API_TOKEN)
    outbound_token: str  # POST /layani/outbound: console and notifier (LAYANI_OUTBOUND_TOKEN)
    turn_token: str  # POST /webhooks/<channel>/turn: the webhook gateway (LAYANI_TURN_TOKEN)
    rest_token: str  # the REST channel, when enabled (LAYANI_REST_TOKEN)
    rest_enabled: bool  # LAYANI_REST_ENABLED; the embedded profile turns it on, production off
    allowed_origins: tuple[str, ...]  # LAYANI_ALLOWED_ORIGINS: sites that may embed the web chat
    trusted_proxies: tuple[str, ...]  # LAYANI_TRUSTED_PROXIES: whose X-Forwarded-For is believed
    action_port: int
    rasa_port: int
    console_port: int
    public_base_url: str
    telegram_bot_token: str
    telegram_secret_token: str
    telegram_api_base_url: str
    twilio_account_sid: str
    twilio_auth_token: str
    twilio_sms_number: str
    twilio_whatsapp_number: str
    twilio_api_base_url: str
    twilio_whatsapp_template_sid: str
    pii_encryption_key: str
    sla_default_days: int
    sla_file: str
    handoff_config: str
    console_secure_cookies: bool
    # LAYANI_CONVERSATION_RETENTION_DAYS: `layani conversations purge` deletes conversations idle
    # longer than this (docs/privacy.md).
    conversation_retention_days: int


def load() -> Settings:
    rasa_port = int(_get("RASA_PORT", "5005"))
    return Settings(
        database_url=_get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'layani.db'}"),
        redis_url=_get("REDIS_URL", ""),
        rasa_url=_get("RASA_URL", f"http://127.0.0.1:{rasa_port}"),
        api_token=_get("LAYANI_API_TOKEN"),
        outbound_token=_get("LAYANI_OUTBOUND_TOKEN"),
        turn_token=_get("LAYANI_TURN_TOKEN"),
        rest_token=_get("LAYANI_REST_TOKEN"),
        rest_enabled=_flag("LAYANI_REST_ENABLED"),
        allowed_origins=_list("LAYANI_ALLOWED_ORIGINS"),
        trusted_proxies=_list("LAYANI_TRUSTED_PROXIES"),
        action_port=int(_get("ACTION_PORT", "5055")),
        rasa_port=rasa_port,
        console_port=int(_get("CONSOLE_PORT", "5006")),
        public_base_url=_get("PUBLIC_BASE_URL").rstrip("/"),
        telegram_bot_token=_get("TELEGRAM_BOT_TOKEN"),
        telegram_secret_token=_get("TELEGRAM_SECRET_TOKEN"),
        telegram_api_base_url=_get("TELEGRAM_API_BASE_URL", "https://api.telegram.org"),
        twilio_account_sid=_get("TWILIO_ACCOUNT_SID"),
        twilio_auth_token=_get("TWILIO_AUTH_TOKEN"),
        twilio_sms_number=_get("TWILIO_SMS_NUMBER"),
        twilio_whatsapp_number=_get("TWILIO_WHATSAPP_NUMBER"),
        twilio_api_base_url=_get("TWILIO_API_BASE_URL", "https://api.twilio.com"),
        twilio_whatsapp_template_sid=_get("TWILIO_WHATSAPP_TEMPLATE_SID"),
        pii_encryption_key=_get("LAYANI_PII_KEY"),
        sla_default_days=int(_get("LAYANI_SLA_DAYS", "5")),
        sla_file=_get("LAYANI_SLA_FILE"),
        handoff_config=_get("LAYANI_HANDOFF_CONFIG"),
        console_secure_cookies=_flag("CONSOLE_SECURE_COOKIES"),
        conversation_retention_days=int(_get("LAYANI_CONVERSATION_RETENTION_DAYS", "90")),
    )
