"""Layers point one way and no module imports itself back, read from the source (every import
statement, those inside functions too, since a late import is still a dependency).

    heap_facts   (shared facts; imports nothing of ours)
    http_layer   (the HTTP plumbing both servers stand on: heap_facts only; knows no Heap, no mParticle)
    heap_mock    (the simulator: http_layer and heap_facts)
    forwarder    (http_layer and heap_facts: it must work against the real Heap, which is not our simulator)
    conformance  (may use all of the above)

And neither server implements what the layer offers: only http_layer may import an HTTP server,
a web framework, sockets or an event loop.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = {
    "heap_facts": {"heap_facts"},
    "http_layer": {"http_layer", "heap_facts"},
    "heap_mock": {"heap_mock", "http_layer", "heap_facts"},
    "forwarder": {"forwarder", "http_layer", "heap_facts"},
    "conformance": {"conformance", "heap_mock", "forwarder", "http_layer", "heap_facts"},
}
# What the HTTP layer offers: serving, routing, reading bodies, answering. A site that imports one
# of these is doing the layer's job again, as each server once did (issue 20).
HTTP_PLUMBING = {"waitress", "granian", "flask", "werkzeug", "socket", "asyncio", "uvloop", "wsgiref", "http.server", "socketserver"}
OURS = {*ALLOWED, "bench", "tests"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(path: Path) -> set[str]:
    """Every module name an import statement in `path` names, ours or not."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module)
    return found


def runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of `tree` but those under `if TYPE_CHECKING:`: an import only a type checker runs is
    no dependency of the running code (an endpoint names the `Call` type it is handed that way)."""
    skipped = {id(inner) for node in ast.walk(tree) if isinstance(node, ast.If) and _is_type_checking(node.test)
               for branch in node.body for inner in ast.walk(branch)}
    return [node for node in ast.walk(tree) if id(node) not in skipped]


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imported(path: Path, modules: set[str]) -> set[str]:
    """The modules of ours that `path` imports at run time: `from a.b import c` names a.b.c if that
    is a module, else a.b."""
    found: set[str] = set()
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in runtime_nodes(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names}
    return {name for name in found if name.split(".")[0] in OURS}


def import_graph() -> dict[str, set[str]]:
    files = [path for top in ALLOWED if (ROOT / top).is_dir() for path in (ROOT / top).rglob("*.py")]
    modules = {module_name(path) for path in files}
    return {module_name(path): imported(path, modules) for path in files}


GRAPH = import_graph()


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_point_one_way(module: str) -> None:
    allowed = ALLOWED[module.split(".")[0]]
    wrong = sorted(name for name in GRAPH[module] if name.split(".")[0] not in allowed)
    assert not wrong, f"{module} imports {wrong}; {module.split('.')[0]} may import only {sorted(allowed)}"


def test_no_module_imports_its_own_package() -> None:
    # `import heap_mock` from inside heap_mock runs the package's __init__, which imports the module back.
    inward = sorted(f"{module} -> {name}" for module, names in GRAPH.items() for name in names
                    if "." in module and name == module.split(".")[0])
    assert not inward, f"modules that import their own top-level package: {inward}"


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules, or None (a depth-first search for a back edge)."""
    colour: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if colour.get(target) == 1:
                return [*stack[stack.index(target):], target]
            if target in graph and not colour.get(target):
                cycle = visit(target)
                if cycle:
                    return cycle
        stack.pop()
        colour[node] = 2
        return None

    for start in sorted(graph):
        if not colour.get(start):
            cycle = visit(start)
            if cycle:
                return cycle
    return None


def test_no_import_cycles() -> None:
    modules = {name: {target for target in targets if target != name.split(".")[0]} for name, targets in GRAPH.items()}
    cycle = find_cycle(modules)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    # The test above could pass by never looking: the finder must see a cycle that is there.
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("module", sorted(name for name in GRAPH if not name.startswith("http_layer")))
def test_only_the_http_layer_touches_servers_frameworks_and_sockets(module: str) -> None:
    path = ROOT / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = ROOT / module.replace(".", "/") / "__init__.py"
    plumbing = sorted(name for name in imported_names(path) if name in HTTP_PLUMBING or name.split(".")[0] in HTTP_PLUMBING - {"http.server"})
    assert not plumbing, f"{module} imports {plumbing}: that is the HTTP layer's job (http_layer/)"


# Inside the simulator, levels from the top down: a module imports its own level or those below.
# The frame runs a simulator (commands, servers, the site and its routes); the control plane and
# the documents read its state; the Simulator ties config, clock and state together; the store
# keeps what arrived; the endpoints validate and answer Heap's requests; the base is what every
# level shares (settings, the clock, errors, rules, fidelity, the pure rate limiter).
SIMULATOR_LEVELS = [
    ("frame", {"heap_mock", "heap_mock.__main__", "heap_mock.cli", "heap_mock.app", "heap_mock.server", "heap_mock.site",
               "heap_mock.routes", "heap_mock.pytest_plugin", "heap_mock.testing"}),
    ("control and docs", {"heap_mock.control", "heap_mock.docs"}),
    ("simulator", {"heap_mock.simulator"}),
    ("store", {"heap_mock.store"}),
    ("endpoints", {"heap_mock.endpoints"}),
    ("base", {"heap_mock.config", "heap_mock.clock", "heap_mock.errors", "heap_mock.rules", "heap_mock.fidelity",
              "heap_mock.unknowns", "heap_mock.paths", "heap_mock.version", "heap_mock.ratelimit"}),
]


def simulator_level(module: str) -> int | None:
    """The level of a heap_mock module (a package's modules share its level), None outside heap_mock."""
    for depth, (_, members) in enumerate(SIMULATOR_LEVELS):
        if any(module == member or (module.startswith(member + ".") and member != "heap_mock") for member in members):
            return depth
    return None


def test_every_simulator_module_has_a_level() -> None:
    unplaced = sorted(module for module in GRAPH if module.startswith("heap_mock") and simulator_level(module) is None)
    assert not unplaced, f"place these in SIMULATOR_LEVELS: {unplaced}"


@pytest.mark.parametrize("module", sorted(name for name in GRAPH if name.startswith("heap_mock")))
def test_simulator_levels_point_down(module: str) -> None:
    level = simulator_level(module)
    assert level is not None
    upward = sorted(name for name in GRAPH[module] if (target := simulator_level(name)) is not None and target < level)
    assert not upward, f"{module} ({SIMULATOR_LEVELS[level][0]}) imports {upward} from a level above it"
