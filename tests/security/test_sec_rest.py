"""The REST channel in the production profile (issue 13, point 1).

Off unless LAYANI_REST_ENABLED=1; enabled without LAYANI_REST_TOKEN the server does not start;
with the token, callers need it in a Bearer header; bad bodies are 400, an over-long message
gets the kind reply, and each client address has its own request limit (429). The server runs
without a model (`start_bare_server`): all of this happens before a turn.
"""

from __future__ import annotations

import itertools
import json
import subprocess

import httpx
import pytest
from support.stack import bare_server_env, server_command, start_bare_server

from channels import messages
from channels.limits import max_chars, too_long_reply

REST_TOKEN = "sec-test-rest-token-0123456789"
LIMIT = 5  # requests per address per minute, for this test server
_addresses = itertools.count(10)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("sec-rest")
    env = bare_server_env(
        workdir,
        "production",
        LAYANI_REST_ENABLED="1",
        LAYANI_REST_TOKEN=REST_TOKEN,
        LAYANI_REST_RATE_LIMIT=f"{LIMIT}/60",
        # The test client is the "proxy", so each test can be its own client address.
        LAYANI_TRUSTED_PROXIES="127.0.0.1",
    )
    server = start_bare_server(env, workdir / "rasa.log")
    yield server
    server.stop()


def post(server, body=None, token=REST_TOKEN, content=None, address=None):
    """One POST to the REST webhook from a fresh client address (unless `address` is given)."""
    headers = {"X-Forwarded-For": address or f"198.51.100.{next(_addresses)}"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if content is not None:
        headers["Content-Type"] = "application/json"
        return httpx.post(server.url + "/webhooks/rest/webhook", content=content, headers=headers)
    return httpx.post(server.url + "/webhooks/rest/webhook", json=body, headers=headers)


@pytest.mark.integration
def test_rest_is_off_by_default_in_production(tmp_path):
    env = bare_server_env(tmp_path, "production")
    server = start_bare_server(env, tmp_path / "rasa.log")
    try:
        response = httpx.post(
            server.url + "/webhooks/rest/webhook",
            json={"sender": "+6281234567890", "message": "cek status"},
            timeout=10,
        )
        assert response.status_code == 404
    finally:
        server.stop()


@pytest.mark.integration
def test_rest_enabled_without_a_token_refuses_to_start(tmp_path):
    env = bare_server_env(tmp_path, "production", LAYANI_REST_ENABLED="1")
    result = subprocess.run(server_command(env), env=env, capture_output=True, timeout=120)
    assert result.returncode != 0
    assert b"LAYANI_REST_TOKEN" in result.stderr


@pytest.mark.integration
def test_missing_wrong_or_query_token_is_refused(server):
    body = {"sender": "warga", "message": "halo"}
    assert post(server, body, token=None).status_code == 401
    assert post(server, body, token="wrong-token").status_code == 403
    query = httpx.post(
        server.url + "/webhooks/rest/webhook", params={"token": REST_TOKEN}, json=body
    )
    assert query.status_code == 401
    assert post(server, body).status_code == 200


@pytest.mark.integration
def test_over_long_message_gets_the_kind_reply(server):
    text = "jalan rusak " * (max_chars("rest") // 10)
    response = post(server, {"sender": "warga-panjang", "message": text})
    assert response.status_code == 200
    assert [m["text"] for m in response.json()] == [too_long_reply("rest")]


MALFORMED = [
    b"{not json",
    b"[]",
    b'"halo"',
    b"{}",
    b'{"sender": "warga"}',
    b'{"message": "halo"}',
    b'{"sender": 6281234567890, "message": "halo"}',
    b'{"sender": "warga", "message": ["halo"]}',
    b'{"sender": "", "message": "halo"}',
    b'{"sender": "' + b"x" * 500 + b'", "message": "halo"}',
]


@pytest.mark.integration
def test_malformed_requests_are_400(server):
    statuses = {content: post(server, content=content).status_code for content in MALFORMED}
    assert statuses == dict.fromkeys(MALFORMED, 400)


@pytest.mark.integration
def test_each_address_has_its_own_limit(server):
    body = {"sender": "warga-banjir", "message": "halo"}
    address = "203.0.113.7"
    answers = [post(server, body, address=address) for _ in range(LIMIT + 2)]
    assert [r.status_code for r in answers[:LIMIT]] == [200] * LIMIT
    limited = answers[LIMIT]
    assert limited.status_code == 429
    assert [m["text"] for m in limited.json()] == [messages.RATE_LIMITED]
    # A different client (address) is not held up by the flood.
    assert post(server, body, address="203.0.113.8").status_code == 200


# --- the connector itself, without a server ------------------------------------------------


class FakeRequest:
    """What the REST handler reads of a Sanic request."""

    def __init__(self, body: dict, headers: dict | None = None, ip: str = "192.0.2.1") -> None:
        self.json = body
        self.headers = {k.lower(): v for k, v in (headers or {}).items()}
        self.ip = ip


class FakeLayer:
    def __init__(self, busy: bool = False) -> None:
        self.busy = busy
        self.senders: list[str] = []

    async def run(self, sender_id, job):
        from channels.layer import Busy

        self.senders.append(sender_id)
        if self.busy:
            raise Busy("full")
        return await job()


def rest_handler(on_new_message, token: str = ""):
    from channels.rest import RestInput

    connector = RestInput(env={"LAYANI_REST_TOKEN": token, "LAYANI_REST_RATE_LIMIT": "0"})
    bp = connector.blueprint(on_new_message)
    return next(r.handler for r in bp._future_routes if r.uri == "/webhook")


@pytest.fixture()
def layer():
    from channels.layer import reset_layer

    fake = FakeLayer()
    reset_layer(fake)
    yield fake
    reset_layer(None)


async def test_rest_sender_is_namespaced_and_body_metadata_is_dropped(layer):
    seen = []

    async def on_new_message(message):
        seen.append(message)
        await message.output_channel.send_text_message(message.sender_id, "Halo!")

    handler = rest_handler(on_new_message)
    body = {
        "sender": "+6281234567890",
        "message": "cek status",
        "metadata": {"channel": "sms", "staff": "petugas"},
        "input_channel": "twilio",
    }
    response = await handler(FakeRequest(body))
    assert response.status == 200
    assert json.loads(response.body) == [{"recipient_id": "+6281234567890", "text": "Halo!"}]
    [message] = seen
    assert message.sender_id == "rest:+6281234567890"
    assert message.input_channel == "rest"
    assert not message.metadata
    assert layer.senders == ["rest:+6281234567890"]  # the turn ran in the sender's queue


async def test_a_full_turn_queue_is_503_with_retry_after(layer):
    layer.busy = True

    async def on_new_message(message):  # pragma: no cover - must not run
        raise AssertionError("a turn ran although the queue was full")

    response = await rest_handler(on_new_message)(FakeRequest({"sender": "w", "message": "halo"}))
    assert response.status == 503
    assert int(response.headers["Retry-After"]) > 0
    assert [m["text"] for m in json.loads(response.body)] == [messages.BUSY]
