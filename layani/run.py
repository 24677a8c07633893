"""Start Layani: action server, Rasa server (web chat, REST, API), webhook gateway, console.

`make run` calls this after `layani.train --if-stale`. Each part runs as its own process so a
crash in one is visible and Ctrl-C (SIGINT/SIGTERM) stops all of them cleanly. The webhook
gateway (channels/gateway) answers Telegram and Twilio in its own small process and hands the
turns to the Rasa server, so provider acknowledgements never wait behind NLU inference.
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

from layani.paths import ROOT, VAR_DIR
from layani.train import model_path

EMBEDDED_DEFAULTS = {
    "RASA_PORT": "5005",
    "ACTION_PORT": "5055",
    "CONSOLE_PORT": "5006",
    "WEBHOOK_PORT": "5007",
    # One TensorFlow thread per pool: inference on one message gains little from more, and idle
    # pool threads spin; on a small machine that CPU is better left to the webhook gateway.
    "TF_INTRA_OP_PARALLELISM_THREADS": "1",
    "TF_INTER_OP_PARALLELISM_THREADS": "1",
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
    env = dict(os.environ if base is None else base)
    for key, value in load_dotenv().items():
        env.setdefault(key, value)
    defaults = PRODUCTION_DEFAULTS if profile == "production" else EMBEDDED_DEFAULTS
    for key, value in defaults.items():
        env.setdefault(key, value)
    env.setdefault("ACTION_SERVER_URL", f"http://127.0.0.1:{env['ACTION_PORT']}/webhook")
    env.setdefault("RASA_URL", f"http://127.0.0.1:{env['RASA_PORT']}")
    env.setdefault("LAYANI_ROOT", str(ROOT))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    return env


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


def wait_http(url: str, timeout: float, procs: dict[str, subprocess.Popen]) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        for name, proc in procs.items():
            if proc.poll() is not None:
                raise SystemExit(f"{name} exited with code {proc.returncode}; see its output above")
        try:
            with urllib.request.urlopen(url, timeout=2):
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
    if not env.get("LAYANI_API_TOKEN"):
        env["LAYANI_API_TOKEN"] = secrets.token_urlsafe(24)
        print(f"LAYANI_API_TOKEN was not set; generated for this run: {env['LAYANI_API_TOKEN']}")
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    model = model_path()
    if not model.exists():
        raise SystemExit(f"No model at {model}; run `make train` first")

    if env["DATABASE_URL"]:
        subprocess.run([sys.executable, "-m", "storage.migrate"], env=env, check=False, cwd=ROOT)

    procs: dict[str, subprocess.Popen] = {}
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        for name, cmd in commands(args.profile, env, model).items():
            procs[name] = subprocess.Popen(cmd, env=env, cwd=ROOT)
        rasa_url = env["RASA_URL"]
        if wait_http(f"{rasa_url}/status?token={env['LAYANI_API_TOKEN']}", 900, procs):
            print("\n" + "=" * 64)
            print(f"  Layani is running ({args.profile} profile)")
            print(f"  Web chat:      {rasa_url}/chat")
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
