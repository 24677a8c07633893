"""The action server runs actions only for Rasa: a caller that reaches its port could otherwise
send a made-up conversation ("sender +62…, input channel twilio") and read that citizen's
tickets through `action_check_status`."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest
from support.stack import ROOT, free_port

TRACKER = {
    "next_action": "action_check_status",
    "tracker": {
        "sender_id": "+6281234567890",
        "slots": {},
        "latest_message": {"text": "cek status", "intent": {"name": "check_status"}},
        "events": [],
        "latest_input_channel": "twilio",
        "latest_action_name": "action_listen",
        "paused": False,
        "followup_action": None,
        "active_loop": {},
    },
    "domain": {},
    "version": "3.6.0",
}


def _start(env: dict[str, str], port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "layani.action_server", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def test_action_server_refuses_to_start_without_its_secret():
    env = {k: v for k, v in os.environ.items() if k != "LAYANI_ACTION_TOKEN"}
    proc = _start(env, free_port())
    output, _ = proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert b"LAYANI_ACTION_TOKEN is not set" in output


@pytest.fixture(scope="module")
def action_server(tmp_path_factory):
    port = free_port()
    workdir = tmp_path_factory.mktemp("actions")
    env = {
        **os.environ,
        "LAYANI_ACTION_TOKEN": "rahasia-aksi",
        "DATABASE_URL": f"sqlite:///{workdir / 'layani.db'}",
    }
    subprocess.run([sys.executable, "-m", "storage.migrate"], env=env, cwd=ROOT, check=False)
    proc = _start(env, port)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        proc.kill()
        raise RuntimeError(proc.stdout.read().decode(errors="replace")[-3000:])
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.mark.parametrize(
    "headers, status",
    [
        ({}, 401),
        ({"Authorization": "Bearer wrong"}, 403),
        ({"Authorization": "rahasia-aksi"}, 401),
    ],
)
def test_webhook_refuses_callers_without_the_secret(action_server, headers, status):
    response = httpx.post(f"{action_server}/webhook", json=TRACKER, headers=headers, timeout=30)
    assert response.status_code == status
    assert "responses" not in response.text


def test_webhook_answers_rasa_with_the_secret(action_server):
    response = httpx.post(
        f"{action_server}/webhook",
        json=TRACKER,
        headers={"Authorization": "Bearer rahasia-aksi"},
        timeout=30,
    )
    assert response.status_code == 200
    assert "responses" in response.json()
    assert httpx.get(f"{action_server}/health", timeout=5).status_code == 200
    assert httpx.get(f"{action_server}/actions", timeout=5).status_code == 401
