"""The public transparency page in headless Chromium (Debian's), as a citizen sees it.

No login, JavaScript disabled: the figures, the server-drawn SVG charts and the tables beside
them are all there; at phone width (360 px) nothing is wider than the screen; no request leaves
for another host (no CDN); and no personal data of the seeded complaints is on the page.
The console runs in-process on a real port (aiohttp TestServer) over an embedded SQLite
database filled by `layani demo seed` plus complaints carrying a NIK, a phone number and a name.
"""

from __future__ import annotations

import os
import shutil

import pytest
from aiohttp.test_utils import TestServer
from cryptography.fernet import Fernet

from console.app import ConsoleConfig, create_app
from storage import tickets
from storage import transparency as tr
from storage.db import dispose_engines
from tooling.cli import main as layani

pytestmark = [pytest.mark.integration, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
NIK = "3273010101900001"
PHONE = "+6281377788899"
NAME = "Dewi Lestari"


@pytest.fixture()
async def site(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'layani.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("LAYANI_PROFILE", "embedded")
    monkeypatch.setenv("LAYANI_PII_KEY", Fernet.generate_key().decode())
    tr.clear_cache()
    assert layani(["demo", "seed", "--tickets", "300"]) == 0
    for i in range(6):
        tickets.create_ticket(
            kind="complaint",
            owner_key=f"phone:{PHONE}",
            sender_id=PHONE,
            category_or_service="jalan_rusak",
            description=f"{NAME} NIK {NIK} HP {PHONE} Jl. Kenanga {i}",
            location="Jl. Kenanga 5, RT 02/RW 04",
            contact_name=NAME,
            url=url,
        )
    server = TestServer(create_app(ConsoleConfig(url, "http://127.0.0.1:9", "t", "t")))
    await server.start_server()
    try:
        yield str(server.make_url("/transparansi"))
    finally:
        await server.close()
        dispose_engines()


@pytest.fixture()
async def browser():
    playwright = pytest.importorskip("playwright.async_api")
    if not os.path.exists(CHROMIUM):
        pytest.fail("chromium is missing: run `make browsers` (scripts/install-browser.sh)")
    async with playwright.async_playwright() as p:
        chromium = await p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


async def test_transparency_page_without_javascript_at_phone_width(site, browser):
    context = await browser.new_context(
        java_script_enabled=False, viewport={"width": 360, "height": 740}, is_mobile=True
    )
    page = await context.new_page()
    hosts = set()
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    response = await page.goto(site)
    assert response.status == 200
    await page.get_by_role("heading", name="Transparansi layanan publik").wait_for()

    total = await page.locator("#total-complaints").inner_text()
    assert total.isdigit() and int(total) > 100
    # Every chart has a table beside it, and the tables hold the numbers.
    figures = page.locator(".figure")
    assert await figures.count() >= 6
    for i in range(await figures.count()):
        fig = figures.nth(i)
        assert await fig.locator("table").count() == 1
    assert await page.locator(".figure svg.chart").count() >= 6
    assert await page.locator("#timeliness tbody tr").count() >= 3
    assert await page.get_by_role("link", name="CSV").count() == 1

    # Readable on a phone: the page is not wider than the screen, the text not tiny.
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width
    size = await page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 14

    text = await page.content()
    for secret in (NIK, PHONE, NAME, "Kenanga", "RT 02", "ADU-", "PMH-", "[DEMO]"):
        assert secret not in text
    assert hosts == {site.split("/")[2]}  # nothing from a CDN
    await context.close()


async def test_period_form_works_without_javascript(site, browser):
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    await page.goto(site)
    await page.get_by_label("Dari").fill("2026-01-01")
    await page.get_by_label("Sampai").fill("2026-01-31")
    await page.get_by_role("button", name="Tampilkan").click()
    await page.wait_for_url("**dari=2026-01-01**")
    assert "2026-01-31" in await page.locator(".lead").inner_text()
    await context.close()


def test_web_chat_page_links_to_the_console_transparency_page(tmp_path):
    """Run directly (embedded), the chat server sends /transparansi to the console's port."""
    import httpx
    from support.stack import free_port
    from support.webchat_app import start_webchat_app

    env = {"CONSOLE_PORT": "5999"}
    with start_webchat_app(env, free_port(), tmp_path / "chat.log") as running:
        page = httpx.get(f"{running.url}/chat")
        assert 'href="/transparansi"' in page.text
        hop = httpx.get(f"{running.url}/transparansi", follow_redirects=False)
        assert hop.status_code in (301, 302, 303, 307, 308)
        assert hop.headers["location"] == "http://127.0.0.1:5999/transparansi"
        forged = httpx.get(
            f"{running.url}/transparansi",
            headers={"Host": "evil.example/\\x"},
            follow_redirects=False,
        )
        assert forged.headers["location"] == "http://localhost:5999/transparansi"
