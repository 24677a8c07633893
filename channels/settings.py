"""Channel settings, read from the environment in one place (names in .env.example).

Provider credentials come through credentials.yml (`${VAR}`); these are the channel layer's
knobs and the outbound API base URLs, with defaults that suit the embedded profile.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from layani.paths import VAR_DIR


@dataclass(frozen=True)
class ChannelSettings:
    redis_url: str
    rate_limit: str
    dedup_ttl: float
    turn_concurrency: int
    send_attempts: int
    send_timeout: float
    send_backoff: float
    dead_letter_file: Path
    public_base_url: str
    telegram_api_base_url: str
    twilio_api_base_url: str
    twilio_sms_number: str
    twilio_whatsapp_number: str
    twilio_whatsapp_template_sid: str
    rasa_url: str
    turn_token: str  # LAYANI_TURN_TOKEN: the gateway's hand-off to POST /webhooks/<ch>/turn
    webhook_port: int
    turn_timeout: float
    handoff_patience: float
    gateway_id: str
    # Webhook gateway bounds (docs/channels.md, "Bounds"): what one request or a burst may cost.
    twilio_max_body: int  # bytes of one Twilio form post (real ones are a few KB)
    twilio_max_fields: int  # fields of one Twilio form post (real ones have about 20-40)
    telegram_max_body: int  # bytes of one Telegram update
    gateway_max_queued: int  # messages waiting for the assistant, all citizens together
    gateway_max_per_citizen: int  # messages waiting for the assistant, one citizen
    journal_ttl: float  # seconds a gateway journal entry (Redis) is kept at most
    dead_letter_days: float  # days a dead letter is kept
    # Bounds of the Rasa server's turn queue (web chat, REST, gateway hand-offs); 0 = unbounded.
    max_queued_turns: int  # LAYANI_MAX_QUEUED_TURNS: turns queued or running, all senders
    max_queued_per_sender: int  # LAYANI_MAX_QUEUED_PER_SENDER: the same, one conversation
    webchat_session_limit: str  # LAYANI_WEBCHAT_SESSION_LIMIT: new web chat sessions per address


def load() -> ChannelSettings:
    env = os.environ.get
    return ChannelSettings(
        redis_url=env("REDIS_URL", ""),
        rate_limit=env("LAYANI_RATE_LIMIT", "20/60"),
        dedup_ttl=float(env("LAYANI_DEDUP_TTL", str(24 * 3600))),
        turn_concurrency=int(env("LAYANI_TURN_CONCURRENCY", "4")),
        send_attempts=int(env("LAYANI_SEND_ATTEMPTS", "3")),
        send_timeout=float(env("LAYANI_SEND_TIMEOUT", "10")),
        send_backoff=float(env("LAYANI_SEND_BACKOFF", "0.5")),
        dead_letter_file=Path(env("LAYANI_DEAD_LETTER_FILE", str(VAR_DIR / "dead_letters.jsonl"))),
        public_base_url=env("PUBLIC_BASE_URL", "").rstrip("/"),
        telegram_api_base_url=env("TELEGRAM_API_BASE_URL", "https://api.telegram.org").rstrip("/"),
        twilio_api_base_url=env("TWILIO_API_BASE_URL", "https://api.twilio.com").rstrip("/"),
        twilio_sms_number=env("TWILIO_SMS_NUMBER", ""),
        twilio_whatsapp_number=env("TWILIO_WHATSAPP_NUMBER", ""),
        twilio_whatsapp_template_sid=env("TWILIO_WHATSAPP_TEMPLATE_SID", ""),
        # The webhook gateway (channels/gateway) hands turns to the Rasa server at RASA_URL.
        rasa_url=env("RASA_URL", f"http://127.0.0.1:{env('RASA_PORT', '5005')}").rstrip("/"),
        turn_token=env("LAYANI_TURN_TOKEN", ""),
        webhook_port=int(env("WEBHOOK_PORT", "5007")),
        turn_timeout=float(env("LAYANI_TURN_TIMEOUT", "300")),
        handoff_patience=float(env("LAYANI_HANDOFF_PATIENCE", "900")),
        gateway_id=env("LAYANI_GATEWAY_ID", "default"),
        twilio_max_body=int(env("LAYANI_TWILIO_MAX_BODY", str(64 * 1024))),
        twilio_max_fields=int(env("LAYANI_TWILIO_MAX_FIELDS", "200")),
        telegram_max_body=int(env("LAYANI_TELEGRAM_MAX_BODY", str(256 * 1024))),
        gateway_max_queued=int(env("LAYANI_GATEWAY_MAX_QUEUED", "2000")),
        gateway_max_per_citizen=int(env("LAYANI_GATEWAY_MAX_PER_CITIZEN", "20")),
        journal_ttl=float(env("LAYANI_JOURNAL_TTL", str(24 * 3600))),
        dead_letter_days=float(env("LAYANI_DEAD_LETTER_DAYS", "30")),
        max_queued_turns=int(env("LAYANI_MAX_QUEUED_TURNS", "300")),
        max_queued_per_sender=int(env("LAYANI_MAX_QUEUED_PER_SENDER", "5")),
        webchat_session_limit=env("LAYANI_WEBCHAT_SESSION_LIMIT", "30/60"),
    )
