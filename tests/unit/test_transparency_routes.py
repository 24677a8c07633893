"""Transparency routes over real HTTP (console app, SQLite): public page, JSON and CSV without a
login, 400 for bad periods, no personal data anywhere; staff figures scoped by agency and the
admin-only masked ticket export."""

from __future__ import annotations

import csv
import io
import json

import pytest
import test_console_app as console_world
from test_console_app import NIK, login

from storage import ratings, tickets
from storage import transparency as tr

migrated_db = console_world.migrated_db
world = console_world.world
client = console_world.client

PHONE = "+6281299887766"
NAME = "Budi Santoso"


@pytest.fixture()
def filled(world):
    tr.clear_cache()
    ids = []
    for i in range(6):
        view = tickets.create_ticket(
            kind="complaint",
            owner_key=f"phone:{PHONE}",
            sender_id=PHONE,
            category_or_service="sampah",
            agency="dinas_pupr",
            description=f"Saya {NAME}, NIK {NIK}, HP {PHONE}, sampah di Gang Mawar {i}",
            location="Gang Mawar 12, RT 01/RW 02",
            contact_name=NAME,
            channel="sms",
            url=world.url,
        )
        ids.append(view.id)
        ratings.record_rating(
            "ticket", view.id, 4, "sms", agency="dinas_pupr", comment=f"{NAME} {PHONE}"
        )
    for i in range(2):
        tickets.create_ticket(
            kind="complaint",
            owner_key="socketio:web-x",
            sender_id="web-x",
            category_or_service="akta_hilang",
            agency="dukcapil",
            description=f"Dukcapil lambat {i}",
            channel="socketio",
            url=world.url,
        )
    world.ids = ids
    yield world
    tr.clear_cache()


SECRETS = (NIK, PHONE, NAME, "Gang Mawar", "RT 01", "web-x", "Dukcapil lambat")


async def test_public_page_needs_no_login_and_shows_only_aggregates(client, filled):
    response = await client.get("/transparansi", allow_redirects=False)
    assert response.status == 200
    html = await response.text()
    assert "Transparansi layanan publik" in html and "<svg" in html and "<table" in html
    assert 'id="total-complaints">9<' in html  # 6 + 2 + the world's own complaint
    assert "<5" in html or "&lt;5" in html  # dukcapil's 2 complaints are suppressed
    for secret in (*SECRETS, *filled.ids, filled.ticket_a, filled.ticket_b):
        assert secret not in html
    assert "script" not in response.headers["Content-Security-Policy"].split("script-src")[0]


async def test_public_json_has_the_pinned_shape(client, filled):
    response = await client.get("/transparansi.json")
    assert response.status == 200
    f = await response.json()
    assert set(f) >= {"generated_at", "period", "complaints", "satisfaction", "applications"}
    assert set(f["period"]) == {"from", "to"}
    assert set(f["complaints"]) >= {
        "total",
        "by_status",
        "by_category",
        "by_agency",
        "median_days_to_first_response",
        "median_days_to_resolve",
        "within_target_rate",
    }
    assert set(f["satisfaction"]) >= {"responses", "average", "distribution"}
    assert list(f["satisfaction"]["distribution"]) == ["1", "2", "3", "4", "5"]
    assert set(f["applications"]) >= {"total", "by_service", "by_status"}
    # dukcapil's 2 are hidden; PUPR's 7 too, or 9 - 7 would give the 2 away.
    assert f["complaints"]["by_agency"] == {"dinas_pupr": "<5", "dukcapil": "<5"}
    assert f["complaints"]["total"] == 9
    assert f["satisfaction"]["responses"] == 6 and f["satisfaction"]["average"] == 4.0
    text = await response.text()
    for secret in (*SECRETS, *filled.ids):
        assert secret not in text


async def test_public_csv_opens_as_utf8_with_a_licence_line(client, filled):
    response = await client.get("/transparansi.csv?minggu=4")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    body = await response.read()
    assert body.isascii()  # ids only: no BOM needed, LibreOffice and Excel read it alike
    text = body.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["minggu_mulai", "ukuran", "rincian", "nilai_rincian", "jumlah", "rata_rata"]
    assert "CC BY 4.0" in rows[-1][0]
    data = rows[1:-1]
    assert all(len(r) == 6 for r in data)
    assert any(r[1:4] == ["pengaduan", "instansi", "dukcapil"] and r[4] == "<5" for r in data)
    for secret in (*SECRETS, *filled.ids):
        assert secret not in text


@pytest.mark.parametrize(
    "query",
    [
        "?dari=kemarin",
        "?dari=2026-02-30",
        "?dari=2020-01-01&sampai=2026-01-01",
        "?sampai=2999-01-01",
        "?minggu=0",
        "?minggu=99999999999999999999",
        "?minggu=4&dari=2026-01-01",
        "?dari=2026-01-01&dari=2026-01-02",
        "?dari=%00",
        "?minggu=%F0%9F%98%80",
    ],
)
@pytest.mark.parametrize("path", ["/transparansi", "/transparansi.json", "/transparansi.csv"])
async def test_bad_periods_get_400_never_500(client, world, path, query):
    response = await client.get(path + query)
    assert response.status == 400, (path, query)
    if "%00" in query:
        return  # NUL bytes are stopped by the console's middleware, before any view
    if path.endswith(".json"):
        assert "error" in await response.json()
    elif path.endswith(".csv"):
        assert response.content_type == "text/plain"
    else:
        assert "Periode tidak valid" in await response.text()


async def test_public_page_is_rate_limited_per_address(client, world, monkeypatch):
    from console.views_public import RATE_KEY

    client.app[RATE_KEY].limit = 3
    responses = [await client.get("/transparansi.json") for _ in range(5)]
    assert [r.status for r in responses] == [200, 200, 200, 429, 429]
    assert responses[-1].headers["Retry-After"] == "60"
    assert "Terlalu banyak" in (await responses[-1].json())["error"]


async def test_staff_figures_need_a_login(client, world):
    response = await client.get("/figures", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/login")


async def test_officer_sees_exact_figures_of_their_agency_only(client, filled):
    assert (await login(client, "capil1")).status == 303
    html = await (await client.get("/figures")).text()
    assert 'id="total-complaints">2<' in html  # exact, not "<5"
    assert "Dinas PUPR" not in html and "sampah" not in html
    assert 'href="/figures"' in html  # navigation link


async def test_admin_sees_every_agency_unsuppressed(client, filled):
    assert (await login(client, "admin")).status == 303
    html = await (await client.get("/figures")).text()
    assert 'id="total-complaints">9<' in html
    assert "Dukcapil" in html and "Dinas PUPR" in html and 'num">&lt;5<' not in html


@pytest.mark.parametrize("username", ["pupr1", "audit1"])
async def test_ticket_export_is_for_admins_only(client, filled, username):
    assert (await login(client, username)).status == 303
    response = await client.get("/figures/tickets.csv")
    assert response.status == 403


async def test_admin_ticket_export_masks_personal_data(client, filled):
    assert (await login(client, "admin")).status == 303
    response = await client.get("/figures/tickets.csv")
    assert response.status == 200
    text = (await response.read()).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["id"] for r in rows} >= set(filled.ids)
    for secret in (NIK, PHONE, "Gang Mawar 12", "RT 01/RW 02", "phone:"):
        assert secret not in text
    assert "************0001" in text  # the NIK is masked, not dropped silently


async def test_webchat_page_links_the_transparency_page():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sources = [root / "channels" / "webchat_page.py", *(root / "channels" / "static").glob("*")]
    assert any("/transparansi" in p.read_text(errors="ignore") for p in sources if p.is_file())


def test_csv_gets_a_bom_only_when_it_holds_non_ascii_text():
    from console.views_public import csv_bytes

    assert csv_bytes("a,b\r\n") == b"a,b\r\n"
    assert csv_bytes("instansi,Dinas Pariwisata & Budaya – Ñ\r\n").startswith(b"\xef\xbb\xbf")


def test_chart_labels_are_escaped_and_suppressed_values_get_no_guessed_bar():
    from console import svg_charts

    svg = svg_charts.hbar([("<script>alert(1)</script>", 7), ("kecil", "<5")])
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.count("<rect") == 2 and 'width="14"' in svg  # the "<5" stub, fixed width
    assert "&lt;5" in svg
    assert svg_charts.hbar([]) == "" and svg_charts.columns([]) == ""


async def test_figures_move_at_once_after_a_complaint_is_closed_and_rated(client, filled):
    """The independent check of issue 14, minus the bot: file, close with the CLI, rate."""
    from tooling.cli import main as layani

    before = await (await client.get("/transparansi.json")).json()
    view = tickets.create_ticket(
        kind="complaint",
        owner_key=f"phone:{PHONE}",
        sender_id=PHONE,
        category_or_service="sampah",
        agency="dinas_pupr",
        description=f"{NAME} melapor sampah",
        channel="sms",
        url=filled.url,
    )
    for status in ("diverifikasi", "diproses", "selesai"):
        assert layani(["complaint", "status", view.id, status, "--no-notify"]) == 0
    ratings.record_rating("ticket", view.id, 1, "sms", agency="dinas_pupr")
    after = await (await client.get("/transparansi.json")).json()
    assert after["complaints"]["total"] == before["complaints"]["total"] + 1 == 10
    assert after["satisfaction"]["responses"] == before["satisfaction"]["responses"] + 1 == 7
    assert after["satisfaction"]["average"] == round((6 * 4 + 1) / 7, 2)
    assert after["complaints"]["by_status"]["selesai"] == "<5"  # 1 closed: suppressed
    text = json.dumps(after)
    for secret in (*SECRETS, view.id):
        assert secret not in text
