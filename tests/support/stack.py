"""Start and stop Layani's processes for integration tests, and talk to them over HTTP."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Stack:
    """A running action server + Rasa server. `rest()` sends one message over the REST channel."""

    url: str
    token: str
    env: dict[str, str]
    logs: dict[str, Path]
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    webhook_url: str = ""  # the webhook gateway (Telegram, Twilio), as layani/run.py starts it

    def rest(self, sender: str, text: str, metadata: dict | None = None) -> list[dict]:
        payload = {"sender": sender, "message": text}
        if metadata:
            payload["metadata"] = metadata
        response = httpx.post(f"{self.url}/webhooks/rest/webhook", json=payload, timeout=60)
        response.raise_for_status()
        return response.json()

    def texts(self, sender: str, text: str) -> list[str]:
        return [m.get("text", "") for m in self.rest(sender, text)]

    def tracker(self, sender: str) -> dict:
        response = httpx.get(
            f"{self.url}/conversations/{sender}/tracker",
            params={"token": self.token},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()

    def stored_tracker(self, sender: str, user_turns: int = 1, timeout: float = 30) -> dict:
        """The tracker once it holds `user_turns` of the citizen's messages.

        Rasa sends a turn's replies before it saves the tracker, so a reply the citizen (or a
        fake provider) has seen does not yet mean the turn can be read back."""
        deadline = time.monotonic() + timeout
        while True:
            tracker = self.tracker(sender)
            turns = sum(1 for e in tracker["events"] if e["event"] == "user")
            if turns >= user_turns or time.monotonic() > deadline:
                return tracker
            time.sleep(0.1)

    def parse(self, text: str) -> dict:
        response = httpx.post(
            f"{self.url}/model/parse", params={"token": self.token}, json={"text": text}, timeout=30
        )
        response.raise_for_status()
        return response.json()

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.logs.values() if p.exists())

    def restart(self, name: str) -> None:
        """Kill one process hard (SIGKILL) and start it again with the same command."""
        proc = self.procs[name]
        _signal_group(proc, signal.SIGKILL)
        proc.wait()
        self.procs[name] = _spawn(proc.args, self.env, self.logs[name])
        _wait_ready(self, name)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                _signal_group(proc, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
            # Sanic workers (SANIC_WORKERS=2) are children of the server: without this they
            # outlived a killed parent and kept a model loaded for the rest of the test run.
            _signal_group(proc, signal.SIGKILL)
            proc.wait()


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    """Signal the process and every child it started (each stack process leads its group)."""
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def _spawn(cmd, env: dict[str, str], log: Path) -> subprocess.Popen:
    handle = open(log, "ab")
    return subprocess.Popen(
        cmd,
        env=env,
        cwd=ROOT,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait_ready(stack: Stack, name: str, timeout: float = 900) -> None:
    urls = {
        "actions": f"http://127.0.0.1:{stack.env['ACTION_PORT']}/health",
        "rasa": f"{stack.url}/status?token={stack.token}",
        "webhooks": f"{stack.webhook_url}/health",
    }
    deadline = time.time() + timeout
    while time.time() < deadline:
        proc = stack.procs[name]
        if proc.poll() is not None:
            raise RuntimeError(
                f"{name} exited ({proc.returncode}):\n{stack.logs[name].read_text()[-4000:]}"
            )
        try:
            if httpx.get(urls[name], timeout=2).status_code == 200:
                if name != "rasa" or httpx.get(urls[name], timeout=2).json().get("model_id"):
                    return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(
        f"{name} not ready after {timeout}s:\n{stack.logs[name].read_text()[-4000:]}"
    )


def start_stack(
    model: Path,
    workdir: Path,
    profile: str = "embedded",
    extra_env: dict[str, str] | None = None,
    ready_timeout: float = 900,
) -> Stack:
    from layani.run import build_env, gateway_command
    from layani.run import commands as launcher_commands

    base = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "TWILIO_"))}
    env = build_env(profile, base)
    env.update(
        {
            "RASA_PORT": str(free_port()),
            "ACTION_PORT": str(free_port()),
            "WEBHOOK_PORT": str(free_port()),
            "RASA_TRACKER_DB": str(workdir / "tracker.db"),
            "DATABASE_URL": f"sqlite:///{workdir / 'layani.db'}",
            "LAYANI_API_TOKEN": secrets.token_urlsafe(16),
            "LAYANI_PII_KEY": env.get("LAYANI_PII_KEY", ""),
            "LOG_LEVEL": "DEBUG",
        }
    )
    env.update(extra_env or {})
    env["RASA_URL"] = f"http://127.0.0.1:{env['RASA_PORT']}"
    env["ACTION_SERVER_URL"] = f"http://127.0.0.1:{env['ACTION_PORT']}/webhook"
    subprocess.run([sys.executable, "-m", "storage.migrate"], env=env, cwd=ROOT, check=False)
    stack = Stack(
        url=env["RASA_URL"],
        token=env["LAYANI_API_TOKEN"],
        env=env,
        logs={
            "actions": workdir / "actions.log",
            "rasa": workdir / "rasa.log",
            "webhooks": workdir / "webhooks.log",
        },
        webhook_url=f"http://127.0.0.1:{env['WEBHOOK_PORT']}",
    )
    # The launcher's own commands (layani/run.py); the gateway always runs here, so webhook tests
    # can switch channels on with extra_env.
    commands = launcher_commands(profile, env, model)
    commands["webhooks"] = gateway_command(env)
    for name in ("actions", "rasa", "webhooks"):
        stack.procs[name] = _spawn(commands[name], env, stack.logs[name])
    try:
        _wait_ready(stack, "webhooks", ready_timeout)
        _wait_ready(stack, "actions", ready_timeout)
        _wait_ready(stack, "rasa", ready_timeout)
    except Exception:
        stack.stop()
        raise
    return stack
