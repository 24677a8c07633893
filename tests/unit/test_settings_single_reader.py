"""One reader of the environment (layani/settings.py), and every name it reads documented.

Why: a second reader of a variable drifts from the first (the channel layer and the notifier
once read RASA_URL differently), and an operator can only set what `.env.example` and
docs/deployment.md ("Configuration") list. Reads are found with `ast`, as in test_layering.py,
so a read inside a function, `os.environ[...]` or `from os import environ` all count.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from layani import settings

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ("layani", "actions", "channels", "storage", "services", "console")
# layani/paths.py reads LAYANI_ROOT: the settings module's own defaults (var/) depend on it.
ALLOWED_READERS = ("layani/settings.py", "layani/paths.py")
ENV_EXAMPLE = ROOT / ".env.example"
DEPLOYMENT_DOC = ROOT / "docs" / "deployment.md"


def _environment_reads(path: Path) -> list[str]:
    """`line: code` of each use of os.environ, os.getenv, environ or getenv from `os`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    from_os = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "os"
        for alias in node.names
        if alias.name in ("environ", "getenv", "environb", "getenvb")
    }
    found = []
    for node in ast.walk(tree):
        attribute = (
            isinstance(node, ast.Attribute)
            and node.attr in ("environ", "getenv", "environb", "getenvb")
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
        )
        imported = isinstance(node, ast.Name) and node.id in from_os
        if attribute or imported:
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def _runtime_modules() -> list[Path]:
    return sorted(p for package in RUNTIME for p in (ROOT / package).rglob("*.py"))


def test_no_runtime_module_but_settings_reads_the_environment() -> None:
    readers = {}
    for path in _runtime_modules():
        name = path.relative_to(ROOT).as_posix()
        if name not in ALLOWED_READERS and (reads := _environment_reads(path)):
            readers[name] = reads
    assert not readers, (
        "Read configuration through layani.settings.load(), not os.environ: "
        f"{readers} (add the variable to Settings, .env.example and docs/deployment.md)"
    )


def test_the_scan_finds_every_spelling_of_an_environment_read(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "import os\nfrom os import environ as env, getenv\n"
        "a = os.environ['A']\nb = os.getenv('B')\nc = env.get('C')\nd = getenv('D')\n",
        encoding="utf-8",
    )
    assert len(_environment_reads(module)) == 4  # the four reads; the imports are not reads
    module.write_text("import os\nroot = os.path.join('a', 'b')\n", encoding="utf-8")
    assert _environment_reads(module) == []


def test_paths_reads_only_layani_root() -> None:
    path = ROOT / "layani" / "paths.py"
    reads = _environment_reads(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    read_lines = [lines[int(read.split(":")[0]) - 1] for read in reads]
    assert len(read_lines) == 1 and "LAYANI_ROOT" in read_lines[0], read_lines


def _env_example_names() -> set[str]:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def _read_by_rasa() -> set[str]:
    """`${VAR}` in the endpoints and credentials files (Rasa expands them) and READ_BY_RASA."""
    names = set(settings.READ_BY_RASA)
    for name in ("endpoints.yml", "endpoints.production.yml", "credentials.yml"):
        names |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)\}", (ROOT / name).read_text("utf-8")))
    return names - {"VAR"}


def _configuration_section() -> str:
    text = DEPLOYMENT_DOC.read_text(encoding="utf-8")
    match = re.search(r"^## Configuration\n(.*?)(?=^## )", text, flags=re.MULTILINE | re.DOTALL)
    assert match, "docs/deployment.md has no '## Configuration' section"
    return match.group(1)


def test_every_variable_settings_reads_is_in_env_example_and_the_docs() -> None:
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", _configuration_section()))
    listed = _env_example_names()
    assert not set(settings.VARIABLES) - listed, "missing from .env.example"
    assert not set(settings.VARIABLES) - documented, "missing from docs/deployment.md"
    assert "LAYANI_ROOT" in listed and "LAYANI_ROOT" in documented


def test_env_example_lists_nothing_that_nobody_reads() -> None:
    readers = set(settings.VARIABLES) | _read_by_rasa() | {"LAYANI_ROOT"}
    assert _env_example_names() - readers == set()
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", _configuration_section()))
    assert documented - readers == set()


def test_settings_of_a_mapping_use_its_values_and_the_defaults() -> None:
    conf = settings.load(
        {
            "RASA_URL": "http://rasa:5005/",
            "LAYANI_ALLOWED_ORIGINS": "https://a.go.id, https://b.go.id",
            "LAYANI_REST_ENABLED": "yes",
            "LAYANI_MAX_QUEUED_TURNS": "7",
        }
    )
    assert conf.rasa_url == "http://rasa:5005"  # one spelling for every caller
    assert conf.allowed_origins == ("https://a.go.id", "https://b.go.id")
    assert conf.rest_enabled is True and conf.max_queued_turns == 7
    assert conf.profile == "production"  # unset counts as production: REST needs a token
    assert (conf.api_token, conf.turn_token, conf.pii_encryption_key) == ("", "", "")


def test_the_process_settings_are_built_once_and_follow_a_changed_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LAYANI_SLA_DAYS", "4")
    first = settings.load()
    assert settings.load() is first and first.sla_default_days == 4
    monkeypatch.setenv("LAYANI_SLA_DAYS", "9")
    assert settings.load().sla_default_days == 9
    monkeypatch.setenv("SOMETHING_SETTINGS_DO_NOT_READ", "x")
    assert settings.load() is settings.load()
