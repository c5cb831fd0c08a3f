"""Rows written by Core statements, the session's objects kept in step.

The statements every handled event runs (a flow's state, an answer, the privacy answer)
skip the ORM's unit of work, which costs as much again as the statement: each is one Core
statement on the session's connection, in one step into SQLAlchemy's synchronous core, and
an object the session holds for that row is given the values written, as if just loaded
(so it is not written again at commit, and what the flow reads next is what is stored).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, TypeVar, cast

from sqlalchemy import Executable, Table, bindparam, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.orm.attributes import set_committed_value

__all__ = ["execute_core", "loaded", "update_row"]

Entity = TypeVar("Entity", bound=DeclarativeBase)

# the bound parameter naming the row's key (a column's own name is SQLAlchemy's)
_KEY = "row_key"


async def execute_core(
    session: AsyncSession, statement: Executable, values: Mapping[str, Any]
) -> CursorResult[Any]:
    """Run a Core statement (no ORM objects) on the session's connection, in its
    transaction: one step into SQLAlchemy's synchronous core instead of two (fetching the
    connection, then the statement)."""

    def run(sync_session: Session) -> CursorResult[Any]:
        return sync_session.connection().execute(statement, values)

    return await session.run_sync(run)


def loaded(session: AsyncSession, entity: type[Entity], key: object) -> Entity | None:
    """The session's object of the row `key` of `entity`, if it holds one (no query)."""
    identity = session.sync_session.identity_key(entity, key)
    return cast(Entity | None, session.sync_session.identity_map.get(identity))


async def update_row(
    session: AsyncSession, entity: type[DeclarativeBase], key: object, values: Mapping[str, Any]
) -> int:
    """Set `values` (column names) on the row `key` of `entity` (a one-column primary key);
    the session's object of the row, if any, kept in step. The number of rows changed."""
    result = await execute_core(session, _update_statement(entity), {_KEY: key, **values})
    held = loaded(session, entity, key)
    if held is not None:
        for name, value in values.items():
            set_committed_value(held, name, value)
    return int(result.rowcount)


@cache
def _update_statement(entity: type[DeclarativeBase]) -> Executable:
    table = cast(Table, entity.__table__)
    (column,) = table.primary_key.columns
    # the columns set are the values' other keys, bound at each call
    return update(table).where(column == bindparam(_KEY))
