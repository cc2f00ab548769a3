"""The source tree keeps its layers: who may import whom, no cycles, small files.

Read with ``ast`` (nothing is imported), so a violation names the file and line.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGES = ("secure_exchange", "scoring")
MAX_LINES = 600

# Lower numbers sit lower; a module may import its own layer or any layer below.
LAYERS = {
    "formats": 0,
    "errors": 1,
    "i18n": 1,
    "fsio": 1,
    "layout": 1,
    "trust": 2,
    "ledger": 2,
    "audit": 2,
    "scoring": 2,
    "package": 3,
    "pseudonym": 3,
    "reports": 3,
    "station": 4,
    "demo": 5,
    "cli": 5,
    "__init__": 6,
    "__main__": 6,
}


@dataclass(frozen=True)
class Import:
    """One import statement of ours: the importing module, the imported one, where."""

    source: str
    target: str
    line: int
    top_level: bool
    type_only: bool


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((SRC / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str:
    """The longest known module that ``name`` (``a.b.c``, maybe an attribute) names."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports_of(module: str, path: Path) -> list[Import]:
    tree = ast.parse(path.read_text("utf-8"), str(path))
    found: list[Import] = []

    def visit(node: ast.AST, top: bool, typing_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                base = child.module
                names = [f"{base}.{alias.name}" for alias in child.names]
            else:
                inner_top = top and not isinstance(
                    child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
                )
                inner_typing = typing_only or (
                    isinstance(child, ast.If) and _is_type_checking(child)
                )
                visit(child, inner_top, inner_typing)
                continue
            for name in names:
                target = _resolve(name)
                if target and target.split(".")[0] in PACKAGES:
                    found.append(Import(module, target, child.lineno, top, typing_only))

    visit(tree, True, False)
    return found


IMPORTS = [imp for module, path in MODULES.items() for imp in _imports_of(module, path)]


def _area(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "scoring":
        return "scoring"
    return parts[1] if len(parts) > 1 else "__init__"


def _where(imp: Import) -> str:
    return f"{MODULES[imp.source].relative_to(SRC)}:{imp.line} imports {imp.target}"


def test_every_area_has_a_layer() -> None:
    areas = {_area(module) for module in MODULES}
    assert areas <= set(LAYERS), sorted(areas - set(LAYERS))


def test_imports_go_down_the_layers() -> None:
    upward = [
        _where(imp) for imp in IMPORTS if LAYERS[_area(imp.target)] > LAYERS[_area(imp.source)]
    ]
    assert upward == []


def test_formats_import_nothing_of_the_application() -> None:
    leaks = [
        _where(imp)
        for imp in IMPORTS
        if imp.source.startswith("secure_exchange.formats")
        and not imp.target.startswith("secure_exchange.formats")
    ]
    assert leaks == []


def _face(module: str) -> str:
    """The public face through which other areas must import ``module``."""
    parts = module.split(".")
    if parts[0] == "scoring":
        return module  # scoring keeps its own shape
    if len(parts) > 2 and parts[1] == "formats":
        return ".".join(parts[:3])  # each format is a face of its own
    return ".".join(parts[:2])


def test_other_areas_use_the_public_face() -> None:
    behind = [
        _where(imp)
        for imp in IMPORTS
        if _area(imp.source) != _area(imp.target)
        and not imp.source.startswith("secure_exchange.formats")
        and imp.target not in (_face(imp.target), f"{_face(imp.target)}.__init__")
        and not imp.target.startswith("scoring")
    ]
    assert behind == []


def test_no_function_level_imports_of_our_modules() -> None:
    late = [_where(imp) for imp in IMPORTS if not imp.top_level and not imp.type_only]
    assert late == []


def test_no_import_cycles() -> None:
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for imp in IMPORTS:
        if imp.top_level and not imp.type_only and imp.target != imp.source:
            # a package's __init__ importing its own submodules is how a face is built
            if imp.target.startswith(imp.source + "."):
                continue
            graph[imp.source].add(imp.target)
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            walk(module)
    assert cycles == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_source_files_stay_small(module: str) -> None:
    lines = MODULES[module].read_text("utf-8").count("\n")
    assert lines <= MAX_LINES, f"{MODULES[module].relative_to(SRC)} has {lines} lines"
