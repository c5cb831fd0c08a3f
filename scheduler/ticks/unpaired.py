"""The weekly unpaired digest: eligible youths still waiting for a mentor, listed for staff
once a week at the first sending hour. `mentorbot status` lists them at any time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conversations.core import codec
from conversations.core.programme import ProgrammeConfig
from conversations.pairs import followup
from conversations.pairs.alerts import digest_to_staff
from storage import outbox, pairings
from storage.models import Application, ApplicationStatus, Person

__all__ = ["unpaired_digest", "unpaired_query"]

# youths named in the digest (the count covers them all)
OLDEST_SHOWN = 10


def unpaired_query(now: datetime, unpaired_days: int) -> Select[Application, Person]:
    """Eligible youths still without a pairing after `unpaired_days` days, oldest first."""
    return (
        select(Application, Person)
        .join(Person, Person.id == Application.person_id)
        .where(
            Application.decision == "eligible",
            Application.status == ApplicationStatus.DECIDED,
            Application.decided_at <= followup.unpaired_since(now, unpaired_days),
            Person.erased_at.is_(None),
            ~pairings.has_or_had_a_mentor(Application.person_id),
        )
        .order_by(Application.decided_at)
    )


async def unpaired_digest(
    sessions: async_sessionmaker[AsyncSession], now: datetime, config: ProgrammeConfig
) -> int:
    """Queue this week's digest if it is time and there is someone to list; returns 1 if
    queued, else 0."""
    week = followup.unpaired_digest_week(now, zone=config.zone, window=config.nudges.window)
    if week is None:
        return 0
    days = config.nudges.unpaired_days
    async with sessions() as session, session.begin():
        key = f"unpaired:{week}"
        if await outbox.is_queued(session, key):
            return 0
        count = await session.scalar(
            select(func.count()).select_from(unpaired_query(now, days).subquery())
        )
        if not count:
            return 0
        oldest = (await session.execute(unpaired_query(now, days).limit(OLDEST_SHOWN))).all()
        await digest_to_staff(
            session,
            key=key,
            template="staff.unpaired",
            context={
                "count": int(count),
                "days": days,
                "oldest": [
                    {
                        "person": person.id,
                        "name": outbox.person_ref(person.id),
                        "region": application.region or "",
                        "waiting_days": followup.waiting_days(application.decided_at, now),
                    }
                    for application, person in oldest
                ],
                # a "Mentors for #12" button per youth listed: the suggestions, one tap away
                "choices": [
                    [
                        "choice.staff.suggest_for",
                        codec.encode("sg", person.id),
                        {"youth_id": person.id},
                    ]
                    for _, person in oldest
                ],
            },
            now=now,
            config=config,
        )
        return 1
