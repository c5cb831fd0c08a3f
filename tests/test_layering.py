"""The architecture's one-way dependencies, checked on the source."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLATFORM_LIBRARIES = {"telegram", "slack_bolt", "slack_sdk", "aiohttp"}


def _imports(folder: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


def test_conversations_import_no_platform_library() -> None:
    imports = _imports("conversations")
    assert imports, "no module found in conversations/"
    offenders = {f: n & PLATFORM_LIBRARIES for f, n in imports.items() if n & PLATFORM_LIBRARIES}
    assert offenders == {}


def test_only_bot_imports_handlers() -> None:
    for folder in ("conversations", "storage", "scheduler"):
        offenders = {f for f, names in _imports(folder).items() if "handlers" in names}
        assert offenders == set(), f"{folder}/ imports handlers: {offenders}"


def test_storage_does_not_import_conversations() -> None:
    offenders = {f for f, names in _imports("storage").items() if "conversations" in names}
    assert offenders == set()
