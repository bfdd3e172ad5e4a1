"""The engine, the shape context, the shapes and the pure flow modules never import Flask.

Read from the source with `ast` (nothing is imported), following `app.…` imports so that reaching
Flask through another module (app.extensions, a views module, …) fails too.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FLOWS = ROOT / "app" / "flows"
PURE_PATTERNS = ("engine.py", "context.py", "shapes/*.py", "variables.py", "paths.py", "mapping*.py",
                 "transforms*.py", "condition*.py", "batching.py", "formats.py", "xml_dict.py", "schedules.py")


def _is_flask(top: str) -> bool:
    return top == "flask" or top.startswith("flask_")  # Flask and its extensions


def _pure_modules() -> list[Path]:
    found = {path for pattern in PURE_PATTERNS for path in FLOWS.glob(pattern)}
    return sorted(found)


def _module_file(name: str) -> Path | None:
    """The file of an `app.…` module, or None when it is not a module of ours."""
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[str]:
    """Every module named by an import statement in the file (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.append(module)
            # `from app.flows import variables` names a module too
            names += [f"{module}.{alias.name}" for alias in node.names if _module_file(f"{module}.{alias.name}")]
    return names


def _flask_chain(start: Path) -> list[str] | None:
    """The import chain from `start` to a Flask import, or None."""
    seen: set[Path] = set()
    queue: list[tuple[Path, list[str]]] = [(start, [_module_name(start)])]
    while queue:
        path, chain = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        for name in _imports(path):
            top = name.split(".")[0]
            if _is_flask(top):
                return chain + [name]
            if top != "app" or name == "app":
                continue  # `app/__init__.py` is the Flask factory; importing a submodule is what matters
            target = _module_file(name)
            if target is not None and target not in seen:
                queue.append((target, chain + [name]))
    return None


def test_the_pure_modules_are_found():
    names = {_module_name(p) for p in _pure_modules()}
    assert {"app.flows.engine", "app.flows.context", "app.flows.shapes.base", "app.flows.shapes.map",
            "app.flows.variables", "app.flows.paths", "app.flows.conditions", "app.flows.batching"} <= names


@pytest.mark.parametrize("path", _pure_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_never_imports_flask(path):
    chain = _flask_chain(path)
    assert chain is None, "imports Flask: " + " -> ".join(chain or [])


def test_the_checker_catches_direct_and_indirect_flask_imports():
    assert _flask_chain(FLOWS / "views.py") == ["app.flows.views", "flask"]
    assert _flask_chain(FLOWS / "services.py")[-1].split(".")[0].startswith("flask")  # via app.extensions
