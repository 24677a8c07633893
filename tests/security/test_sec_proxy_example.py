"""The reverse-proxy example (examples/deploy/nginx.conf) exposes only citizen-facing routes.

nginx checks the file (`nginx -t`), then runs it in front of a Layani server (without a model)
and the test asks through nginx for what citizens use (answered) and for Rasa's API, the
outbound API, the gateway's turn route and the REST channel (404 from nginx, even though the
server behind it has REST enabled).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from support.stack import ROOT, bare_server_env, free_port, start_bare_server

pytestmark = pytest.mark.skipif(
    shutil.which("nginx") is None, reason="nginx is not installed (apt-get install nginx)"
)

EXAMPLE = ROOT / "examples" / "deploy" / "nginx.conf"
SITE, CONSOLE = "layani.example.go.id", "console.layani.example.go.id"


def local_config(prefix: Path, listen: int, rasa: int, gateway: int, console: int) -> Path:
    """The example with its ports and file paths moved to `prefix` and free ports."""
    text = EXAMPLE.read_text()
    for old, new in (
        ("/var/log/nginx/", f"{prefix}/"),
        ("/run/nginx-layani.pid", f"{prefix}/nginx.pid"),
        ("listen 80;", f"listen 127.0.0.1:{listen};"),
        ("127.0.0.1:5005", f"127.0.0.1:{rasa}"),
        ("127.0.0.1:5007", f"127.0.0.1:{gateway}"),
        ("127.0.0.1:5006", f"127.0.0.1:{console}"),
    ):
        assert old in text, old
        text = text.replace(old, new)
    path = prefix / "nginx.conf"
    path.write_text(text)
    return path


def test_example_config_is_valid(tmp_path):
    config = local_config(tmp_path, free_port(), 5005, 5007, 5006)
    result = subprocess.run(
        ["nginx", "-t", "-c", str(config), "-p", f"{tmp_path}/"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.integration
def test_only_citizen_routes_pass_the_proxy(tmp_path):
    env = bare_server_env(
        tmp_path, "production", LAYANI_REST_ENABLED="1", LAYANI_REST_TOKEN="proxy-test-token"
    )
    server = start_bare_server(env, tmp_path / "rasa.log")
    listen = free_port()
    config = local_config(tmp_path, listen, int(env["RASA_PORT"]), free_port(), free_port())
    nginx = subprocess.Popen(
        ["nginx", "-c", str(config), "-p", f"{tmp_path}/", "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{listen}"
    try:
        deadline = time.time() + 20
        while True:
            try:
                httpx.get(base, headers={"Host": SITE}, timeout=2)
                break
            except httpx.HTTPError:
                assert time.time() < deadline, "nginx did not start"
                time.sleep(0.2)

        def status(method: str, path: str, host: str = SITE) -> int:
            response = httpx.request(method, base + path, headers={"Host": host}, timeout=10)
            return response.status_code

        api = {"Authorization": f"Bearer {env['LAYANI_API_TOKEN']}"}
        assert httpx.get(f"{server.url}/version", headers=api).status_code == 200  # behind: there

        assert status("GET", "/chat") == 200
        assert status("GET", "/socket.io/?EIO=4&transport=polling") == 200
        for method, path in (
            ("GET", "/version"),
            ("GET", "/status"),
            ("GET", "/conversations/+6281234567890/tracker"),
            ("PUT", "/model"),
            ("POST", "/model/parse"),
            ("POST", "/layani/outbound"),
            ("POST", "/webhooks/telegram/turn"),
            ("POST", "/webhooks/twilio/turn"),
            ("POST", "/webhooks/rest/webhook"),
        ):
            assert status(method, path) == 404, (method, path)
        # Provider webhooks and the console are forwarded (nothing listens there here: 502).
        assert status("POST", "/webhooks/telegram/webhook") == 502
        assert status("POST", "/webhooks/twilio/webhook") == 502
        assert status("GET", "/", host=CONSOLE) == 502
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        server.stop()
