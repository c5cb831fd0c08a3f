"""The engine's SQLite connections run on the event loop (no worker thread), so they must
never wait there: a write lock held elsewhere makes them fail at once and try again later,
while the loop goes on serving everything else."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import people
from storage.database import (
    create_engine,
    create_inline_engine,
    create_sessions,
    retry_when_locked,
    transaction,
    upgrade,
)

NOW = datetime(2026, 12, 2, 9, tzinfo=UTC)


def test_only_a_sqlite_file_gets_an_inline_engine() -> None:
    assert create_inline_engine("sqlite+aiosqlite://") is None
    assert create_inline_engine("sqlite+aiosqlite:///:memory:") is None
    assert create_inline_engine("postgresql+asyncpg://u@localhost/db") is None


async def test_a_lock_held_elsewhere_is_waited_for_without_blocking_the_loop(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'inline.db'}"
    threaded = create_engine(url)
    await upgrade(threaded)
    inline = create_inline_engine(url)
    assert inline is not None
    inline_sessions = create_sessions(inline)
    ticks = 0
    try:
        async with threaded.connect() as holder:
            # the scheduler (say) holds the write lock
            await holder.execute(text("BEGIN IMMEDIATE"))
            await holder.execute(
                text("INSERT INTO processed_event VALUES ('telegram', 'held', :at)"),
                {"at": NOW.isoformat()},
            )

            async def handle() -> bool:
                async with inline_sessions() as session, session.begin():
                    return await people.mark_processed(session, "telegram", "update-1", NOW)

            handling = asyncio.ensure_future(retry_when_locked(handle))
            for _ in range(20):  # the loop keeps running while the handler waits
                await asyncio.sleep(0.005)
                ticks += 1
            assert not handling.done()
            await holder.commit()
        assert await asyncio.wait_for(handling, 5) is True
        assert ticks == 20
        async with inline_sessions() as session:
            stored = await session.scalar(text("SELECT count(*) FROM processed_event"))
        assert stored == 2
    finally:
        inline.dispose()
        await threaded.dispose()


async def test_another_error_is_not_retried(tmp_path: Path) -> None:
    inline = create_inline_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    assert inline is not None
    sessions = create_sessions(inline)
    calls = 0

    async def work() -> None:
        nonlocal calls
        calls += 1
        async with sessions() as session, session.begin():
            await session.execute(text("SELECT * FROM no_such_table"))

    try:
        with pytest.raises(Exception, match="no such table"):
            await retry_when_locked(work)
        assert calls == 1
    finally:
        inline.dispose()


@pytest.mark.parametrize("inline", [True, False], ids=["inline", "threaded"])
async def test_a_transaction_is_committed_whole_or_not_at_all(tmp_path: Path, inline: bool) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'transaction.db'}"
    threaded = create_engine(url)
    await upgrade(threaded)
    own = create_inline_engine(url) if inline else None
    engine = own or threaded
    sessions = create_sessions(engine)

    async def stored() -> list[str]:
        async with create_sessions(threaded)() as session:
            rows = await session.execute(text("SELECT event_id FROM processed_event"))
            return sorted(row[0] for row in rows)

    try:
        async with transaction(sessions) as session:
            assert await people.mark_processed(session, "telegram", "kept", NOW)

        async def failing() -> None:
            async with transaction(sessions) as session:
                await people.mark_processed(session, "telegram", "dropped", NOW)
                raise RuntimeError("handler failed")

        with pytest.raises(RuntimeError, match="handler failed"):
            await failing()
        assert await stored() == ["kept"]
        # the connection went back to the pool, its transaction over: a new one writes
        async with transaction(sessions) as session:
            assert await people.mark_processed(session, "telegram", "dropped", NOW)
        assert await stored() == ["dropped", "kept"]
        pool = own.pool if own is not None else threaded.sync_engine.pool
        assert pool.checkedout() == 0  # type: ignore[attr-defined]
    finally:
        if own is not None:
            own.dispose()
        await threaded.dispose()


async def test_what_an_inline_session_cannot_give_is_said_plainly(tmp_path: Path) -> None:
    inline = create_inline_engine(f"sqlite+aiosqlite:///{tmp_path / 'plain.db'}")
    assert inline is not None
    try:
        async with create_sessions(inline)() as session:
            with pytest.raises(NotImplementedError, match="run_sync"):
                await session.connection()
            with pytest.raises(NotImplementedError, match="use execute"):
                await session.stream(text("SELECT 1"))
            # what flows use instead works
            assert await session.scalar(text("SELECT 1")) == 1
    finally:
        inline.dispose()
