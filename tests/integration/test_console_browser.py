"""The whole handoff in headless Chromium: a citizen on the web chat, an officer in the console.

citizen asks for a human → officer logs in, finds the conversation in the queue, replies →
the citizen sees the reply on the web chat page → the officer resolves → the bot answers the
citizen's next message again. Two pages in one browser; every server is a real process.
"""

from __future__ import annotations

import os
import shutil

import pytest
from test_handoff_flow import OFFICER, PASSWORD, ensure_officer, start_console

from layani.policies.handoff_config import load_config
from storage import handoff as queue
from storage.db import session_scope

pytestmark = [pytest.mark.integration, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
TIMEOUT = 90_000  # generous: a busy CI machine once needed over 30 s for one reply


@pytest.fixture(scope="module")
def console_url(rasa_stack, tmp_path_factory):
    ensure_officer(rasa_stack.env["DATABASE_URL"], OFFICER, PASSWORD, load_config().default_agency)
    proc, url = start_console(
        rasa_stack, tmp_path_factory.mktemp("console-browser") / "console.log"
    )
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


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


async def bot_count(page) -> int:
    return await page.evaluate("document.querySelectorAll('#log li.bot').length")


async def wait_bot_text(page, needle: str) -> None:
    await page.wait_for_function(
        "(needle) => Array.from(document.querySelectorAll('#log li.bot'))"
        ".some(li => li.innerText.includes(needle))",
        arg=needle,
        timeout=TIMEOUT,
    )


async def say(page, text: str) -> None:
    await page.get_by_label("Tulis pesan Anda").fill(text)
    await page.get_by_role("button", name="Kirim").click()


async def test_citizen_web_chat_officer_console_round_trip(rasa_stack, console_url, browser):
    citizen_ctx = await browser.new_context()
    officer_ctx = await browser.new_context()  # separate cookies, like two people
    citizen = await citizen_ctx.new_page()
    officer = await officer_ctx.new_page()

    # 1. The citizen asks for a human on the web chat page.
    await citizen.goto(f"{rasa_stack.url}/chat")
    await say(citizen, "saya mau bicara dengan petugas")
    await wait_bot_text(citizen, "antrean")
    session_id = await citizen.evaluate("localStorage.getItem('layani.session_id')")
    assert session_id

    # 2. The officer logs in and finds the conversation in the queue.
    await officer.goto(f"{console_url}/handoffs")
    assert "/login" in officer.url  # not logged in yet: sent to the login page
    await officer.fill("#username", OFFICER)
    await officer.fill("#password", PASSWORD)
    await officer.get_by_role("button", name="Masuk").click()
    await officer.wait_for_url(f"{console_url}/handoffs", timeout=TIMEOUT)
    with session_scope(rasa_stack.env["DATABASE_URL"]) as session:
        handoff_id = queue.open_for_sender(session, session_id).id
    link = officer.locator(f'a.open-conversation[href="/handoffs/{handoff_id}"]')
    await link.wait_for(timeout=TIMEOUT)
    queue_row = await officer.locator("tr", has=link).inner_text()
    assert "socketio" in queue_row  # the channel is shown
    await link.click()
    await officer.wait_for_selector("text=saya mau bicara dengan petugas", timeout=TIMEOUT)

    # 3. While handed off, the citizen's messages reach the console live and the bot is silent.
    bots_before = await bot_count(citizen)
    await say(citizen, "halo, saya menunggu")
    await officer.wait_for_selector("#transcript >> text=halo, saya menunggu", timeout=TIMEOUT)
    assert await bot_count(citizen) == bots_before

    # 4. The officer replies; the citizen sees it on the web chat page.
    reply = "Halo, saya petugas. Ada yang bisa saya bantu?"
    await officer.fill("#reply-text", reply)
    await officer.click("#send-reply")
    await wait_bot_text(citizen, reply)
    await officer.wait_for_selector(f"#transcript >> text=Petugas {OFFICER}", timeout=TIMEOUT)

    # 5. The officer resolves; the citizen is told and the bot answers again.
    await officer.click("#resolve")
    await officer.wait_for_url(f"{console_url}/handoffs", timeout=TIMEOUT)
    await wait_bot_text(citizen, "Petugas telah menyelesaikan")
    before = await bot_count(citizen)
    turns = sum(1 for e in rasa_stack.tracker(session_id)["events"] if e["event"] == "user")
    await say(citizen, "halo")
    await citizen.wait_for_function(
        "(n) => document.querySelectorAll('#log li.bot').length > n", arg=before, timeout=TIMEOUT
    )
    tracker = rasa_stack.stored_tracker(session_id, user_turns=turns + 1)
    assert tracker["slots"]["handoff_active"] is False
    last_bot = [e for e in tracker["events"] if e["event"] == "bot"][-1]
    assert not (last_bot.get("metadata") or {}).get("staff")  # the bot, not the officer

    await citizen_ctx.close()
    await officer_ctx.close()
