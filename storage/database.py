"""Engine and sessions, and schema upgrades with Alembic."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, make_url
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from storage.inline import InlineSession, create_inline_engine, is_inline, set_sqlite_pragmas

__all__ = [
    "DatabaseUnavailable",
    "alembic_config",
    "create_engine",
    "create_inline_engine",
    "create_sessions",
    "describe",
    "reachable",
    "readiness",
    "sqlite_file",
    "transaction",
    "upgrade",
]

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class DatabaseUnavailable(Exception):
    """The database cannot be reached; the message says which and what to check."""


def create_engine(url: str) -> AsyncEngine:
    """An async engine; SQLite gets foreign keys, WAL and a busy timeout."""
    if url.startswith("sqlite"):
        # every session ends its own transaction (commit, or rollback on error), so the
        # pool's extra rollback on each return is one more SQLite thread round trip per
        # handled event for nothing
        engine = create_async_engine(
            url, connect_args={"timeout": 30}, pool_reset_on_return=None, hide_parameters=True
        )

        set_sqlite_pragmas(engine.sync_engine, busy_timeout_ms=30_000)
        return engine
    # statements' parameters (what people typed) never in an error message or a log line
    return create_async_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=10, hide_parameters=True
    )


def is_locked(error: BaseException) -> bool:
    """SQLite's "database is locked": another connection holds the write lock."""
    return isinstance(error, OperationalError) and "database is locked" in str(error.orig)


async def retry_when_locked(work: Callable[[], Awaitable[Any]], *, attempts: int = 400) -> Any:
    """Run `work` (a whole transaction), again after a short pause while SQLite says
    another connection holds the write lock (at most about 30 s in all)."""
    pause = 0.001
    for _ in range(attempts - 1):
        try:
            return await work()
        except OperationalError as error:
            if not is_locked(error):
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.1)
    return await work()


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session in one transaction, committed when the block ends without an error.

    `async with session` closes the session in a task of its own, so that a cancellation
    cannot leave it half closed: a turn of the event loop for every handled event. On an
    inline engine nothing waits, so nothing can interrupt it: the transaction begins with
    its first statement, and is committed and the session closed in one step."""
    if not is_inline(sessions.kw.get("bind")):
        async with sessions() as session, session.begin():
            yield session
        return
    session = sessions()
    try:
        yield session
    except BaseException:
        await session.close()  # rolled back
        raise
    await session.run_sync(_commit_and_close)


def _commit_and_close(session: Session) -> None:
    try:
        session.commit()
    finally:
        session.close()


def create_sessions(engine: AsyncEngine | Engine) -> async_sessionmaker[AsyncSession]:
    """The session factory: one session and one transaction per handled event or job run;
    `InlineSession`s on an engine made by `create_inline_engine`."""
    if isinstance(engine, Engine):
        if not is_inline(engine):
            raise TypeError("a plain engine is only for inline sessions (create_inline_engine)")
        # the InlineSession takes the plain engine where an AsyncSession takes an AsyncEngine
        return async_sessionmaker(
            cast(AsyncEngine, engine), class_=InlineSession, expire_on_commit=False
        )
    return async_sessionmaker(engine, expire_on_commit=False)


def describe(url: str | URL) -> str:
    """The database URL for messages and logs, its password shown as `***`."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        # not a URL SQLAlchemy can read: show nothing of it rather than a password
        return "(an unreadable database URL)"


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for our migrations, run on `connection` when given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    command.upgrade(alembic_config(connection), revision)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Create or migrate the schema to `revision`."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, revision)


def _current_and_head(connection: Connection) -> tuple[str | None, str | None]:
    current = MigrationContext.configure(connection).get_current_revision()
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    return current, head


def sqlite_file(engine: AsyncEngine) -> Path | None:
    """The file of a SQLite database (None for PostgreSQL or an in-memory database)."""
    url = engine.url
    if not url.get_backend_name().startswith("sqlite") or url.database in (None, "", ":memory:"):
        return None
    return Path(str(url.database)).resolve()


async def readiness(engine: AsyncEngine) -> str | None:
    """None when the database answers and its schema is at head; otherwise why not, in
    words for an operator (`/readyz`)."""
    path = sqlite_file(engine)
    if path is not None and not path.exists():
        return f"the database file {path} has disappeared under the running process"
    try:
        async with engine.connect() as connection:
            current, head = await connection.run_sync(_current_and_head)
    except (DBAPIError, OSError) as error:
        return f"the database at {describe(engine.url)} does not answer ({type(error).__name__})"
    if current != head:
        return f"the schema is at {current}, not at {head}: run `mentorbot db upgrade`"
    return None


@asynccontextmanager
async def reachable(engine: AsyncEngine) -> AsyncIterator[None]:
    """Turn low-level connection failures into `DatabaseUnavailable` with a clear message."""
    try:
        yield
    except (OSError, OperationalError, DBAPIError) as error:
        if (
            isinstance(error, DBAPIError)
            and not error.connection_invalidated
            and not isinstance(error, OperationalError)
        ):
            raise
        raise DatabaseUnavailable(
            f"Cannot reach the database {describe(engine.url)}: {error.__class__.__name__}: "
            f"{str(error).splitlines()[0] if str(error) else ''}. "
            "Check MENTORBOT_DATABASE_URL and that the server is running."
        ) from error
