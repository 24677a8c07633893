"""All configuration comes from the environment; this is the one module that reads it.

Why one module: two readers of one variable drift apart (the channel layer once stripped a
trailing `/` from RASA_URL and the notifier did not). `load()` builds one frozen `Settings`;
every name it reads is in `VARIABLES`, listed in `.env.example` and in docs/deployment.md
("Configuration"); tests/unit/test_settings_single_reader.py fails on any other reader.

Defaults are the embedded profile: SQLite under `var/`, in-memory stores, services on
127.0.0.1. Secrets default to empty, and an empty secret fails closed where it is used.
`layani.paths` reads LAYANI_ROOT itself: every path here (and this module) depends on it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from layani.paths import VAR_DIR

# Read from the environment by Rasa itself, not by Layani's Python: `${VAR}` in the endpoints
# files (tests/unit/test_settings_single_reader.py reads those) and these. Listed in
# `.env.example` because the launcher sets them for the Rasa server.
READ_BY_RASA = (
    "SANIC_WORKERS",
    "TF_INTRA_OP_PARALLELISM_THREADS",
    "TF_INTER_OP_PARALLELISM_THREADS",
    "TF_ENABLE_ONEDNN_OPTS",
)


@dataclass(frozen=True)
class Settings:
    # --- Where things are ---
    profile: str  # LAYANI_PROFILE, set by the launcher; unset counts as production (fail closed)
    database_url: str
    redis_url: str  # empty: in-memory stores (one process only)
    rasa_url: str  # without a trailing "/"
    rasa_host: str
    rasa_port: int
    action_port: int
    console_host: str
    console_port: int
    webhook_port: int
    public_base_url: str  # without a trailing "/"
    log_level: str
    packs: str  # LAYANI_PACKS: comma-separated agency packs, or "all"
    # --- Secrets (empty = unset; each user refuses or answers 503 without its own) ---
    api_token: str  # Rasa's admin HTTP API (LAYANI_API_TOKEN)
    outbound_token: str  # POST /layani/outbound: console and notifier (LAYANI_OUTBOUND_TOKEN)
    turn_token: str  # POST /webhooks/<channel>/turn: the webhook gateway (LAYANI_TURN_TOKEN)
    action_token: str  # the action server: only the Rasa server may call it
    rest_token: str  # the REST channel, when enabled (LAYANI_REST_TOKEN)
    secrets_file: Path  # where `make run` keeps the secrets it generated
    pii_encryption_key: str  # LAYANI_PII_KEY
    # --- REST channel and web chat on the open internet ---
    rest_enabled: bool  # LAYANI_REST_ENABLED; the embedded profile turns it on, production off
    rest_rate_limit: str  # LAYANI_REST_RATE_LIMIT: requests per client address per seconds
    allowed_origins: tuple[str, ...]  # LAYANI_ALLOWED_ORIGINS: sites that may embed the web chat
    rasa_cors: tuple[str, ...]  # RASA_CORS: deprecated alias of LAYANI_ALLOWED_ORIGINS
    trusted_proxies: tuple[str, ...]  # LAYANI_TRUSTED_PROXIES: whose X-Forwarded-For is believed
    webchat_session_limit: str  # LAYANI_WEBCHAT_SESSION_LIMIT: new web chat sessions per address
    # --- Providers (a channel is on when its credentials are set) ---
    telegram_bot_token: str
    telegram_secret_token: str
    telegram_api_base_url: str  # without a trailing "/"
    twilio_account_sid: str
    twilio_auth_token: str
    twilio_sms_number: str
    twilio_whatsapp_number: str
    twilio_api_base_url: str  # without a trailing "/"
    twilio_whatsapp_template_sid: str
    # --- Channel layer (docs/channels.md) ---
    rate_limit: str  # messages per sender per seconds
    dedup_ttl: float
    turn_concurrency: int
    send_attempts: int
    send_timeout: float
    send_backoff: float
    dead_letter_file: Path
    dead_letter_days: float  # days a dead letter is kept
    # Bounds of the Rasa server's turn queue (web chat, REST, gateway hand-offs); 0 = unbounded.
    max_queued_turns: int  # LAYANI_MAX_QUEUED_TURNS: turns queued or running, all senders
    max_queued_per_sender: int  # LAYANI_MAX_QUEUED_PER_SENDER: the same, one conversation
    # --- Webhook gateway (docs/channels.md, "Bounds": what one request or a burst may cost) ---
    turn_timeout: float  # seconds the gateway waits for one turn on the Rasa server
    handoff_patience: float  # seconds it keeps retrying while Rasa is down or loading
    parse_cache_size: int  # short digit-free messages whose NLU result the Rasa server reuses
    gateway_id: str  # one per replica (its Redis journal)
    twilio_max_body: int  # bytes of one Twilio form post (real ones are a few KB)
    twilio_max_fields: int  # fields of one Twilio form post (real ones have about 20-40)
    telegram_max_body: int  # bytes of one Telegram update
    gateway_max_queued: int  # messages waiting for the assistant, all citizens together
    gateway_max_per_citizen: int  # messages waiting for the assistant, one citizen
    journal_ttl: float  # seconds a gateway journal entry (Redis) is kept at most
    # --- Complaints, handoff, console, privacy ---
    sla_default_days: int
    sla_file: str
    handoff_config: str
    console_secure_cookies: bool
    # LAYANI_CONVERSATION_RETENTION_DAYS: `layani conversations purge` deletes conversations idle
    # longer than this (docs/privacy.md).
    conversation_retention_days: int
    fault_file: str  # LAYANI_FAULT_FILE: crash points of the crash test only (faults.py)


class _Reader:
    """Reads one mapping and remembers every name asked for (that list is `VARIABLES`)."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.names: list[str] = []

    def text(self, name: str, default: str = "") -> str:
        self.names.append(name)
        return self.env.get(name, default)

    def flag(self, name: str) -> bool:
        return self.text(name).strip().lower() in ("1", "true", "yes", "on")

    def items(self, name: str) -> tuple[str, ...]:
        """Comma- or space-separated values, e.g. LAYANI_ALLOWED_ORIGINS."""
        return tuple(v for v in self.text(name).replace(",", " ").split() if v)

    def url(self, name: str, default: str = "") -> str:
        return self.text(name, default).rstrip("/")


def _build(r: _Reader) -> Settings:
    rasa_port = int(r.text("RASA_PORT", "5005"))
    return Settings(
        profile=r.text("LAYANI_PROFILE", "production"),
        database_url=r.text("DATABASE_URL", f"sqlite:///{VAR_DIR / 'layani.db'}"),
        redis_url=r.text("REDIS_URL"),
        rasa_url=r.url("RASA_URL", f"http://127.0.0.1:{rasa_port}"),
        rasa_host=r.text("RASA_HOST", "127.0.0.1"),
        rasa_port=rasa_port,
        action_port=int(r.text("ACTION_PORT", "5055")),
        console_host=r.text("CONSOLE_HOST", "127.0.0.1"),
        console_port=int(r.text("CONSOLE_PORT", "5006")),
        webhook_port=int(r.text("WEBHOOK_PORT", "5007")),
        public_base_url=r.url("PUBLIC_BASE_URL"),
        log_level=r.text("LOG_LEVEL", "INFO"),
        packs=r.text("LAYANI_PACKS", "all"),
        api_token=r.text("LAYANI_API_TOKEN"),
        outbound_token=r.text("LAYANI_OUTBOUND_TOKEN"),
        turn_token=r.text("LAYANI_TURN_TOKEN"),
        action_token=r.text("LAYANI_ACTION_TOKEN"),
        rest_token=r.text("LAYANI_REST_TOKEN"),
        secrets_file=Path(r.text("LAYANI_SECRETS_FILE", str(VAR_DIR / "secrets.env"))),
        pii_encryption_key=r.text("LAYANI_PII_KEY"),
        rest_enabled=r.flag("LAYANI_REST_ENABLED"),
        rest_rate_limit=r.text("LAYANI_REST_RATE_LIMIT", "60/60"),
        allowed_origins=r.items("LAYANI_ALLOWED_ORIGINS"),
        rasa_cors=r.items("RASA_CORS"),
        trusted_proxies=r.items("LAYANI_TRUSTED_PROXIES"),
        webchat_session_limit=r.text("LAYANI_WEBCHAT_SESSION_LIMIT", "30/60"),
        telegram_bot_token=r.text("TELEGRAM_BOT_TOKEN"),
        telegram_secret_token=r.text("TELEGRAM_SECRET_TOKEN"),
        telegram_api_base_url=r.url("TELEGRAM_API_BASE_URL", "https://api.telegram.org"),
        twilio_account_sid=r.text("TWILIO_ACCOUNT_SID"),
        twilio_auth_token=r.text("TWILIO_AUTH_TOKEN"),
        twilio_sms_number=r.text("TWILIO_SMS_NUMBER"),
        twilio_whatsapp_number=r.text("TWILIO_WHATSAPP_NUMBER"),
        twilio_api_base_url=r.url("TWILIO_API_BASE_URL", "https://api.twilio.com"),
        twilio_whatsapp_template_sid=r.text("TWILIO_WHATSAPP_TEMPLATE_SID"),
        rate_limit=r.text("LAYANI_RATE_LIMIT", "20/60"),
        dedup_ttl=float(r.text("LAYANI_DEDUP_TTL", str(24 * 3600))),
        turn_concurrency=int(r.text("LAYANI_TURN_CONCURRENCY", "4")),
        send_attempts=int(r.text("LAYANI_SEND_ATTEMPTS", "3")),
        send_timeout=float(r.text("LAYANI_SEND_TIMEOUT", "10")),
        send_backoff=float(r.text("LAYANI_SEND_BACKOFF", "0.5")),
        dead_letter_file=Path(
            r.text("LAYANI_DEAD_LETTER_FILE", str(VAR_DIR / "dead_letters.jsonl"))
        ),
        dead_letter_days=float(r.text("LAYANI_DEAD_LETTER_DAYS", "30")),
        max_queued_turns=int(r.text("LAYANI_MAX_QUEUED_TURNS", "300")),
        max_queued_per_sender=int(r.text("LAYANI_MAX_QUEUED_PER_SENDER", "5")),
        turn_timeout=float(r.text("LAYANI_TURN_TIMEOUT", "300")),
        handoff_patience=float(r.text("LAYANI_HANDOFF_PATIENCE", "900")),
        parse_cache_size=int(r.text("LAYANI_PARSE_CACHE_SIZE", "4096")),
        gateway_id=r.text("LAYANI_GATEWAY_ID", "default"),
        twilio_max_body=int(r.text("LAYANI_TWILIO_MAX_BODY", str(64 * 1024))),
        twilio_max_fields=int(r.text("LAYANI_TWILIO_MAX_FIELDS", "200")),
        telegram_max_body=int(r.text("LAYANI_TELEGRAM_MAX_BODY", str(256 * 1024))),
        gateway_max_queued=int(r.text("LAYANI_GATEWAY_MAX_QUEUED", "2000")),
        gateway_max_per_citizen=int(r.text("LAYANI_GATEWAY_MAX_PER_CITIZEN", "20")),
        journal_ttl=float(r.text("LAYANI_JOURNAL_TTL", str(24 * 3600))),
        sla_default_days=int(r.text("LAYANI_SLA_DAYS", "5")),
        sla_file=r.text("LAYANI_SLA_FILE"),
        handoff_config=r.text("LAYANI_HANDOFF_CONFIG"),
        console_secure_cookies=r.flag("CONSOLE_SECURE_COOKIES"),
        conversation_retention_days=int(r.text("LAYANI_CONVERSATION_RETENTION_DAYS", "90")),
        fault_file=r.text("LAYANI_FAULT_FILE"),
    )


def _variables() -> tuple[str, ...]:
    reader = _Reader({})
    _build(reader)
    return tuple(reader.names)


# Every environment variable `load` reads, in the order it reads them.
VARIABLES = _variables()

_cached: tuple[tuple[str | None, ...], Settings] | None = None


def load(env: Mapping[str, str] | None = None) -> Settings:
    """The settings of `env`, or of this process's environment when `env` is None.

    The process's settings are built once and the same object is returned while the variables
    in `VARIABLES` keep their values. Why not build once forever: a few commands set variables
    after import (`layani conversations purge` applies the launcher's profile), and tests set
    them per test; a stale object there would silently use the wrong database or key.
    """
    global _cached
    if env is not None:
        return _build(_Reader(env))
    key = tuple(map(os.environ.get, VARIABLES))  # ~50 us, what one build used to cost
    if _cached is None or _cached[0] != key:
        _cached = (key, _build(_Reader(os.environ)))
    return _cached[1]


def process_environment() -> dict[str, str]:
    """A copy of the whole environment, for the two places that pass it on rather than read it:
    the launcher's child processes (layani/run.py) and `${VAR}` in credentials.yml, which Rasa's
    channels expand (layani/server.py)."""
    return dict(os.environ)
