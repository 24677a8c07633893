"""The deployment files (deploy/) describe the topology the scale test runs, and are valid.

- deploy/compose.yml passes `docker compose config` (or Debian's `docker-compose config`; no
  engine needed) with the secrets set, and refuses without them (fail closed);
  it has the replicas, action servers, gateway, console, PostgreSQL, Redis and the load
  balancer, and each process gets only the secrets it uses (layani/run.py PROCESS_SECRETS).
- deploy/k8s/ parses, every file kustomization.yml lists exists, every Deployment has a
  readiness probe and a Service, and every Secret key a pod reads exists in the Secret's shape.
- deploy/entrypoint.sh starts modules that exist.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SECRETS = {
    "LAYANI_PII_KEY": "pii-key",
    "POSTGRES_PASSWORD": "pg-password",
    "LAYANI_API_TOKEN": "api-token",
    "LAYANI_OUTBOUND_TOKEN": "outbound-token",
    "LAYANI_TURN_TOKEN": "turn-token",
    "LAYANI_ACTION_TOKEN": "action-token",
}


def compose_command() -> list[str]:
    if shutil.which("docker") is None:
        pytest.skip("the docker client is not installed: cannot run `docker compose config`")
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30)
    if probe.returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    pytest.fail(
        "docker has no compose subcommand and docker-compose is missing: run "
        "deploy/install-compose.sh (make scale-test does)"
    )


def compose_config(tmp_path: Path, values: dict[str, str]) -> subprocess.CompletedProcess:
    env_file = tmp_path / "compose.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    clean = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path)}
    return subprocess.run(
        [
            *compose_command(),
            "--env-file",
            str(env_file),
            "-f",
            str(DEPLOY / "compose.yml"),
            "config",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean,
        cwd=ROOT,
    )


def test_compose_file_is_valid_and_has_the_whole_topology(tmp_path):
    result = compose_config(tmp_path, {**SECRETS, "RASA_REPLICAS": "3"})
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    services = config["services"]
    assert set(services) == {
        "postgres",
        "redis",
        "migrate",
        "rasa",
        "actions",
        "gateway",
        "console",
        "lb",
    }
    assert services["rasa"]["deploy"]["replicas"] == 3
    assert services["actions"]["deploy"]["replicas"] >= 2
    rasa_env = services["rasa"]["environment"]
    assert rasa_env["ACTION_SERVER_URL"] == "http://lb:8055/webhook"  # through the balancer
    assert rasa_env["LAYANI_API_TOKEN"] == "api-token"
    # Least privilege, as layani/run.py: the action server, gateway and console never see the
    # secrets they do not use.
    assert "LAYANI_API_TOKEN" not in services["actions"]["environment"]
    assert "LAYANI_ACTION_TOKEN" not in services["gateway"]["environment"]
    assert "LAYANI_TURN_TOKEN" not in services["console"]["environment"]
    for name in ("rasa", "actions", "gateway", "console", "migrate"):
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"
    assert services["lb"]["build"]["dockerfile"] == "deploy/lb.Dockerfile"


def test_compose_refuses_to_render_without_the_secrets(tmp_path):
    missing = {k: v for k, v in SECRETS.items() if k != "LAYANI_API_TOKEN"}
    result = compose_config(tmp_path, missing)
    assert result.returncode != 0
    assert "LAYANI_API_TOKEN" in result.stderr


def test_lb_config_routes_rasa_and_actions_through_upstreams():
    text = (DEPLOY / "nginx.conf").read_text()
    assert re.search(r"upstream layani_rasa \{[^}]*server rasa:5005", text)
    assert re.search(r"upstream layani_actions \{[^}]*server actions:5055", text)
    # Rasa's API and the internal hand-off routes are never published.
    for private in ("/conversations", "/layani/outbound", "/turn", "/model"):
        assert f"location {private}" not in text and f"location = {private}" not in text


def k8s_documents() -> dict[str, list[dict]]:
    return {
        path.name: [d for d in yaml.safe_load_all(path.read_text()) if d]
        for path in sorted((DEPLOY / "k8s").glob("*.yml"))
    }


def test_k8s_manifests_parse_and_hang_together():
    docs = k8s_documents()
    listed = yaml.safe_load((DEPLOY / "k8s" / "kustomization.yml").read_text())["resources"]
    assert all((DEPLOY / "k8s" / name).exists() for name in listed)
    everything = [d for name, ds in docs.items() if name in listed for d in ds]
    deployments = {d["metadata"]["name"]: d for d in everything if d["kind"] == "Deployment"}
    services = [d for d in everything if d["kind"] == "Service"]
    assert set(deployments) == {"layani-rasa", "layani-actions", "layani-gateway", "layani-console"}
    assert deployments["layani-rasa"]["spec"]["replicas"] >= 2

    secret = docs["secret.example.yml"][0]
    config = next(d for d in everything if d["kind"] == "ConfigMap")
    for name, deployment in deployments.items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"] == labels
        assert any(s["spec"]["selector"] == labels for s in services), f"no Service for {name}"
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            assert "readinessProbe" in container, name
            for source in container.get("envFrom", []):
                assert source["configMapRef"]["name"] == config["metadata"]["name"]
            for var in container.get("env", []):
                ref = var.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["name"] == secret["metadata"]["name"]
                    assert ref["key"] in secret["stringData"], f"{name}: {ref['key']}"
    # The lock store settings the server reads (endpoints.production.yml).
    for key in ("REDIS_HOST", "REDIS_PORT", "REDIS_LOCK_DB", "TICKET_LOCK_LIFETIME"):
        assert key in config["data"]


def test_entrypoint_roles_start_modules_that_exist():
    script = (DEPLOY / "entrypoint.sh").read_text()
    modules = re.findall(r"python -m ([\w.]+)", script)
    assert {"layani.server", "layani.action_server", "channels.gateway", "console"} <= set(modules)
    for module in modules:
        assert importlib.util.find_spec(module) is not None, module
    assert subprocess.run(["sh", "-n", str(DEPLOY / "entrypoint.sh")]).returncode == 0
