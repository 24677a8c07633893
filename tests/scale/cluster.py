"""Several Rasa replicas and action servers behind Debian's nginx, on loopback, for the scale test.

The production profile as an operator would run it on one host (docs/deployment.md): each replica
is `python -m layani.server` with endpoints.production.yml (PostgreSQL tracker store, the atomic
Redis lock of layani/lock_store.py), the action servers sit behind the same nginx as the
replicas, and everything talks to a fresh PostgreSQL database and its own Redis database.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from support.stack import ROOT, _signal_group, _spawn, free_port

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

NGINX_CONF = """
worker_processes 1;
error_log {prefix}/nginx-error.log warn;
pid {prefix}/nginx.pid;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    # Bodies and replies stay in memory: nginx's workers (user nobody) may not write under a
    # root-owned temporary directory, and a turn's tracker is well under these sizes.
    client_body_buffer_size 4m;
    proxy_buffers 64 16k;
    proxy_max_temp_file_size 0;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;

    # A replica that refuses connections is skipped (the request was never sent, so even a
    # POST is safe to pass on) and left alone for fail_timeout.
    upstream layani_rasa {{
{rasa_servers}
        keepalive 64;
    }}
    upstream layani_actions {{
{action_servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{listen};
        location = /webhooks/rest/webhook {{
            proxy_pass http://layani_rasa;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_read_timeout 300s;
            proxy_next_upstream error;
            add_header X-Layani-Replica $upstream_addr always;
        }}
        location / {{
            return 404;
        }}
    }}
    server {{
        listen 127.0.0.1:{actions_listen};
        location / {{
            proxy_pass http://layani_actions;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_read_timeout 300s;
            proxy_next_upstream error;
        }}
    }}
}}
"""


def nginx_config(
    prefix: Path, listen: int, actions_listen: int, rasa_ports: list[int], action_ports: list[int]
) -> str:
    def servers(ports: list[int]) -> str:
        return "\n".join(
            f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=30s;" for p in ports
        )

    return NGINX_CONF.format(
        prefix=prefix,
        listen=listen,
        actions_listen=actions_listen,
        rasa_servers=servers(rasa_ports),
        action_servers=servers(action_ports),
    )


@dataclass
class Nginx:
    proc: subprocess.Popen
    url: str
    actions_url: str

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_nginx(
    prefix: Path, rasa_ports: list[int], action_ports: list[int], actions_listen: int | None = None
) -> Nginx:
    prefix.mkdir(parents=True, exist_ok=True)
    listen, actions_listen = free_port(), actions_listen or free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(nginx_config(prefix, listen, actions_listen, rasa_ports, action_ports))
    check = subprocess.run(
        [NGINX, "-t", "-c", str(conf), "-p", f"{prefix}/"], capture_output=True, text=True
    )
    if check.returncode != 0:
        raise RuntimeError(f"nginx -t failed:\n{check.stderr}")
    proc = subprocess.Popen(
        [NGINX, "-c", str(conf), "-p", f"{prefix}/", "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{listen}"
    deadline = time.time() + 20
    while True:
        try:
            httpx.get(f"{url}/", timeout=2)
            break
        except httpx.HTTPError as exc:
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"nginx did not start: see {prefix}/nginx-error.log") from exc
            time.sleep(0.2)
    return Nginx(proc, url, f"http://127.0.0.1:{actions_listen}")


@dataclass
class Cluster:
    """N replicas and M action servers of one model, sharing PostgreSQL and Redis."""

    env: dict[str, str]
    workdir: Path
    rasa_ports: list[int]
    action_ports: list[int]
    actions_listen: int
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    def api_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.env['LAYANI_API_TOKEN']}"}

    def replica_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.rasa_ports[index]}"

    def kill_replica(self, index: int) -> None:
        """SIGKILL replica `index` and every process it started (as a crashed host would)."""
        proc = self.procs[f"rasa{index}"]
        _signal_group(proc, signal.SIGKILL)
        proc.wait()

    def rss_mb(self) -> dict[str, float]:
        """Resident memory of each live process group (MB)."""
        sizes = {}
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                continue
            out = subprocess.run(
                ["ps", "-o", "rss=", "-g", str(proc.pid)], capture_output=True, text=True
            ).stdout
            sizes[name] = sum(int(x) for x in out.split()) / 1024
        return sizes

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                _signal_group(proc, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
            _signal_group(proc, signal.SIGKILL)
            proc.wait()


def start_cluster(
    model: Path, workdir: Path, env: dict[str, str], replicas: int, action_servers: int
) -> Cluster:
    """Start the processes (in parallel: each replica loads the model for a minute or more)."""
    py = sys.executable
    cluster = Cluster(
        env=env,
        workdir=workdir,
        rasa_ports=[free_port() for _ in range(replicas)],
        action_ports=[free_port() for _ in range(action_servers)],
        actions_listen=free_port(),
    )
    endpoints = str(ROOT / "endpoints.production.yml")
    try:
        for i, port in enumerate(cluster.action_ports):
            cmd = [py, "-m", "layani.action_server", "--port", str(port)]
            cluster.procs[f"actions{i}"] = _spawn(cmd, env, workdir / f"actions{i}.log")
        for i, port in enumerate(cluster.rasa_ports):
            cmd = [py, "-m", "layani.server", "--model", str(model)]
            cmd += ["--endpoints", endpoints, "--port", str(port)]
            cluster.procs[f"rasa{i}"] = _spawn(cmd, env, workdir / f"rasa{i}.log")
        deadline = time.time() + 900
        pending = {f"rasa{i}": f"{cluster.replica_url(i)}/status" for i in range(replicas)}
        for i, port in enumerate(cluster.action_ports):
            pending[f"actions{i}"] = f"http://127.0.0.1:{port}/health"
        while pending:
            for name, url in list(pending.items()):
                proc = cluster.procs[name]
                if proc.poll() is not None:
                    log = (workdir / f"{name}.log").read_text(errors="replace")[-4000:]
                    raise RuntimeError(f"{name} exited ({proc.returncode}):\n{log}")
                try:
                    reply = httpx.get(url, headers=cluster.api_headers(), timeout=2)
                    if reply.status_code == 200 and (
                        name.startswith("actions") or reply.json().get("model_id")
                    ):
                        del pending[name]
                except httpx.HTTPError:
                    pass
            if time.time() > deadline:
                raise RuntimeError(f"not ready after 900 s: {sorted(pending)}")
            time.sleep(1)
    except BaseException:
        cluster.stop()
        raise
    return cluster
