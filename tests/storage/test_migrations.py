"""Alembic owns the schema: migrating an empty database gives exactly the models' schema."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from storage.database import create_engine, upgrade
from storage.models import Base


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_upgrade_head_gives_the_models_schema(any_database_url: str) -> None:
    engine = create_engine(any_database_url)
    try:
        await upgrade(engine)
        async with engine.connect() as connection:
            diff = await connection.run_sync(_diff)
            tables = await connection.run_sync(_tables)
        assert diff == []
        assert set(Base.metadata.tables) <= tables
        assert "alembic_version" in tables
        # a second upgrade is a no-op (every start runs it)
        await upgrade(engine)
    finally:
        await engine.dispose()
