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


REST_PREFIX = "rest:"  # channels/rest.py puts every REST sender in its own namespace


@dataclass
class Stack:
    """A running action server + Rasa server. `rest()` sends one message over the REST channel.

    Secrets travel in `Authorization: Bearer` headers: `token` (LAYANI_API_TOKEN, Rasa's admin
    API), `outbound_token`, `turn_token`, and `rest_token` when the REST channel has one.
    A REST sender `x` is the conversation `rest:x`; `tracker(x)` and `conversation_id(x)` know
    that for every sender this stack talked to over REST.
    """

    url: str
    token: str
    env: dict[str, str]
    logs: dict[str, Path]
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    webhook_url: str = ""  # the webhook gateway (Telegram, Twilio), as layani/run.py starts it
    rest_senders: set[str] = field(default_factory=set)

    @property
    def outbound_token(self) -> str:
        return self.env.get("LAYANI_OUTBOUND_TOKEN", "")

    @property
    def turn_token(self) -> str:
        return self.env.get("LAYANI_TURN_TOKEN", "")

    @property
    def rest_token(self) -> str:
        return self.env.get("LAYANI_REST_TOKEN", "")

    def api_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def outbound_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.outbound_token}"}

    def conversation_id(self, sender: str) -> str:
        """The tracker id of `sender`: `rest:<sender>` for a sender used over REST."""
        return REST_PREFIX + sender if sender in self.rest_senders else sender

    def rest_post(self, payload: object, headers: dict[str, str] | None = None) -> httpx.Response:
        """One raw POST to the REST channel (with the REST token, if any, unless overridden)."""
        auth = {"Authorization": f"Bearer {self.rest_token}"} if self.rest_token else {}
        return httpx.post(
            f"{self.url}/webhooks/rest/webhook",
            json=payload,
            headers={**auth, **(headers or {})},
            timeout=60,
        )

    def rest(self, sender: str, text: str, metadata: dict | None = None) -> list[dict]:
        payload = {"sender": sender, "message": text}
        if metadata:
            payload["metadata"] = metadata
        self.rest_senders.add(sender)
        response = self.rest_post(payload)
        response.raise_for_status()
        return response.json()

    def texts(self, sender: str, text: str) -> list[str]:
        return [m.get("text", "") for m in self.rest(sender, text)]

    def tracker(self, sender: str) -> dict:
        response = httpx.get(
            f"{self.url}/conversations/{self.conversation_id(sender)}/tracker",
            headers=self.api_headers(),
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
            f"{self.url}/model/parse", headers=self.api_headers(), json={"text": text}, timeout=30
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
        "rasa": f"{stack.url}/status",
        "webhooks": f"{stack.webhook_url}/health",
    }
    deadline = time.time() + timeout
    while time.time() < deadline:
        proc = stack.procs[name]
        if proc.poll() is not None:
            raise RuntimeError(
                f"{name} exited ({proc.returncode}):\n{stack.logs[name].read_text()[-4000:]}"
            )
        headers = stack.api_headers() if name == "rasa" else {}
        try:
            if httpx.get(urls[name], headers=headers, timeout=2).status_code == 200:
                status = httpx.get(urls[name], headers=headers, timeout=2)
                if name != "rasa" or status.json().get("model_id"):
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
    from layani.paths import VAR_DIR
    from layani.pii_key import generated_key
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
            "LAYANI_OUTBOUND_TOKEN": secrets.token_urlsafe(16),
            "LAYANI_TURN_TOKEN": secrets.token_urlsafe(16),
            "LAYANI_ACTION_TOKEN": secrets.token_urlsafe(16),
            # The key the test process itself falls back to (var/pii.key), so tests can read
            # what the stack sealed; given explicitly because PostgreSQL stacks need one.
            "LAYANI_PII_KEY": env.get("LAYANI_PII_KEY") or generated_key(VAR_DIR),
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


@dataclass
class BareServer:
    """`python -m layani.server` without a model: its routes, middleware and channels answer,
    turns do nothing (no agent). For tests of what happens before a turn (authentication,
    limits, validation): it starts in seconds instead of the minute a model takes."""

    proc: subprocess.Popen
    url: str
    env: dict[str, str]
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            _signal_group(self.proc, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        _signal_group(self.proc, signal.SIGKILL)
        self.proc.wait()


def bare_server_env(workdir: Path, profile: str = "production", **overrides: str) -> dict[str, str]:
    """The launcher's environment for `profile`, on free ports and files under `workdir`, with
    fresh API, outbound and turn tokens; `overrides` last (an empty value removes the name)."""
    from layani.run import build_env

    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "TWILIO_", "LAYANI_REST_", "LAYANI_TRUSTED_"))
    }
    env = build_env(profile, base)
    port = free_port()
    env.update(
        {
            "RASA_PORT": str(port),
            "RASA_URL": f"http://127.0.0.1:{port}",
            "ACTION_SERVER_URL": "http://127.0.0.1:9/webhook",
            "RASA_TRACKER_DB": str(workdir / "tracker.db"),
            "DATABASE_URL": f"sqlite:///{workdir / 'layani.db'}",
            "REDIS_URL": "",
            "LAYANI_API_TOKEN": secrets.token_urlsafe(16),
            "LAYANI_OUTBOUND_TOKEN": secrets.token_urlsafe(16),
            "LAYANI_TURN_TOKEN": secrets.token_urlsafe(16),
            "LAYANI_ACTION_TOKEN": secrets.token_urlsafe(16),
            "LOG_LEVEL": "DEBUG",
            "SANIC_WORKERS": "1",
        }
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v != ""}


def server_command(env: dict[str, str]) -> list[str]:
    """The server without a model; embedded stores (the profile's rules come from the env)."""
    model = ROOT / "models" / "no-such-model.tar.gz"
    port = env["RASA_PORT"]
    endpoints = str(ROOT / "endpoints.yml")
    args = ["--model", str(model), "--port", port, "--endpoints", endpoints]
    return [sys.executable, "-m", "layani.server", *args]


def start_bare_server(env: dict[str, str], log: Path, timeout: float = 180) -> BareServer:
    """Start the server of `bare_server_env` and wait until `/` answers."""
    server = BareServer(_spawn(server_command(env), env, log), env["RASA_URL"], env, log)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"server exited ({server.proc.returncode}):\n{server.log_text()}")
        try:
            if httpx.get(f"{server.url}/", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"server not ready after {timeout}s:\n{server.log_text()[-4000:]}")
