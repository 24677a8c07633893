"""`layani demo seed` / `remove`: fills an embedded install with marked fake data that shows up
on the transparency page, refuses the production profile, and removes only what it added."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from storage import tickets
from storage import transparency as tr
from storage.db import dispose_engines, get_engine
from tooling.cli import main


@pytest.fixture()
def embedded(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'layani.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("LAYANI_PROFILE", "embedded")
    monkeypatch.setenv("LAYANI_PII_KEY", Fernet.generate_key().decode())
    tr.clear_cache()
    yield url
    dispose_engines()


def test_seed_fills_the_page_with_marked_rows_and_remove_takes_them_away(embedded, capsys):
    assert main(["demo", "seed", "--tickets", "120"]) == 0
    f = tr.figures(tr.default_period(), url=embedded, max_age=0)
    assert f["complaints"]["total"] != "<5" and f["complaints"]["total"] > 50
    assert f["satisfaction"]["responses"] != "<5"
    with get_engine(embedded).connect() as conn:
        rows = conn.execute(sa.text("SELECT description, owner_key FROM tickets")).all()
    assert len(rows) == 120
    assert all(d.startswith("[DEMO]") and o.startswith("demo:") for d, o in rows)
    real = tickets.create_ticket(
        kind="complaint",
        owner_key="phone:+6281234567001",
        sender_id="+6281234567001",
        category_or_service="jalan_rusak",
        url=embedded,
    )
    assert main(["demo", "remove"]) == 0
    with get_engine(embedded).connect() as conn:
        left = conn.execute(sa.text("SELECT id FROM tickets")).scalars().all()
        ratings = conn.execute(sa.text("SELECT COUNT(*) FROM ratings")).scalar()
    assert left == [real.id] and ratings == 0


@pytest.mark.parametrize(
    "env",
    [
        {"LAYANI_PROFILE": "production"},
        {"DATABASE_URL": "postgresql://127.0.0.1:5432/test"},
    ],
)
def test_seed_refuses_the_production_profile(embedded, monkeypatch, capsys, env):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert main(["demo", "seed"]) != 0
    assert "Refusing" in capsys.readouterr().err
