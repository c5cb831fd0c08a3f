"""The retention tick: once a day, erase the youths whose data the privacy notice says we
no longer keep (`retention_days` after an application left unfinished, a refusal, or the
end of their mentoring). Eligible youths still waiting for a mentor are kept."""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conversations.core.programme import ProgrammeConfig
from conversations.pairs import followup, rsvp
from scheduler.ticks.batch import BATCH
from storage import privacy
from storage.models import Application, ApplicationStatus, Pairing, PairingStatus, Person

__all__ = ["RetentionPurge", "expired_youths"]

logger = logging.getLogger(__name__)


def expired_youths(limit: datetime) -> Select[Person]:
    """Youths (not yet erased) with no open pairing, no eligible application waiting for a
    mentor, and nothing newer than `limit`: an application started or decided, a pairing
    closed."""
    newer_application = (
        exists()
        .where(
            Application.person_id == Person.id,
            or_(
                Application.started_at > limit,
                Application.decided_at > limit,
                and_(
                    Application.status == ApplicationStatus.DECIDED,
                    Application.decision.in_(("eligible", "review")),
                    ~exists().where(Pairing.youth_id == Person.id).correlate(Person),
                ),
            ),
        )
        .correlate(Person)
    )
    live_pairing = (
        exists()
        .where(
            Pairing.youth_id == Person.id,
            or_(Pairing.status != PairingStatus.CLOSED, Pairing.closed_at > limit),
        )
        .correlate(Person)
    )
    return (
        select(Person)
        .where(
            Person.role == "youth",
            Person.erased_at.is_(None),
            Person.consent_at.is_not(None),
            Person.created_at <= limit,
            ~newer_application,
            ~live_pairing,
        )
        .order_by(Person.id)
    )


class RetentionPurge:
    """Erases expired youths once a day (a batch per tick until none is left)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], config: ProgrammeConfig) -> None:
        self._sessions = sessions
        self._config = config
        # the programme day the purge last finished (in memory: a restart purges again,
        # which finds nothing new)
        self._purged_on: date | None = None

    async def run(self, now: datetime) -> int:
        """Erase up to a batch of expired youths, unless today's purge is done; returns how
        many were erased."""
        day = now.astimezone(self._config.zone).date()
        if self._purged_on == day:
            return 0
        limit = followup.retention_cutoff(now, self._config.retention_days)
        erased = 0
        async with self._sessions() as session, session.begin():
            for person in await session.scalars(expired_youths(limit).limit(BATCH)):
                await rsvp.give_up_seats(session, person.id, now)
                await privacy.erase_person(session, person, now, actor="retention")
                erased += 1
        # a full batch may leave more (the next tick carries on); otherwise today is done
        if erased < BATCH:
            self._purged_on = day
        if erased:
            logger.info("retention: %s people's data erased", erased)
        return erased
