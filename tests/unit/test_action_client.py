"""The Rasa server's action-server client: same requests and answers, connections kept.

Against a real HTTP server on loopback (aiohttp), and through Rasa's own `RemoteAction`, so a
change in how Rasa calls its endpoint shows here.
"""

from __future__ import annotations

import json

import pytest
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from layani.action_client import ActionServerEndpoint, DomainEncoder

DOMAIN = Domain.from_dict(
    {
        "intents": ["greet"],
        "slots": {"topic": {"type": "text", "mappings": [{"type": "custom"}]}},
        "responses": {"utter_faq/ktp": [{"text": "KTP elektronik diurus di Dukcapil."}]},
        "actions": ["action_faq_answer"],
    }
)


def test_encoded_body_is_the_same_json_object():
    encoder = DomainEncoder()
    domain = {"responses": {"utter_x": [{"text": 'Halo \u00e9 "kutip"'}]}, "slots": {}}
    body = {"next_action": "a", "tracker": {"events": [1.5, None]}, "domain": domain, "v": "3"}
    assert json.loads(encoder.encode(body)) == body
    assert json.loads(encoder.encode({"domain": domain})) == {"domain": domain}
    assert json.loads(encoder.encode({"next_action": "b"})) == {"next_action": "b"}


def test_a_new_domain_dict_is_encoded_again():
    """A model loaded through /model brings a new domain dict: its answers, not the old ones."""
    encoder = DomainEncoder()
    first = {"responses": {"utter_a": [{"text": "lama"}]}}
    second = {"responses": {"utter_a": [{"text": "baru"}]}}
    encoder.encode({"domain": first})
    assert json.loads(encoder.encode({"domain": second}))["domain"] == second


@pytest.fixture
async def action_server():
    """A loopback HTTP server that records bodies, headers and the connection of each call."""
    seen: list[dict] = []

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        seen.append(
            {
                "body": body,
                "auth": request.headers.get("Authorization"),
                "peer": request.transport.get_extra_info("peername"),
            }
        )
        if body.get("next_action") == "action_refused":
            return web.json_response({"action_name": "action_refused", "error": "no"}, status=400)
        return web.json_response(
            {"events": [{"event": "slot", "name": "topic", "value": "ktp"}], "responses": []}
        )

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/webhook", seen
    await runner.cleanup()


@pytest.fixture
def action_server_url_sync():
    """The same answer from a plain threaded HTTP server, usable from any event loop."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802 - the standard library's name
            self.rfile.read(int(self.headers["Content-Length"]))
            body = json.dumps({"events": [{"event": "slot", "name": "t", "value": 1}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/webhook"
    server.shutdown()


def tracker() -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        "citizen-1", [UserUttered("ktp hilang", {"name": "faq", "confidence": 0.9})]
    )


async def test_remote_action_gets_the_same_answer_over_one_kept_connection(action_server):
    url, seen = action_server
    plain = EndpointConfig(url, headers={"Authorization": "Bearer rahasia"})
    endpoint = ActionServerEndpoint.wrapping(plain)
    try:
        action = RemoteAction("action_faq_answer", endpoint)
        nlg = TemplatedNaturalLanguageGenerator(DOMAIN.responses)
        conversation = tracker()
        for _ in range(3):
            events = await action.run(CollectingOutputChannel(), nlg, conversation, DOMAIN)
            assert events == [SlotSet("topic", "ktp")]
        baseline = await RemoteAction("action_faq_answer", plain).run(
            CollectingOutputChannel(), nlg, conversation, DOMAIN
        )
    finally:
        await endpoint.close()
    assert baseline == events
    kept, rasa_own = seen[:3], seen[3]
    # Same request body as Rasa's own client sends (the domain included), same secret.
    assert all(call["body"] == rasa_own["body"] for call in kept)
    assert kept[0]["body"]["domain"]["responses"] == DOMAIN.as_dict()["responses"]
    assert all(call["auth"] == "Bearer rahasia" for call in seen)
    # One connection (one client port) for the three calls of the kept session.
    assert len({call["peer"] for call in kept}) == 1
    assert rasa_own["peer"] != kept[0]["peer"]  # Rasa's own client opens one per call


async def test_refused_action_raises_as_with_rasas_client(action_server):
    url, _ = action_server
    endpoint = ActionServerEndpoint.wrapping(EndpointConfig(url))
    try:
        with pytest.raises(ClientResponseError) as refused:
            await endpoint.request(json={"next_action": "action_refused"}, method="post")
    finally:
        await endpoint.close()
    assert refused.value.status == 400
    assert json.loads(refused.value.text)["action_name"] == "action_refused"


def test_wrapping_keeps_every_setting():
    plain = EndpointConfig(
        "http://a:1/webhook",
        params={"p": "1"},
        headers={"Authorization": "Bearer x"},
        basic_auth={"username": "u", "password": "p"},
        token="t",
        token_name="tok",
        enable_selective_domain=True,
    )
    wrapped = ActionServerEndpoint.wrapping(plain)
    assert wrapped == plain
    assert wrapped.kwargs == {"enable_selective_domain": True}
    assert wrapped.basic_auth == plain.basic_auth
    assert ActionServerEndpoint.wrapping(None) is None


def test_each_event_loop_gets_its_own_session(action_server_url_sync):
    """Turns run on their own loop (channels/layer/turns.py), the HTTP API on the server's:
    a session made on one loop is never used on another, and close() closes them all."""
    import asyncio
    import threading

    endpoint = ActionServerEndpoint.wrapping(EndpointConfig(action_server_url_sync))
    loops = [asyncio.new_event_loop() for _ in range(2)]
    threads = [threading.Thread(target=loop.run_forever, daemon=True) for loop in loops]
    for thread in threads:
        thread.start()

    def on(loop, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(10)

    try:
        answers = [on(loop, endpoint.request(json={"next_action": "a"})) for loop in loops * 2]
        sessions = [endpoint._sessions[loop] for loop in loops]
        assert answers[0]["events"] and all(answer == answers[0] for answer in answers)
        assert sessions[0] is not sessions[1]
        on(loops[0], endpoint.close())  # closes the other loop's session on that loop
        on(loops[1], asyncio.sleep(0.1))
        assert all(session.closed for session in sessions)
    finally:
        for loop, thread in zip(loops, threads, strict=True):
            loop.call_soon_threadsafe(loop.stop)
            thread.join(5)
            loop.close()
