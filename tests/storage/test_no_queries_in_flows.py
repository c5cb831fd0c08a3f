"""Flows build no query themselves (design.md: `conversations` uses `storage` through
repository functions): no module under `conversations/` calls SQLAlchemy's `select`,
`insert`, `update` or `delete`, nor `add`, `add_all`, `execute`, `scalar` or `scalars` on a
session. `session.get(Model, id)` stays allowed: it is the lookup by primary key the
session itself offers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import conversations

PACKAGE = Path(conversations.__file__).resolve().parent
ROOT = PACKAGE.parent

# SQLAlchemy statement builders a flow may not call
STATEMENTS = frozenset({"select", "insert", "update", "delete"})
# session methods a flow may not call (`get` is fine)
SESSION_METHODS = frozenset({"add", "add_all", "execute", "scalar", "scalars"})

# Modules still allowed to query, each until it is moved to `storage/`. This set may only
# shrink: a listed module that no longer queries fails the test, so remove it then.
ALLOWED: frozenset[str] = frozenset()


def _is_session(node: ast.expr) -> bool:
    """`session`, `self.session`, `turn.session`, `db_session`...: what a flow calls a session."""
    if isinstance(node, ast.Name):
        return "session" in node.id.lower()
    if isinstance(node, ast.Attribute):
        return "session" in node.attr.lower()
    return False


def queries(source: str, filename: str = "<source>") -> list[str]:
    """Where `source` queries the database itself, as "line: call" strings."""
    tree = ast.parse(source, filename=filename)
    # names bound to SQLAlchemy's builders (`from sqlalchemy import select as s`) and to
    # SQLAlchemy modules (`import sqlalchemy as sa`, `from sqlalchemy import sql`)
    builders: set[str] = set()
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            for alias in node.names:
                if alias.name in STATEMENTS:
                    builders.add(alias.asname or alias.name)
                else:
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "sqlalchemy":
                    modules.add(alias.asname or alias.name.split(".")[0])
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in builders:
            found.append(f"{node.lineno}: {func.id}(")
        elif isinstance(func, ast.Attribute) and _queries(func, modules):
            found.append(f"{node.lineno}: {ast.unparse(func)}(")
    return sorted(found, key=lambda line: int(line.split(":")[0]))


def _queries(func: ast.Attribute, modules: set[str]) -> bool:
    """`sa.select(`, `sqlalchemy.sql.update(`, or `session.execute(` and the like."""
    if func.attr in STATEMENTS:
        return _root_name(func.value) in modules
    return func.attr in SESSION_METHODS and _is_session(func.value)


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _flow_modules() -> dict[str, list[str]]:
    return {
        path.relative_to(ROOT).as_posix(): queries(
            path.read_text(encoding="utf-8"), filename=str(path)
        )
        for path in sorted(PACKAGE.rglob("*.py"))
    }


def test_flows_build_no_queries() -> None:
    offending = {
        module: calls
        for module, calls in _flow_modules().items()
        if calls and module not in ALLOWED
    }
    assert offending == {}, (
        "flows call repository functions in storage/ instead of querying: "
        + "; ".join(f"{module} ({', '.join(calls)})" for module, calls in offending.items())
    )


def test_allowance_only_shrinks() -> None:
    modules = _flow_modules()
    stale = sorted(module for module in ALLOWED if not modules.get(module))
    assert stale == [], f"no longer querying (or gone): remove from ALLOWED: {stale}"


@pytest.mark.parametrize(
    "source",
    [
        "from sqlalchemy import select\nselect(X)",
        "from sqlalchemy import update as u\nu(X)",
        "import sqlalchemy as sa\nsa.delete(X)",
        "from sqlalchemy.dialects.sqlite import insert\ninsert(X)",
        "session.add(x)",
        "turn.session.add_all([x])",
        "await session.execute(q)",
        "await self.session.scalar(q)",
        "await db_session.scalars(q)",
    ],
)
def test_a_query_is_caught(source: str) -> None:
    assert queries(source) != []


@pytest.mark.parametrize(
    "source",
    [
        "await session.get(Person, 1)",
        "await people.find_by_identity(session, 'telegram', '1')",
        "items.add(x)",
        "choices.update(x)",
        "from conversations.core import select\nselect(x)",
    ],
)
def test_what_is_not_a_query(source: str) -> None:
    assert queries(source) == []
