"""SQLite on the event loop itself, for the engine's short transactions (one handled event).

An `AsyncSession` on aiosqlite sends every statement to a worker thread and back, and even
with that thread taken out, each call still crosses SQLAlchemy's asyncio layer: a greenlet
started for the call, and the driver adapter's own switch back to the loop for each cursor
operation. On a SQLite file nothing there ever waits, so the engine's sessions here are
`InlineSession`s: the `AsyncSession` interface the flows and repositories are written
against, over a plain `Session` on Python's own sqlite3 driver, each call made directly.

Running SQLite on the loop is safe only if it never waits there: a transaction takes the
write lock first (`BEGIN IMMEDIATE`) with no busy timeout, so a lock held by another
connection (the scheduler's, the dispatcher's, another process's) fails at once with
"database is locked", nothing done yet, and the caller tries again a moment later
(`storage.database.retry_when_locked`) while the loop runs on.
"""

from __future__ import annotations

import sqlite3
from typing import Any
from weakref import WeakSet

from sqlalchemy import Engine, event, make_url
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

__all__ = ["InlineSession", "create_inline_engine", "is_inline", "set_sqlite_pragmas"]

# the engines made by `create_inline_engine`: nothing they do waits on the event loop
_INLINE: WeakSet[Engine] = WeakSet()


def is_inline(bind: object) -> bool:
    """Whether `bind` is an engine made by `create_inline_engine`."""
    return isinstance(bind, Engine) and bind in _INLINE


def set_sqlite_pragmas(engine: Engine, *, busy_timeout_ms: int) -> None:
    """Every new connection of a SQLite engine: foreign keys enforced, WAL, the busy
    timeout given."""

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        # with WAL, NORMAL loses no committed data on a process crash (only on power loss)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def create_inline_engine(url: str) -> Engine | None:
    """For a SQLite file, a plain (not asyncio) engine on Python's sqlite3 driver, for
    `InlineSession`s; None for another database (PostgreSQL's driver is asynchronous
    already)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    path = parsed.database

    def connector() -> sqlite3.Connection:
        # autocommit at the driver: each transaction is begun by `_ImmediateSession`
        return sqlite3.connect(path, isolation_level=None, check_same_thread=False)

    engine = create_sync_engine(
        parsed.set(drivername="sqlite+pysqlite"),
        creator=connector,
        pool_reset_on_return=None,
        hide_parameters=True,
    )

    # no busy timeout: a lock held elsewhere is said at once (see the module's docstring)
    set_sqlite_pragmas(engine, busy_timeout_ms=0)
    _INLINE.add(engine)
    return engine


class _ImmediateSession(Session):
    """A plain session whose transactions take SQLite's write lock first."""


@event.listens_for(_ImmediateSession, "after_begin")
def _begin_immediate(
    _session: Session, transaction: SessionTransaction, connection: Connection
) -> None:
    # on the driver's connection, once per transaction: an engine-level "begin" listener
    # would do the same, but any engine listener sends every statement of every event
    # through SQLAlchemy's event dispatch; "database is locked" at once if another
    # connection holds the write lock, raised as SQLAlchemy raises a driver's error
    if transaction.nested:
        return
    driver = connection.connection.driver_connection
    if not isinstance(driver, sqlite3.Connection):
        raise TypeError(f"not a sqlite3 connection: {type(driver).__name__}")
    try:
        driver.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        raise OperationalError("BEGIN IMMEDIATE", None, error) from error


class InlineSession(AsyncSession):
    """An `AsyncSession` whose calls run its plain `Session` directly, on an engine made by
    `create_inline_engine` (nothing there waits, so nothing needs the asyncio layer).

    What the flows and repositories call is done here; a transaction object from `begin()`
    still goes through `AsyncSession`'s greenlet, which works on a plain engine too, only
    slower. There is no asyncio connection or streamed result to give (`connection()`,
    `stream()`): a Core statement goes through `run_sync` (`storage.rows.execute_core`). A
    lazy load a flow forgot to ask for simply loads.
    """

    def __init__(self, bind: Engine | None = None, **kw: Any) -> None:
        # not AsyncSession.__init__: it takes the sync engine out of an AsyncEngine
        self._async_bind = None
        self._async_binds = {}
        self.sync_session = self._proxied = self._assign_proxied(_ImmediateSession(bind=bind, **kw))

    async def execute(self, *args: Any, **kw: Any) -> Any:
        return self.sync_session.execute(*args, **kw)

    async def scalar(self, *args: Any, **kw: Any) -> Any:
        return self.sync_session.scalar(*args, **kw)

    async def scalars(self, *args: Any, **kw: Any) -> Any:
        return self.sync_session.scalars(*args, **kw)

    async def get(self, *args: Any, **kw: Any) -> Any:
        return self.sync_session.get(*args, **kw)

    async def get_one(self, *args: Any, **kw: Any) -> Any:
        return self.sync_session.get_one(*args, **kw)

    async def merge(self, *args: Any, **kw: Any) -> Any:
        return self.sync_session.merge(*args, **kw)

    async def refresh(self, *args: Any, **kw: Any) -> None:
        self.sync_session.refresh(*args, **kw)

    async def delete(self, instance: object) -> None:
        self.sync_session.delete(instance)

    async def flush(self, objects: Any = None) -> None:
        self.sync_session.flush(objects)

    async def run_sync(self, fn: Any, *args: Any, **kw: Any) -> Any:
        return fn(self.sync_session, *args, **kw)

    async def commit(self) -> None:
        self.sync_session.commit()

    async def rollback(self) -> None:
        self.sync_session.rollback()

    async def close(self) -> None:
        self.sync_session.close()

    async def connection(self, *_args: Any, **_kw: Any) -> Any:
        # AsyncSession's would fail deep in SQLAlchemy ("requires an async driver"), and
        # only on SQLite, only in the engine: said plainly instead
        raise NotImplementedError(
            "an inline SQLite session has no asyncio connection: run Core statements with "
            "session.run_sync (storage.rows.execute_core)"
        )

    async def stream(self, *_args: Any, **_kw: Any) -> Any:
        raise NotImplementedError("an inline SQLite session streams nothing: use execute")
