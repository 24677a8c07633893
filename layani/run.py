"""Start Layani: action server, Rasa server (web chat, REST, API), webhook gateway, console.

`make run` calls this after `tooling.train --if-stale`. Each part runs as its own process so a
crash in one is visible and Ctrl-C (SIGINT/SIGTERM) stops all of them cleanly. The webhook
gateway (channels/gateway) answers Telegram and Twilio in its own small process and hands the
turns to the Rasa server, so provider acknowledgements never wait behind NLU inference.

Secrets: the embedded profile generates each missing one (LAYANI_API_TOKEN, LAYANI_OUTBOUND_TOKEN,
LAYANI_TURN_TOKEN, LAYANI_ACTION_TOKEN) into var/secrets.env (mode 0600, reused by the next
run) and prints only that path, never a token: terminal output ends up in scroll-back,
screenshots and CI logs. Each process gets only the secrets it uses. The production profile
generates nothing: a missing secret stops the launcher before anything starts (fail closed),
and the REST channel stays off unless LAYANI_REST_ENABLED=1 with LAYANI_REST_TOKEN.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from layani import settings
from layani.model_files import model_path
from layani.paths import ROOT, VAR_DIR

EMBEDDED_DEFAULTS = {
    "RASA_PORT": "5005",
    "ACTION_PORT": "5055",
    "CONSOLE_PORT": "5006",
    "WEBHOOK_PORT": "5007",
    # One TensorFlow thread per pool: inference on one message gains little from more, and idle
    # pool threads spin; on a small machine that CPU is better left to the webhook gateway.
    "TF_INTRA_OP_PARALLELISM_THREADS": "1",
    "TF_INTER_OP_PARALLELISM_THREADS": "1",
    # TensorFlow's oneDNN kernels: on these machines' AVX-512 CPUs they held 165 MB more of the
    # Rasa server's memory and parsed no faster; the same intents and confidences without them
    # (docs/performance.md, "Memory on an AVX-512 host").
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "RASA_TRACKER_DB": str(VAR_DIR / "tracker.db"),
    "DATABASE_URL": f"sqlite:///{VAR_DIR / 'layani.db'}",
}
PRODUCTION_DEFAULTS = {
    **EMBEDDED_DEFAULTS,
    "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test",
    "POSTGRES_HOST": "127.0.0.1",
    "POSTGRES_PORT": "5432",
    "POSTGRES_DB": "test",
    "POSTGRES_USER": "postgres",
    "POSTGRES_PASSWORD": "",
    "POSTGRES_LOGIN_DB": "test",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "REDIS_HOST": "127.0.0.1",
    "REDIS_PORT": "6379",
    "REDIS_LOCK_DB": "1",
    "SANIC_WORKERS": "2",
}


GENERATED_SECRETS = (
    "LAYANI_API_TOKEN",
    "LAYANI_OUTBOUND_TOKEN",
    "LAYANI_TURN_TOKEN",
    "LAYANI_ACTION_TOKEN",
)
ALL_SECRETS = (*GENERATED_SECRETS, "LAYANI_REST_TOKEN")
# Which secrets each process needs; the others are removed from its environment.
PROCESS_SECRETS: dict[str, tuple[str, ...]] = {
    "actions": ("LAYANI_ACTION_TOKEN",),
    "rasa": ALL_SECRETS,
    "webhooks": ("LAYANI_TURN_TOKEN",),
    "console": ("LAYANI_API_TOKEN", "LAYANI_OUTBOUND_TOKEN"),
}
SECRETS_FILE = settings.load().secrets_file


def load_dotenv(path: Path = ROOT / ".env") -> dict[str, str]:
    values: dict[str, str] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def build_env(profile: str, base: dict[str, str] | None = None) -> dict[str, str]:
    env = settings.process_environment() if base is None else dict(base)
    for key, value in load_dotenv().items():
        env.setdefault(key, value)
    defaults = PRODUCTION_DEFAULTS if profile == "production" else EMBEDDED_DEFAULTS
    for key, value in defaults.items():
        env.setdefault(key, value)
    env["LAYANI_PROFILE"] = profile
    if profile != "production":
        env.setdefault("LAYANI_REST_ENABLED", "1")  # localhost only; production opts in
    env.setdefault("ACTION_SERVER_URL", f"http://127.0.0.1:{env['ACTION_PORT']}/webhook")
    env.setdefault("RASA_URL", f"http://127.0.0.1:{env['RASA_PORT']}")
    env.setdefault("LAYANI_ROOT", str(ROOT))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    return env


def ensure_secrets(profile: str, env: dict[str, str], path: Path = SECRETS_FILE) -> list[str]:
    """Fill in the missing secrets of `env`; return the names generated (never print values).

    Embedded: reuse var/secrets.env, generate what is still missing, write the file (0600).
    Production: generate nothing; SystemExit naming what the operator must set."""
    if profile == "production":
        missing = [name for name in GENERATED_SECRETS if not env.get(name)]
        if missing:
            raise SystemExit(
                f"Production profile: set {', '.join(missing)} (see .env.example); "
                "Layani does not start with an unprotected API."
            )
        return []
    stored = load_dotenv(path)
    generated = []
    for name in GENERATED_SECRETS:
        if env.get(name):
            continue
        if stored.get(name):
            env[name] = stored[name]
        else:
            env[name] = stored[name] = secrets.token_urlsafe(32)
        generated.append(name)
    if generated:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("# Generated by `make run` (layani/run.py); keep private.\n")
            handle.writelines(f"{k}={v}\n" for k, v in sorted(stored.items()))
        os.chmod(path, 0o600)  # also when the file existed with wider permissions
    return generated


def process_env(name: str, env: dict[str, str]) -> dict[str, str]:
    """`env` without the secrets process `name` does not use."""
    keep = PROCESS_SECRETS.get(name, ())
    return {k: v for k, v in env.items() if k not in ALL_SECRETS or k in keep}


def commands(profile: str, env: dict[str, str], model: Path) -> dict[str, list[str]]:
    py = sys.executable
    endpoints = ROOT / ("endpoints.production.yml" if profile == "production" else "endpoints.yml")
    procs = {
        "actions": [py, "-m", "layani.action_server", "--port", env["ACTION_PORT"]],
        "rasa": [
            py,
            "-m",
            "layani.server",
            "--model",
            str(model),
            "--endpoints",
            str(endpoints),
            "--port",
            env["RASA_PORT"],
        ],
    }
    if provider_channels(env):
        procs["webhooks"] = gateway_command(env)
    if (ROOT / "console" / "__main__.py").exists():
        procs["console"] = [py, "-m", "console", "--port", env["CONSOLE_PORT"]]
    return procs


def gateway_command(env: dict[str, str]) -> list[str]:
    """The webhook gateway (channels/gateway) on WEBHOOK_PORT."""
    return [sys.executable, "-m", "channels.gateway", "--port", env["WEBHOOK_PORT"]]


def provider_channels(env: dict[str, str]) -> list[str]:
    """Telegram/Twilio, when configured: they are served by the webhook gateway process."""
    wanted = {
        "telegram": ("TELEGRAM_BOT_TOKEN", "TELEGRAM_SECRET_TOKEN"),
        "twilio": ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL"),
    }
    return [name for name, keys in wanted.items() if all(env.get(k) for k in keys)]


def wait_http(
    url: str, timeout: float, procs: dict[str, subprocess.Popen], token: str = ""
) -> bool:
    deadline = time.time() + timeout
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    while time.time() < deadline:
        for name, proc in procs.items():
            if proc.poll() is not None:
                raise SystemExit(f"{name} exited with code {proc.returncode}; see its output above")
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=2):
                return True
        except OSError:
            time.sleep(1)
    return False


def stop(procs: dict[str, subprocess.Popen]) -> None:
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.time() + 15
    for proc in procs.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            proc.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Start Layani")
    parser.add_argument("--profile", choices=["embedded", "production"], default="embedded")
    args = parser.parse_args(argv)

    env = build_env(args.profile)
    generated = ensure_secrets(args.profile, env)
    if generated:
        print(f"Generated {', '.join(generated)} for this run: see {SECRETS_FILE} (mode 0600)")
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    model = model_path()
    if not model.exists():
        raise SystemExit(f"No model at {model}; run `make train` first")

    if env["DATABASE_URL"]:
        migrate = [sys.executable, "-m", "storage.migrate"]
        subprocess.run(migrate, env=process_env("actions", env), check=False, cwd=ROOT)

    procs: dict[str, subprocess.Popen] = {}
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        for name, cmd in commands(args.profile, env, model).items():
            procs[name] = subprocess.Popen(cmd, env=process_env(name, env), cwd=ROOT)
        rasa_url = env["RASA_URL"]
        if wait_http(f"{rasa_url}/status", 900, procs, token=env["LAYANI_API_TOKEN"]):
            print("\n" + "=" * 64)
            print(f"  Layani is running ({args.profile} profile)")
            print(f"  Web chat:      {rasa_url}/chat")
            if env.get("LAYANI_REST_ENABLED", "").lower() in ("1", "true", "yes", "on"):
                print(f"  REST channel:  POST {rasa_url}/webhooks/rest/webhook")
            for name in provider_channels(env) if "webhooks" in procs else []:
                print(
                    f"  {name.capitalize() + ':':14} POST http://127.0.0.1:{env['WEBHOOK_PORT']}"
                    f"/webhooks/{name}/webhook"
                )
            if "console" in procs:
                print(f"  Staff console: http://127.0.0.1:{env['CONSOLE_PORT']}/")
            print("  Stop with Ctrl-C")
            print("=" * 64 + "\n", flush=True)
        while all(p.poll() is None for p in procs.values()):
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        print("\nStopping Layani...")
        return 0
    finally:
        stop(procs)


if __name__ == "__main__":
    sys.exit(main())
