"""Running a tick in batches: a transaction per batch, rows another replica holds skipped.

A tick over one indexed due-date column is a `DueTick`: it locks the first `BATCH` due
rows and hands them all at once to its handler, which loads what the batch needs in a few
statements and writes in a few more (set-based, not a few queries per row). If the batch
fails, nothing of it is kept (a savepoint) and its rows are handled one by one, each in its
own savepoint: the others go through, and a row that fails alone is logged (ids only) and
its due date moved `RETRY_AFTER` later, so it never blocks the rows due after it. An
error of the database itself (unreachable, locked) is no row's fault: it ends the run, and
the next run starts the batch again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, select, update
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute

from conversations.core.programme import ProgrammeConfig

__all__ = ["BATCH", "RETRY_AFTER", "BatchTick", "DueTick", "locked", "run_batches"]

logger = logging.getLogger(__name__)

Row = TypeVar("Row")
# rows handled per transaction: a tick with more due work takes several batches
BATCH = 500
# a row whose handling fails on its own is tried again this much later
RETRY_AFTER = timedelta(hours=1)
# errors of the database rather than of a row: never a reason to set a row aside
_UNAVAILABLE = (OperationalError, InterfaceError)
# one batch of a tick: handles at most BATCH due rows in the session, returns how many
BatchTick = Callable[[AsyncSession, datetime, ProgrammeConfig], Awaitable[int]]
# what a `DueTick` does with the due rows of one batch
BatchHandler = Callable[[AsyncSession, Sequence[Row], datetime, ProgrammeConfig], Awaitable[None]]


async def locked(session: AsyncSession, query: Select[Row]) -> Sequence[Row]:
    """The first BATCH rows of `query`, locked for this transaction; on PostgreSQL rows
    another replica has locked are skipped (SQLite ignores the clause: one process)."""
    rows = await session.scalars(query.limit(BATCH).with_for_update(skip_locked=True))
    return rows.all()


@dataclass(frozen=True)
class DueTick(Generic[Row]):
    """A tick over the indexed due date `column`: the rows due (and matching `where`),
    oldest due first, a batch at a time to `handle`. Called like any `BatchTick`."""

    name: str
    column: InstrumentedAttribute[datetime | None]
    handle: BatchHandler[Row]
    where: tuple[ColumnElement[bool], ...] = ()

    async def __call__(self, session: AsyncSession, now: datetime, config: ProgrammeConfig) -> int:
        model: Any = self.column.class_
        rows = await locked(
            session,
            select(model).where(self.column <= now, *self.where).order_by(self.column, model.id),
        )
        if not rows:
            return 0
        try:
            async with session.begin_nested():
                await self.handle(session, rows, now, config)
        except _UNAVAILABLE:
            raise  # the database itself (gone, locked): no row is to blame, the run stops
        except Exception:
            logger.exception(
                "tick %s: a batch of %d rows failed; handling them one by one",
                self.name,
                len(rows),
            )
            await self._one_by_one(session, rows, now, config)
        return len(rows)

    async def _one_by_one(
        self, session: AsyncSession, rows: Sequence[Row], now: datetime, config: ProgrammeConfig
    ) -> None:
        model: Any = self.column.class_
        for row in rows:
            # the failed batch's savepoint expired what it had changed: read it again
            record: Any = row
            await session.refresh(record)
            row_id = record.id
            try:
                async with session.begin_nested():
                    await self.handle(session, [row], now, config)
            except _UNAVAILABLE:
                raise
            except Exception:
                logger.exception(
                    "tick %s: %s %s failed; tried again after %s",
                    self.name,
                    model.__tablename__,
                    row_id,
                    RETRY_AFTER,
                )
                await session.execute(
                    update(model)
                    .where(model.id == row_id)
                    .values({self.column.key: now + RETRY_AFTER})
                    .execution_options(synchronize_session=False)
                )
                await session.refresh(row)


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
