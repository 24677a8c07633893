"""The import graph follows the layers in docs/ARCHITECTURE.md ("Layers").

Why a test: a lower layer that imports a higher one (storage calling the notifier, the runtime
importing the developer tooling) is how the code base drifted into cycles before; the rules
only hold if a change that breaks them fails `make check`. Imports are read with `ast` from
every module, including imports inside functions, `TYPE_CHECKING` blocks and
`importlib.import_module("literal")`, because a deferred import is still a dependency.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import defaultdict
from importlib import metadata
from pathlib import Path

import pytest
import tomli as tomllib
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("layani", "actions", "channels", "storage", "services", "console", "tooling")
RUNTIME = ("layani", "actions", "channels", "storage", "services", "console")

# Modules of `layani` that start a process or plug a higher layer into Rasa: they wire
# packages together, so they may import actions/channels/storage. Every other module of
# `layani` is the foundation (settings, paths, masking, validators, NLU components, ...).
LAYANI_HOSTS = (
    "layani.server",  # Rasa server: registers the channel connectors
    "layani.run",  # launcher: starts every process
    "layani.action_server",  # action server: serves `actions`
    "layani.tracker_store",  # Rasa plug-in: needs the personal slots of `actions`
)
# What storage may use from below it: the foundation it needs to store, nothing that acts.
STORAGE_MAY_IMPORT = (
    "layani.paths",
    "layani.settings",
    "layani.pii",
    "layani.pii_key",
    "layani.catalogue",
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, module: str) -> set[str]:
    """Every project module `path` imports: `import a.b`, `from a import b` gives a and a.b."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return {name for name in found if name.split(".")[0] in PACKAGES}


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = _module_name(path)
            graph[module] = _imports(path, module)
    return graph


GRAPH = import_graph()


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def unit_of(module: str) -> str:
    """The layer a module belongs to: its top-level package, with `layani` split in two."""
    top = module.split(".")[0]
    if top == "layani" and _within(module, LAYANI_HOSTS):
        return "layani-hosts"
    return top


def _violations(sources: tuple[str, ...], allowed) -> list[str]:
    return sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if _within(module, sources)
        for target in targets
        if not allowed(module, target)
    )


def test_the_graph_sees_deferred_and_string_imports():
    # The rules below are only as good as the reader: these imports exist today.
    assert "layani.model_files" in GRAPH["layani.run"]
    assert "actions.complaints.classifier" in GRAPH["tooling.evaluation"]  # import_module
    assert "storage.tickets" in GRAPH["tooling.commands.complaints"]  # inside a function
    assert len(GRAPH) > 100


def test_runtime_never_imports_tooling():
    assert _violations(RUNTIME, lambda _m, target: not _within(target, ("tooling",))) == []


def test_storage_imports_nothing_above_it():
    def allowed(_module, target):
        return _within(target, ("storage",) + STORAGE_MAY_IMPORT) or target == "layani"

    assert _violations(("storage",), allowed) == []


def test_services_import_only_storage_and_the_foundation():
    def allowed(_module, target):
        hosts = _within(target, LAYANI_HOSTS)
        return _within(target, ("services", "storage", "layani")) and not hosts

    assert _violations(("services",), allowed) == []


def test_layani_foundation_imports_no_other_package():
    def allowed(module, target):
        return _within(module, LAYANI_HOSTS) or _within(target, ("layani",))

    assert _violations(("layani",), allowed) == []


def _unit_graph() -> dict[str, set[str]]:
    units: dict[str, set[str]] = defaultdict(set)
    for module, targets in GRAPH.items():
        for target in targets:
            if unit_of(module) != unit_of(target):
                units[unit_of(module)].add(unit_of(target))
    return units


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> list[str] | None:
        if node in visiting:
            return visiting[visiting.index(node) :] + [node]
        if node in done:
            return None
        visiting.append(node)
        for nxt in sorted(graph.get(node, ())):
            cycle = visit(nxt)
            if cycle:
                return cycle
        visiting.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        cycle = visit(start)
        if cycle:
            return cycle
    return None


def test_no_cycle_between_packages():
    assert _find_cycle(_unit_graph()) is None


def test_no_module_import_cycle_in_the_console():
    """`create_app` imports the views; views use `console.context`, never the app back."""
    console = {
        m: {t for t in ts if t in GRAPH and t.startswith("console")} for m, ts in GRAPH.items()
    }
    console = {m: ts for m, ts in console.items() if m.startswith("console")}
    assert _find_cycle(console) is None


@pytest.mark.parametrize(
    "edges, expected",
    [
        ({"a": {"b"}, "b": {"c"}}, None),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
    ],
)
def test_cycle_finder(edges, expected):
    assert _find_cycle(edges) == expected


# --- Third-party imports are declared -----------------------------------------------------------

# Imported under a name no installed distribution provides (tests' helpers put on sys.path).
LOCAL_TEST_MODULES = {p.stem for p in (ROOT / "tests").rglob("*.py")} | {
    p.name for p in (ROOT / "tests").rglob("*") if p.is_dir()
}


def _third_party_imports(folders: tuple[str, ...]) -> dict[str, str]:
    """Top-level names of non-stdlib, non-project imports -> one file that imports each."""
    found: dict[str, str] = {}
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if (
                        top in sys.stdlib_module_names
                        or top in PACKAGES
                        or top in ("__future__", "tests")
                        or top in LOCAL_TEST_MODULES
                    ):
                        continue
                    found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def _providers() -> dict[str, set[str]]:
    """Import name -> normalised names of the installed distributions that ship it (RECORD)."""
    providers: dict[str, set[str]] = defaultdict(set)
    for dist in metadata.distributions():
        name = canonicalize_name(dist.metadata["Name"])
        for file in dist.files or ():
            top = file.parts[0]
            if top.endswith((".dist-info", ".egg-info", ".data")) or top == "..":
                continue
            providers[top.removesuffix(".py")].add(name)
    return providers


def _declared(*groups: str) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for group in groups:
        requirements += project["optional-dependencies"][group]
    return {canonicalize_name(re.match(r"[A-Za-z0-9._-]+", r).group()) for r in requirements}


def _pinned() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements" / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[canonicalize_name(name)] = version.split(";")[0].strip()
    return pins


@pytest.mark.parametrize(
    "folders, groups",
    # Tooling runs from a development install (`make eval|bench|fuzz` install ".[dev]").
    [(RUNTIME, ()), (("tooling", "tests"), ("dev",))],
    ids=["runtime", "tooling-and-tests"],
)
def test_every_direct_import_is_declared(folders, groups):
    providers, declared = _providers(), _declared(*groups)
    missing = sorted(
        f"{top} (imported by {where}; provided by {sorted(providers.get(top, [])) or '?'})"
        for top, where in _third_party_imports(folders).items()
        if not providers.get(top, set()) & declared
    )
    assert missing == []


def test_declared_dependencies_are_pinned_to_what_is_installed():
    pins = _pinned()
    wrong = sorted(
        f"{name}: pinned {pins.get(name)}, installed {metadata.version(name)}"
        for name in _declared("dev")
        if pins.get(name) != metadata.version(name)
    )
    assert wrong == []
