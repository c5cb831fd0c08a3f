"""Which replica dispatches each platform's outbox: one at a time, so its pace is global.

Every replica runs the ticks (their claims skip locked rows), but only one sends a
platform's messages at a time, otherwise two replicas would each send at the configured
rate. On PostgreSQL the dispatcher of a platform is whoever holds that platform's
session-level advisory lock (`pg_try_advisory_lock`), taken on a connection of its own kept
open: the lock lives as long as that connection. When the holder dies its connection closes
and PostgreSQL releases the lock; another replica, trying again at each dispatch round,
takes it within one round. The holder checks its connection at each round (one cheap
query) and steps down if it is gone.

On SQLite there is one process by design (`bot.runlock`): it always dispatches.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from collections.abc import Iterable
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

__all__ = [
    "NAMESPACE",
    "AdvisoryLocks",
    "Leadership",
    "SoleLeader",
    "for_database",
    "lock_key",
]

logger = logging.getLogger(__name__)

# Advisory locks are per database, so two deployments on one server never collide.
# The two-int form: (NAMESPACE, lock_key(platform)), both stable across processes and
# versions (a CRC, not Python's salted hash); visible in pg_locks as classid and objid.


def _int4(value: int) -> int:
    return value - 2**32 if value >= 2**31 else value


NAMESPACE = _int4(zlib.crc32(b"mentorbot:outbox-dispatcher"))

# a check of the lock connection that takes longer than this counts as a lost connection
CHECK_TIMEOUT_SECONDS = 5.0
# Server-side TCP keepalives on the lock connection: a holder whose machine vanishes (no
# FIN ever arrives) loses its lock after about idle + interval * count seconds, not after
# the operating system's two hours. Named so operators find it in pg_stat_activity.
_SESSION = {
    "application_name": "mentorbot-dispatch-lock",
    "tcp_keepalives_idle": "10",
    "tcp_keepalives_interval": "5",
    "tcp_keepalives_count": "3",
}
_SESSION_SETTINGS = text(
    "SELECT " + ", ".join(f"set_config('{name}', :{name}, false)" for name in _SESSION)
)


def lock_key(platform: str) -> int:
    """The second half of a platform's advisory lock key."""
    return _int4(zlib.crc32(platform.encode()))


class Leadership(Protocol):
    """Decides, at each dispatch round, which platforms this replica dispatches."""

    async def lead(self, platforms: Iterable[str]) -> frozenset[str]:
        """The platforms (among `platforms`) this replica dispatches this round."""
        ...

    async def release(self) -> None:
        """Stop dispatching anything (the process is stopping)."""
        ...


class SoleLeader:
    """One process by design (SQLite): it always dispatches every platform."""

    async def lead(self, platforms: Iterable[str]) -> frozenset[str]:
        return frozenset(platforms)

    async def release(self) -> None:
        return None


class AdvisoryLocks:
    """A PostgreSQL session-level advisory lock per platform, on one connection of its own
    (not from a pool: closing it must end the session, hence release the locks)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None
        self._held: set[str] = set()
        # refused: another replica dispatches them (said once, until that changes)
        self._waiting: set[str] = set()
        # said once per outage, not at every round while the database is away
        self._unreachable = False

    @classmethod
    def of(cls, url: URL | str) -> AdvisoryLocks:
        """Locks on the database at `url` (an engine of its own; no connection yet)."""
        return cls(create_async_engine(url, poolclass=NullPool))

    @property
    def held(self) -> frozenset[str]:
        """The platforms this replica holds the lock of (as of the last round)."""
        return frozenset(self._held)

    async def lead(self, platforms: Iterable[str]) -> frozenset[str]:
        wanted = sorted(set(platforms))
        missing = [platform for platform in wanted if platform not in self._held]
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
                connection = await self._connect()
                if missing:
                    # trying the locks proves the connection alive too: one round trip
                    taken = await self._try_locks(connection, missing)
                else:
                    await connection.execute(text("SELECT 1"))
                    taken = []
        except (SQLAlchemyError, OSError, TimeoutError) as error:
            await self._step_down(type(error).__name__)
            return frozenset()
        if self._unreachable:
            logger.info("dispatcher lock: the database is reachable again")
            self._unreachable = False
        for platform in taken:
            self._held.add(platform)
            logger.info(
                "this replica now dispatches %s (advisory lock %s/%s taken)",
                platform,
                NAMESPACE,
                lock_key(platform),
            )
        refused = set(missing) - set(taken)
        for platform in sorted(refused - self._waiting):
            logger.info("another replica dispatches %s: this one takes over if it stops", platform)
        self._waiting = (self._waiting | refused) - set(taken)
        return frozenset(self._held & set(wanted))

    async def release(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                await connection.close()  # the session ends: PostgreSQL releases the locks
            except (SQLAlchemyError, OSError) as error:
                logger.warning("dispatcher lock connection did not close cleanly: %s", error)
        for platform in sorted(self._held):
            logger.info("this replica no longer dispatches %s (stopping)", platform)
        self._held.clear()
        await self._engine.dispose()

    async def _connect(self) -> AsyncConnection:
        if self._connection is None:
            # kept before it is set up, so that a failure below closes it (`_step_down`)
            self._connection = connection = await self._engine.connect()
            # no transaction left open on it: an idle session holds the locks, nothing else
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            # set once connected rather than at the start (a connection pooler may refuse
            # unknown start-up parameters); only this session's settings
            await connection.execute(_SESSION_SETTINGS, _SESSION)
        return self._connection

    @staticmethod
    async def _try_locks(connection: AsyncConnection, platforms: list[str]) -> list[str]:
        tries = ", ".join(
            f"pg_try_advisory_lock(:namespace, :key{n})" for n in range(len(platforms))
        )
        keys = {f"key{n}": lock_key(platform) for n, platform in enumerate(platforms)}
        query = text(f"SELECT {tries}")  # placeholders only: no value goes into the text
        row = (await connection.execute(query, {"namespace": NAMESPACE, **keys})).one()
        return [platform for platform, taken in zip(platforms, row, strict=True) if taken]

    async def _step_down(self, why: str) -> None:
        """The lock connection is gone (or the database is): whatever it held is released
        by PostgreSQL (or will be, when the server notices), so this replica stops."""
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.invalidate()
            except (SQLAlchemyError, OSError):
                logger.debug("dispatcher lock connection already unusable", exc_info=True)
        if self._held:
            logger.warning(
                "dispatcher lock connection lost (%s): this replica stops dispatching %s; "
                "another replica takes over",
                why,
                ", ".join(sorted(self._held)),
            )
            self._held.clear()
        elif not self._unreachable:
            logger.warning("dispatcher lock: the database cannot be reached (%s)", why)
            self._unreachable = True


def for_database(engine: AsyncEngine) -> Leadership:
    """Advisory locks on PostgreSQL; on SQLite (one process) always the leader."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLocks.of(engine.url)
    return SoleLeader()
