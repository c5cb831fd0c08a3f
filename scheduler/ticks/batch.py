"""Running a tick in batches: a transaction per batch, rows another replica holds skipped."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conversations.core.programme import ProgrammeConfig

__all__ = ["BATCH", "BatchTick", "locked", "run_batches"]

Row = TypeVar("Row")
# rows handled per transaction: a tick with more due work takes several batches
BATCH = 500
# one batch of a tick: handles at most BATCH due rows in the session, returns how many
BatchTick = Callable[[AsyncSession, datetime, ProgrammeConfig], Awaitable[int]]


async def locked(session: AsyncSession, query: Select[Row]) -> Sequence[Row]:
    """The first BATCH rows of `query`, locked for this transaction; on PostgreSQL rows
    another replica has locked are skipped (SQLite ignores the clause: one process)."""
    rows = await session.scalars(query.limit(BATCH).with_for_update(skip_locked=True))
    return rows.all()


async def run_batches(
    sessions: async_sessionmaker[AsyncSession],
    tick: BatchTick,
    now: datetime,
    config: ProgrammeConfig,
) -> int:
    """Run one tick in batches, a transaction each, until nothing is due."""
    total = 0
    while True:
        async with sessions() as session, session.begin():
            handled = await tick(session, now, config)
        total += handled
        if handled < BATCH:
            return total
