"""Shared helpers for the console security tests (test_sec_console_*.py): accounts, login."""

from __future__ import annotations

import re
import socket

from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher

from storage import console as accounts
from storage.db import session_scope

PASSWORD = "kata-sandi-rahasia-1"
# Cheap argon2 for tests about rules; the timing and load tests use the real default cost.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class CountingHasher(PasswordHasher):
    """A PasswordHasher that counts verifications (how much argon2 work an answer cost)."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.verifications = 0

    def verify(self, hash, password):  # type: ignore[no-untyped-def]  # noqa: A002
        self.verifications += 1
        return super().verify(hash, password)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed_staff(url: str) -> None:
    """Two agencies with an officer each, an admin and an auditor."""
    with session_scope(url) as s:
        accounts.ensure_agency(s, "dinas_pupr", "Dinas PUPR")
        accounts.ensure_agency(s, "dukcapil", "Dukcapil")
        accounts.create_user(s, "admin", PASSWORD, "admin")
        accounts.create_user(s, "pupr1", PASSWORD, "officer", "dinas_pupr")
        accounts.create_user(s, "capil1", PASSWORD, "officer", "dukcapil")
        accounts.create_user(s, "audit1", PASSWORD, "auditor")


def hidden(html: str, name: str = "csrf_token") -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert match, f"no {name} in page"
    return match.group(1)


def error_text(html: str) -> str:
    match = re.search(r'<p class="error" role="alert">(.*?)</p>', html, re.S)
    return match.group(1).strip() if match else ""


async def login(client: TestClient, username: str, password: str = PASSWORD, headers=None):  # type: ignore[no-untyped-def]
    page = await client.get("/login")
    token = hidden(await page.text())
    return await client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/"},
        headers=headers,
        allow_redirects=False,
    )


async def signed_in(client: TestClient, username: str) -> str:
    """Log in and return the session's CSRF token."""
    response = await login(client, username)
    assert response.status == 303, await response.text()
    page = await client.get("/handoffs")
    return hidden(await page.text())
