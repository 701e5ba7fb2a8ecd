"""No recording: no code in the service writes files except the mail outbox.

Walks the AST of every module in server/, media/ and signalling/ and lists each call that can
write a file (open for writing, os.open, Path.write_*, shutil copies, av.open for containers).
Anything outside the allow-list fails here, so a code path that could store media cannot slip in
unnoticed; the database is written only through sqlite3 in server/storage/.
"""

from __future__ import annotations

import ast
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
PACKAGES = ("server", "media", "signalling")
ALLOWED = {"server/mail/transport.py"}  # the .eml outbox (see docs/privacy.md)
WRITE_METHODS = {"write_bytes", "write_text", "copy", "copyfile", "copy2", "copytree", "move"}


def _mode(call: ast.Call) -> str | None:
    """The mode of an open() call; "" when computed (assume it may write), None when absent."""
    node = call.args[1] if len(call.args) >= 2 else next(
        (k.value for k in call.keywords if k.arg == "mode"), None)
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return ""


def writes(tree: ast.AST) -> list[int]:
    lines: list[int] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "open":
            mode = _mode(node)
            if mode is not None and (mode == "" or set(mode) & set("wax+")):
                lines.append(node.lineno)
        elif isinstance(func, ast.Attribute):
            owner = func.value.id if isinstance(func.value, ast.Name) else ""
            if func.attr in WRITE_METHODS or (owner in ("os", "av") and func.attr == "open"):
                lines.append(node.lineno)
            elif func.attr == "open" and node.args and isinstance(node.args[0], ast.Constant) \
                    and set(str(node.args[0].value)) & set("wax+"):
                lines.append(node.lineno)  # Path(...).open("w")
    return lines


def test_only_the_outbox_writes_files() -> None:
    found: dict[str, list[int]] = {}
    for package in PACKAGES:
        for path in sorted((PROJECT / package).rglob("*.py")):
            lines = writes(ast.parse(path.read_text(encoding="utf-8")))
            if lines:
                found[str(path.relative_to(PROJECT))] = lines
    assert set(found) <= ALLOWED, found
    assert "server/mail/transport.py" in found  # the scan does see real writes


def test_the_scanner_catches_the_usual_ways() -> None:
    samples = ['open("x.webm", "wb")', 'open(p, mode="ab")', 'Path("x").write_bytes(b"")',
               'os.open("x", os.O_WRONLY)', 'av.open("out.mp4", "w")', 'p.open("w")',
               'shutil.copy(a, b)', 'open(p, m)']
    for sample in samples:
        assert writes(ast.parse(sample)), sample
    assert not writes(ast.parse('open("x.toml", "rb")'))
    assert not writes(ast.parse('open("x")'))
