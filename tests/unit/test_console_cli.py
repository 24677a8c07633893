"""`layani console ...`: the first admin is created from the command line, never by default."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from storage import console as accounts
from storage.db import dispose_engines, session_scope
from tooling.cli import main
from tooling.commands.console import read_password


@pytest.fixture()
def db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    yield url
    dispose_engines()


def test_create_admin_reads_the_password_from_stdin(db, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("sandi-admin-123\n"))
    assert main(["console", "create-admin", "Kepala", "--password-stdin"]) == 0
    assert "Created admin kepala" in capsys.readouterr().out
    with session_scope(db) as s:
        assert accounts.authenticate(s, "kepala", "sandi-admin-123").staff.role == "admin"
        assert accounts.list_audit(s, action="user_create")[0].target_id == "kepala"


def test_empty_or_short_password_is_refused(db, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))
    assert main(["console", "create-admin", "kepala", "--password-stdin"]) == 1
    assert "at least" in capsys.readouterr().err
    with session_scope(db) as s:
        assert accounts.list_users(s) == []


def test_officer_needs_an_existing_agency_and_seed_creates_catalogue_agencies(
    db, monkeypatch, capsys
):
    monkeypatch.setattr(sys, "stdin", io.StringIO("sandi-petugas-1\n"))
    assert (
        main(
            [
                "console",
                "create-user",
                "budi",
                "--role",
                "officer",
                "--agency",
                "dinas_pupr",
                "--password-stdin",
            ]
        )
        == 1
    )
    assert "unknown agency" in capsys.readouterr().err
    assert main(["console", "seed-agencies"]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("sandi-petugas-1\n"))
    assert (
        main(
            [
                "console",
                "create-user",
                "budi",
                "--role",
                "officer",
                "--agency",
                "dinas_pupr",
                "--password-stdin",
            ]
        )
        == 0
    )
    with session_scope(db) as s:
        ids = {a.id for a in accounts.list_agencies(s)}
    assert {"dinas_pupr", "dukcapil", "satpol_pp", "umum"} <= ids


def test_password_is_never_a_command_line_argument():
    result = subprocess.run(
        [sys.executable, "-m", "tooling.cli", "console", "create-admin", "x", "--password", "p"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "unrecognized arguments" in result.stderr


def test_interactive_prompt_requires_the_same_password_twice(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    answers = iter(["sandi-pertama-1", "sandi-kedua-22"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    with pytest.raises(SystemExit, match="do not match"):
        read_password(False, Tty())
