"""Factories for mentoring data: youths with a decided application, mentors, pairings."""

from __future__ import annotations

import itertools
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Services
from conversations import pairing
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
