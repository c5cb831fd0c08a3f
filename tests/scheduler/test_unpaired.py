"""The unpaired youths: who the query lists (at the threshold, a second either side), and
the weekly digest queued once per week at the first sending hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.container import Services
from conversations.core.clock import FixedClock
from scheduler.ticks import Ticks, unpaired_query
from storage.models import Delivery
from tests.fakes.mentoring import make_pair, make_youth

SECOND = timedelta(seconds=1)


async def _listed(services: Services, now: datetime) -> list[str]:
    async with services.sessions() as session:
        rows = await session.execute(unpaired_query(now, services.config.nudges.unpaired_days))
        return [person.display_name or "" for _, person in rows.all()]


async def test_a_youth_is_listed_from_exactly_the_unpaired_days(
    services: Services, clock: FixedClock
) -> None:
    decided = clock.now()
    async with services.sessions() as session, session.begin():
        await make_youth(session, decided, name="Yasmine")
    days = timedelta(days=services.config.nudges.unpaired_days)
    assert await _listed(services, decided + days - SECOND) == []
    assert await _listed(services, decided + days) == ["Yasmine"]
    assert await _listed(services, decided + days + SECOND) == ["Yasmine"]


async def test_paired_refused_and_erased_youths_are_not_listed(
    services: Services, clock: FixedClock
) -> None:
    await make_pair(services, mentor_slack="UM1")
    async with services.sessions() as session, session.begin():
        await make_youth(session, clock.now(), name="Refusée", decision="not_eligible")
        erased = await make_youth(session, clock.now(), name="Effacée")
        erased.erased_at = clock.now()
        await make_youth(session, clock.now(), name="Attend")
    assert await _listed(services, clock.now() + timedelta(days=60)) == ["Attend"]


async def _digests(services: Services) -> list[str]:
    async with services.sessions() as session:
        rows = await session.scalars(
            select(Delivery.idempotency_key).where(Delivery.template == "staff.unpaired")
        )
        return sorted(rows.all())


async def test_the_digest_is_queued_once_a_week_at_the_first_sending_hour(
    services: Services, clock: FixedClock
) -> None:
    async with services.sessions() as session, session.begin():
        await make_youth(session, clock.now(), name="Yasmine")
    ticks = Ticks(services.sessions, services.config)
    # Sunday 22 November, 20 days later: no sending hours on Sundays
    assert await ticks.unpaired_digest(datetime(2026, 11, 22, 9, 0, tzinfo=UTC)) == 0
    # Monday 23 November, 08:59:59 then 09:00 in Paris
    monday = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert await ticks.unpaired_digest(monday - SECOND) == 0
    assert await ticks.unpaired_digest(monday) == 1
    assert await ticks.unpaired_digest(monday + timedelta(hours=3)) == 0  # once a week
    assert await ticks.unpaired_digest(monday + timedelta(days=7)) == 1
    assert await _digests(services) == ["unpaired:2026-W48", "unpaired:2026-W49"]


async def test_no_digest_when_nobody_waits_too_long(services: Services, clock: FixedClock) -> None:
    async with services.sessions() as session, session.begin():
        await make_youth(session, clock.now(), name="Yasmine")
    ticks = Ticks(services.sessions, services.config)
    # Monday 16 November: she has waited 14 days only
    assert await ticks.unpaired_digest(datetime(2026, 11, 16, 8, 0, tzinfo=UTC)) == 0
    assert await _digests(services) == []
