"""Rows read and written by Core statements, the session's objects kept in step.

The statements every handled event runs (a flow's state, an answer, the privacy answer)
skip the ORM's unit of work, which costs as much again as the statement: each is one Core
statement on the session's connection, in one step into SQLAlchemy's synchronous core, and
an object the session holds for that row is given the values written, as if just loaded
(so it is not written again at commit, and what the flow reads next is what is stored).

Likewise for the rows every event reads (who is talking, where they stand) and the few it
creates (a new youth, their application): read or inserted by Core, each row becomes the
session's object as if a query had loaded it (`as_loaded`). The ORM's own loading sets up
its row processing anew for every query, which cost more than the query itself here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, TypeVar, cast

from sqlalchemy import Executable, Table, bindparam, insert, inspect, update
from sqlalchemy.engine import CursorResult, Row
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapper,
    Session,
    configure_mappers,
    make_transient_to_detached,
)
from sqlalchemy.orm.attributes import set_committed_value

__all__ = [
    "Columns",
    "as_loaded",
    "columns_of",
    "execute_core",
    "insert_row",
    "loaded",
    "update_row",
]

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


class Columns:
    """An entity's table columns, in order, and the attribute each one fills."""

    __slots__ = ("attributes", "columns", "entity", "mapper", "primary_key")

    def __init__(self, entity: type[DeclarativeBase]) -> None:
        # objects are made without a constructor or a query, either of which would have
        # set the mapped classes up first
        configure_mappers()
        self.entity = entity
        self.mapper: Mapper[Any] = entity.__mapper__
        table = cast(Table, entity.__table__)
        self.columns = tuple(table.columns)
        self.attributes = tuple(
            self.mapper.get_property_by_column(column).key for column in self.columns
        )
        self.primary_key = tuple(self.columns.index(column) for column in self.mapper.primary_key)

    def values(self, row: Row[Any] | tuple[Any, ...], start: int = 0) -> tuple[Any, ...]:
        """This entity's columns out of a Core row that selected them from `start` on."""
        return tuple(row[start : start + len(self.columns)])


@cache
def columns_of(entity: type[DeclarativeBase]) -> Columns:
    return Columns(entity)


def as_loaded(sync_session: Session, entity: type[Entity], values: Sequence[Any]) -> Entity:
    """The session's object of the row whose column `values` (in the table's order) a Core
    statement read or wrote: the one the session holds already, else a new one joined to the
    session as if a query had loaded it (what the ORM's loading does for each row, without
    setting itself up again for each query)."""
    shape = columns_of(entity)
    key = shape.mapper.identity_key_from_primary_key(tuple(values[i] for i in shape.primary_key))
    held = sync_session.identity_map.get(key)
    if held is not None:
        # as loading does: what the session holds stays, what it had let go (expired) is
        # filled from the row
        unloaded = inspect(held).unloaded
        for attribute, value in zip(shape.attributes, values, strict=True):
            if attribute in unloaded:
                set_committed_value(held, attribute, value)
        return cast(Entity, held)
    made = shape.mapper.class_manager.new_instance()
    # the instance's dict is where loading puts column values: no change is recorded
    made.__dict__.update(zip(shape.attributes, values, strict=True))
    make_transient_to_detached(made)
    sync_session.add(made)
    return cast(Entity, made)


async def insert_row(
    session: AsyncSession, entity: type[Entity], values: Mapping[str, Any]
) -> Entity:
    """Insert a row of `entity` (every column not given is NULL: give what has a default;
    a one-column primary key not given is the database's) and return the session's object
    of it, as if loaded."""
    shape = columns_of(entity)
    (key_index,) = shape.primary_key
    key_name = shape.columns[key_index].key
    unknown = set(values) - {column.key for column in shape.columns}
    if unknown:
        raise ValueError(f"not columns of {entity.__name__}: {sorted(unknown)}")
    row = {column.key: values.get(column.key) for column in shape.columns}
    if row[key_name] is None:
        del row[key_name]
    result = await execute_core(session, _insert_statement(entity), row)
    if key_name not in row:
        row[key_name] = result.inserted_primary_key[0]  # type: ignore[index]
    return as_loaded(session.sync_session, entity, [row[column.key] for column in shape.columns])


@cache
def _insert_statement(entity: type[DeclarativeBase]) -> Executable:
    return insert(cast(Table, entity.__table__))
