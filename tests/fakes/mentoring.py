"""Factories for mentoring data: youths with a decided application, mentors, pairings."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.container import Services
from conversations.core.clock import FixedClock
from conversations.mentor import checkin
from conversations.staff import pairing
from scheduler.dispatcher import named_context
from storage import applications, people
from storage.models import ApplicationStatus, Pairing, Person, Role

_ids = itertools.count(5001)


async def make_youth(
    session: AsyncSession,
    now: datetime,
    *,
    name: str = "Inès",
    decision: str = "eligible",
    telegram_id: str | None = None,
    field: str = "Développement web",
) -> Person:
    """A youth on Telegram whose application was decided (`decision`)."""
    youth = await people.create_person(
        session,
        role=Role.YOUTH,
        channel="telegram",
        external_id=telegram_id or str(next(_ids)),
        chat_id=telegram_id,
        locale="fr",
        now=now,
    )
    youth.display_name = name
    youth.consent_at = now
    application = await applications.start(session, youth.id, None, now)
    application.status = ApplicationStatus.DECIDED
    application.decision = decision
    application.decided_at = now
    application.answers = {"field": field, "region": "IDF"}
    await session.flush()
    return youth


async def make_mentor(
    session: AsyncSession,
    now: datetime,
    slack_user_id: str = "UMENTOR1",
    *,
    name: str = "Claire",
    capacity: int = 2,
    locale: str = "fr",
) -> Person:
    return await pairing.add_mentor(
        session,
        pairing.MentorDetails(
            slack_user_id=slack_user_id,
            display_name=name,
            email=f"{slack_user_id.lower()}@example.org",
            company="ACME",
            sector="IT",
            region="IDF",
            capacity=capacity,
            locale=locale,
        ),
        staff="tests",
        now=now,
    )


async def make_pair(
    services: Services,
    *,
    mentor_slack: str = "UMENTOR1",
    youth_name: str = "Inès",
    telegram_id: str | None = None,
) -> tuple[int, int, int]:
    """An active pairing; returns (pairing id, youth id, mentor id)."""
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        youth = await make_youth(session, now, name=youth_name, telegram_id=telegram_id)
        mentor = await pairing.find_mentor(session, mentor_slack)
        if mentor is None:
            mentor = await make_mentor(session, now, mentor_slack)
        made: Pairing = await pairing.pair(
            session,
            youth_id=youth.id,
            mentor_id=mentor.id,
            staff="tests",
            now=now,
            config=services.config,
        )
        return made.id, youth.id, mentor.id


async def due_round(services: Services, clock: FixedClock, pairing_id: int) -> bool:
    """Move the clock to the pair's next check-in due date and run the scheduler's monthly
    round for it, as the check-in tick does."""
    async with services.sessions() as session:
        pair = await session.get(Pairing, pairing_id)
        assert pair is not None
        assert pair.next_checkin_due_at is not None
        clock.set(pair.next_checkin_due_at)
    async with services.sessions() as session, session.begin():
        pair = await session.get(Pairing, pairing_id)
        assert pair is not None
        return await checkin.monthly_round(
            session, pairing=pair, now=clock.now(), config=services.config
        )


async def silent_until_asked(
    services: Services,
    clock: FixedClock,
    pairing_id: int,
    after_each: Callable[[], Awaitable[object]] | None = None,
) -> None:
    """Monthly rounds nobody answers, until the one that asks the mentor whether to go on;
    `after_each` runs after every round (e.g. the outbox dispatcher)."""
    for _ in range(services.config.nudges.silent_rounds_before_asking + 1):
        assert await due_round(services, clock, pairing_id)
        if after_each is not None:
            await after_each()
    async with services.sessions() as session:
        pair = await session.get(Pairing, pairing_id)
    assert pair is not None
    assert pair.mentor_silent_rounds == services.config.nudges.silent_rounds_before_asking


async def as_sent(services: Services, context: dict[str, Any]) -> dict[str, Any]:
    """A queued message's context as the dispatcher renders it (people named by id get
    their first names, an erased person's is empty)."""
    async with services.sessions() as session:
        return await named_context(session, context)
