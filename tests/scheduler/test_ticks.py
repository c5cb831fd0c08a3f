"""The ticks: idempotent, safe in two processes at once, run by the scheduler service;
and what `mentorbot status` shows."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.container import Services, build
from bot.settings import Settings
from conversations.core.clock import FixedClock
from scheduler.service import Scheduler
from scheduler.status import gather
from scheduler.ticks import TickReport, Ticks
from storage.database import upgrade
from storage.models import Delivery, DeliveryStatus, Person
from tests.conftest import BACKENDS, database_url_for, make_settings
from tests.fakes.mentoring import make_pair


async def _checkin_asks(services: Services) -> list[str]:
    async with services.sessions() as session:
        rows = await session.scalars(
            select(Delivery.idempotency_key).where(Delivery.template == "checkin.ask")
        )
        return sorted(rows.all())


async def _pairs(services: Services, count: int) -> list[int]:
    made = []
    for n in range(count):
        pairing_id, _, _ = await make_pair(services, mentor_slack=f"UM{n}")
        made.append(pairing_id)
    return made


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return await database_url_for(request.param, tmp_path)


async def test_a_tick_run_twice_changes_nothing_the_second_time(
    services: Services, clock: FixedClock
) -> None:
    pairs = await _pairs(services, 5)
    ticks = Ticks(services.sessions, services.config)
    clock.advance(timedelta(days=31))  # 2 December, 10:00: every pair's check-in is due
    first = await ticks.run(clock.now())
    second = await ticks.run(clock.now())
    assert first.counts["checkin"] == 5
    assert second.counts["checkin"] == 0
    assert await _checkin_asks(services) == sorted(f"checkin:{p}:2026-12:ask" for p in pairs)


@pytest.mark.postgres
async def test_two_replicas_ticking_at_once_queue_each_message_once(
    settings: Settings, clock: FixedClock
) -> None:
    if settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite runs one process: replicas need PostgreSQL")
    first = build(settings, clock)
    second = build(settings, clock)
    try:
        await upgrade(first.db)
        pairs = await _pairs(first, 40)
        clock.advance(timedelta(days=31))
        reports = await asyncio.gather(
            Ticks(first.sessions, first.config).run(clock.now()),
            Ticks(second.sessions, second.config).run(clock.now()),
        )
        # each replica took its own share of the due pairs (rows locked by one are skipped)
        assert sum(report.counts["checkin"] for report in reports) == 40
        assert await _checkin_asks(first) == sorted(f"checkin:{p}:2026-12:ask" for p in pairs)
    finally:
        await first.close()
        await second.close()


async def test_the_scheduler_service_runs_a_tick_at_start_and_stops_cleanly(
    services: Services, clock: FixedClock
) -> None:
    await _pairs(services, 2)
    clock.advance(timedelta(days=31))
    ran = asyncio.Event()

    class Watched(Ticks):
        async def run(self, now: datetime) -> TickReport:
            report = await super().run(now)
            ran.set()
            return report

    scheduler = Scheduler(
        Watched(services.sessions, services.config), None, clock, tick_seconds=3600
    )
    scheduler.start()
    try:
        await asyncio.wait_for(ran.wait(), 10)  # the first run is immediate
    finally:
        await scheduler.stop()
    assert len(await _checkin_asks(services)) == 2


async def test_status_shows_the_queue_doubts_unreachable_and_unpaired(
    services: Services, clock: FixedClock
) -> None:
    from tests.fakes.mentoring import make_youth

    await _pairs(services, 1)
    async with services.sessions() as session, session.begin():
        waiting = await make_youth(session, clock.now(), name="Yasmine", telegram_id="9001")
        blocked = await session.get(Person, waiting.id)
        assert blocked is not None
        blocked.unreachable_at = clock.now()
        rows = (await session.scalars(select(Delivery).order_by(Delivery.id))).all()
        rows[0].status = DeliveryStatus.IN_DOUBT
        rows[0].last_error = "TimedOut"
    clock.advance(timedelta(days=21))
    async with services.sessions() as session:
        status = await gather(session, clock.now(), services.config)
        total = await session.scalar(select(func.count()).select_from(Delivery))
    queue = dict(status.queue)
    assert queue["in doubt"] == 1
    assert queue["pending (later: sending hours, budget, pauses)"] == (total or 0) - 1
    assert [row[0] for row in status.in_doubt] == [str(rows[0].id)]
    assert len(status.unreachable) == 1
    assert "Yasmine" in status.unreachable[0]
    assert len(status.unpaired) == 1
    assert "eligible for 21 days" in status.unpaired[0]


def test_settings_are_used(tmp_path: Path) -> None:
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
        MENTORBOT_FIRST_MEETING_DAYS="5,10,15",
        MENTORBOT_SEND_HOURS="08:30-18:00",
    )
    assert settings.nudges.first_meeting_staff_days == 15
    assert str(settings.window.opens) == "08:30:00"
