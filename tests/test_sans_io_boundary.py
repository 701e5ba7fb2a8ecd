"""The cores in media/ and signalling/ stay sans-I/O: no event loop, socket, clock or database."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "trio",
    "socket",
    "asyncio",
    "time",
    "sqlite3",
    "selectors",
    "threading",
    "anyio",
    "psycopg",
    "psycopg2",
    "asyncpg",
    "sqlalchemy",
    "aiosqlite",
    "subprocess",
}
CORE_FILES = sorted(p for pkg in ("media", "signalling") for p in (ROOT / pkg).rglob("*.py"))


def imported_roots(tree: ast.AST) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__":
            roots.add("<dynamic __import__>")
    return roots


def test_cores_exist() -> None:
    assert len(CORE_FILES) >= 3


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_module_does_no_io(path: Path) -> None:
    roots = imported_roots(ast.parse(path.read_text(), filename=str(path)))
    bad = roots & (FORBIDDEN | {"<dynamic __import__>"})
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}: cores must stay sans-I/O"


def test_checker_catches_a_forbidden_import() -> None:
    assert "trio" in imported_roots(ast.parse("import trio.lowlevel"))
    assert "time" in imported_roots(ast.parse("from time import monotonic"))
