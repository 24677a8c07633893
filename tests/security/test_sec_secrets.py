"""Secrets fail closed (issue 13, point 3).

The Rasa server refuses to start without LAYANI_API_TOKEN; its admin API answers only to
`Authorization: Bearer <LAYANI_API_TOKEN>` (never `?token=`); the admin, outbound and turn
tokens are three secrets, each refused where another is expected; no token is written to a
log. The server runs without a model (`start_bare_server`): every check here happens before
a turn.
"""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest
from support.stack import ROOT, bare_server_env, server_command, start_bare_server

pytestmark = pytest.mark.integration

TG_ENV = {"TELEGRAM_BOT_TOKEN": "7012345678:AAHfakeTokenForSecTests_0123456789"}
TG_ENV["TELEGRAM_SECRET_TOKEN"] = "sec-test-telegram-secret"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("sec-secrets")
    env = bare_server_env(workdir, "production", **TG_ENV)
    server = start_bare_server(env, workdir / "rasa.log")
    yield server
    server.stop()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_server_refuses_to_start_without_an_api_token(tmp_path):
    env = bare_server_env(tmp_path, "production", LAYANI_API_TOKEN="")
    result = subprocess.run(server_command(env), env=env, capture_output=True, timeout=120)
    assert result.returncode != 0
    assert b"LAYANI_API_TOKEN" in result.stderr


def test_admin_api_needs_the_bearer_header_not_a_query_token(server):
    token = server.env["LAYANI_API_TOKEN"]
    for path in ("/version", "/conversations/+6281234567890/tracker", "/domain"):
        url = f"{server.url}{path}"
        assert httpx.get(url, timeout=10).status_code == 401, path
        assert httpx.get(url, params={"token": token}, timeout=10).status_code == 401, path
        assert httpx.get(url, headers=bearer("wrong"), timeout=10).status_code == 403, path
    assert httpx.get(f"{server.url}/version", headers=bearer(token), timeout=10).status_code == 200
    # Loading a model is the most dangerous call: refused without the header.
    put = httpx.put(f"{server.url}/model", params={"token": token}, json={}, timeout=10)
    assert put.status_code == 401
    # The citizen-facing routes stay open.
    for path in ("/", "/chat", "/webhooks/telegram/"):
        assert httpx.get(f"{server.url}{path}", timeout=10).status_code == 200, path


def test_each_token_opens_only_its_own_door(server):
    api = server.env["LAYANI_API_TOKEN"]
    outbound = server.env["LAYANI_OUTBOUND_TOKEN"]
    turn = server.env["LAYANI_TURN_TOKEN"]
    admin_url = f"{server.url}/version"
    outbound_url = f"{server.url}/layani/outbound"
    turn_url = f"{server.url}/webhooks/telegram/turn"
    body = {"sender_id": "710000001", "text": "Halo"}
    envelope = {"kind": "turn", "sender_id": "710000001", "text": "halo"}

    for other in (outbound, turn):
        assert httpx.get(admin_url, headers=bearer(other), timeout=10).status_code == 403
    for other in (api, turn):
        response = httpx.post(outbound_url, json=body, headers=bearer(other), timeout=10)
        assert response.status_code == 403
    for other in (api, outbound):
        response = httpx.post(turn_url, json=envelope, headers=bearer(other), timeout=10)
        assert response.status_code == 403

    # The right token passes the check (what follows fails for want of a model or a tracker).
    assert httpx.get(admin_url, headers=bearer(api), timeout=10).status_code == 200
    own = httpx.post(outbound_url, json=body, headers=bearer(outbound), timeout=10)
    assert own.status_code not in (401, 403)
    own = httpx.post(turn_url, json=envelope, headers=bearer(turn), timeout=10)
    assert own.status_code not in (401, 403)

    # After every call of this module so far (DEBUG logging, tokens in headers and a query
    # string), no secret appears in the server's output.
    log = server.log_text()
    assert "Starting Layani Rasa server" in log  # the log is the server's own
    for value in (api, outbound, turn, TG_ENV["TELEGRAM_SECRET_TOKEN"]):
        assert value not in log


def test_route_tokens_fail_closed_when_unset(tmp_path):
    env = bare_server_env(tmp_path, "production", LAYANI_OUTBOUND_TOKEN="", LAYANI_TURN_TOKEN="")
    env.update(TG_ENV)
    server = start_bare_server(env, tmp_path / "rasa.log")
    try:
        for url, body in (
            (f"{server.url}/layani/outbound", {"sender_id": "1", "text": "x"}),
            (f"{server.url}/webhooks/telegram/turn", {"kind": "turn", "sender_id": "1"}),
        ):
            for headers in ({}, bearer("anything"), bearer(server.env["LAYANI_API_TOKEN"])):
                assert httpx.post(url, json=body, headers=headers, timeout=10).status_code == 503
        log = server.log_text()
        assert "LAYANI_OUTBOUND_TOKEN is not set" in log and "LAYANI_TURN_TOKEN is not set" in log
    finally:
        server.stop()


def test_launcher_prints_where_generated_secrets_are_never_the_secrets(tmp_path):
    """`make run` generates the missing tokens into a 0600 file and prints only its path.

    LAYANI_ROOT points at an empty directory, so the launcher stops at "no model" right after
    handling the secrets; nothing else starts."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("LAYANI_") and k not in ("DATABASE_URL", "RASA_TRACKER_DB")
    }
    env["LAYANI_ROOT"] = str(tmp_path)
    (tmp_path / "config.yml").write_text("language: id\n")
    result = subprocess.run(
        [sys.executable, "-m", "layani.run"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    path = tmp_path / "var" / "secrets.env"
    assert path.exists(), output
    assert str(path) in output
    assert path.stat().st_mode & 0o777 == 0o600
    values = dict(
        line.split("=", 1) for line in path.read_text().splitlines() if not line.startswith("#")
    )
    assert set(values) == {
        "LAYANI_API_TOKEN",
        "LAYANI_OUTBOUND_TOKEN",
        "LAYANI_TURN_TOKEN",
        "LAYANI_ACTION_TOKEN",
    }
    for value in values.values():
        assert value not in output
