"""The outbox queues a logical message once, even when two transactions race to queue it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select

from storage import outbox
from storage.database import create_engine, create_sessions, upgrade
from storage.models import Delivery

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


async def test_the_same_key_queued_by_two_transactions_at_once_is_queued_once(
    any_database_url: str,
) -> None:
    engine = create_engine(any_database_url)
    try:
        await upgrade(engine)
        sessions = create_sessions(engine)

        async def queue() -> bool:
            async with sessions() as session, session.begin():
                made = await outbox.enqueue(
                    session,
                    key="alert:42",
                    destination="staff",
                    channel="slack",
                    template="staff.at_risk",
                    context={"pairing": 42},
                    now=NOW,
                )
                return made is not None

        results = await asyncio.gather(queue(), queue(), queue())
        assert sorted(results) == [False, False, True]
        async with sessions() as session:
            assert await session.scalar(select(func.count()).select_from(Delivery)) == 1
            assert await outbox.is_queued(session, "alert:42")
            assert not await outbox.is_queued(session, "alert:43")
    finally:
        await engine.dispose()
