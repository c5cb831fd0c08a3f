"""Two dispatchers on one PostgreSQL database, as two replicas would run: 2,000 due
messages, each delivered exactly once (claims use FOR UPDATE SKIP LOCKED, then a lease).

Runs only with MENTORBOT_TEST_DATABASE_URL set (the `postgres` marker); the database is
emptied first.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.container import Services, build
from conversations.core.clock import FixedClock
from storage import outbox
from storage.database import create_engine, create_sessions, upgrade
from storage.models import DeliveryStatus
from tests.conftest import database_url_for, make_settings
from tests.fakes.telegram_api import FakeBotApi
from tests.scheduler.outbox_helpers import (
    dispatcher,
    messages_per_chat,
    queue_one_message_each,
    statuses,
    telegram_sender,
)

pytestmark = pytest.mark.postgres

DELIVERIES = 2_000


@pytest.fixture
async def services(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Services]:
    url = await database_url_for("postgresql", tmp_path)
    built = build(make_settings(url), clock)
    await upgrade(built.db)
    yield built
    await built.close()


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:  # no rate limits: only the claims are tested
        yield fake


async def test_two_dispatchers_deliver_each_message_once(
    services: Services, api: FakeBotApi, clock: FixedClock
) -> None:
    chats = await queue_one_message_each(services.sessions, DELIVERIES, clock.now())
    engines = [create_engine(services.settings.database_url) for _ in range(2)]
    try:
        async with (
            telegram_sender(api, services.renderer) as first,
            telegram_sender(api, services.renderer) as second,
        ):
            replicas = [
                dispatcher(create_sessions(engine), sender, clock)
                for engine, sender in zip(engines, (first, second), strict=True)
            ]
            reports = await asyncio.gather(*(replica.run_until_empty() for replica in replicas))
    finally:
        for engine in engines:
            await engine.dispose()

    # both took part, and between them sent everything once
    assert all(report.sent > 0 for report in reports), reports
    assert sum(report.sent for report in reports) == DELIVERIES
    assert all(report.handled == report.sent for report in reports)
    received = messages_per_chat(api, chats)
    assert set(received) == set(chats)
    assert set(received.values()) == {1}
    assert len(api.calls("sendMessage")) == DELIVERIES

    final = await statuses(services.sessions)
    assert list(final) == [DeliveryStatus.SENT]
    assert len(final[DeliveryStatus.SENT]) == DELIVERIES
    async with services.sessions() as session:
        counts = await outbox.counts(session, clock.now())
    assert counts[DeliveryStatus.SENT] == DELIVERIES
    assert counts["due"] == 0
