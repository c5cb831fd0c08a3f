"""The retention tick: once a day, remove what the privacy notice says is no longer kept
(`ProgrammeConfig.retention`, see `storage.retention` for what each period removes), a
batch per tick until nothing is left; `mentorbot purge` runs the same, at once.

Every batch is audit-logged with its counts only (`retention_purge`), and each youth
erased gets the `erasure` entry `/delete` writes. Eligible youths still waiting for a
mentor are kept."""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conversations.core.programme import ProgrammeConfig, RetentionPolicy
from conversations.pairs import followup, rsvp
from scheduler.ticks.batch import BATCH
from storage import audit, privacy
from storage import retention as kept
from storage.models import Person
from storage.retention import Cutoffs, Found, expired_youths

__all__ = ["ACTION", "TICK_ACTOR", "RetentionPurge", "cutoffs", "expired_youths", "purge"]

logger = logging.getLogger(__name__)

# the audit log's action for a run's batch, and the actor of the daily tick
ACTION = "retention_purge"
TICK_ACTOR = "retention"


def cutoffs(now: datetime, policy: RetentionPolicy) -> Cutoffs:
    """Each kind's period back from `now`."""
    return Cutoffs(
        unfinished=followup.retention_cutoff(now, policy.unfinished_days),
        refused=followup.retention_cutoff(now, policy.refused_days),
        closed=followup.retention_cutoff(now, policy.closed_days),
        cases=followup.retention_cutoff(now, policy.cases_days),
        audit=followup.retention_cutoff(now, policy.audit_days),
    )


async def _remove(session: AsyncSession, found: Found, now: datetime, actor: str) -> None:
    """Erase the youths `found` names (their event seats go to who waits), clear the rest,
    and say so in the audit log (counts only)."""
    for person_id in found.youths:
        person = await session.get(Person, person_id)
        if person is None:
            continue
        await rsvp.give_up_seats(session, person_id, now)
        await privacy.erase_person(session, person, now, actor=actor)
    await kept.clear(session, found)
    await audit.record(session, actor=actor, action=ACTION, now=now, detail=found.counts())


async def _batch(
    sessions: async_sessionmaker[AsyncSession],
    limits: Cutoffs,
    now: datetime,
    actor: str,
    *,
    among: Found | None,
    log_empty: bool,
) -> Found:
    """One batch in a transaction: what is past its period (among `among`'s ids), removed."""
    async with sessions() as session, session.begin():
        found = await kept.find(session, limits, limit=BATCH, among=among, lock=True)
        if found.total() or log_empty:
            await _remove(session, found, now, actor)
    return found


async def purge(
    sessions: async_sessionmaker[AsyncSession],
    now: datetime,
    config: ProgrammeConfig,
    *,
    actor: str,
    among: Found | None = None,
) -> Found:
    """Remove everything past its period now, or only what `among` names and is still past
    it (what a dry run listed), in batches of a transaction each; what was removed. A run
    that finds nothing is logged too, once."""
    limits = cutoffs(now, config.retention)
    removed = Found()
    if among is not None:
        for index, chunk in enumerate(list(among.batches(BATCH)) or [Found()]):
            removed.extend(
                await _batch(sessions, limits, now, actor, among=chunk, log_empty=index == 0)
            )
        return removed
    while True:
        batch = await _batch(
            sessions, limits, now, actor, among=None, log_empty=not removed.total()
        )
        removed.extend(batch)
        if not batch.total() or max(batch.counts().values()) < BATCH:
            return removed


class RetentionPurge:
    """The daily purge, a batch per tick until none is left."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], config: ProgrammeConfig) -> None:
        self._sessions = sessions
        self._config = config
        # the programme day the purge last finished (in memory: a restart purges again,
        # which finds nothing new)
        self._purged_on: date | None = None
        # the day the current purge began (its first batch is logged even when empty)
        self._started_on: date | None = None

    async def run(self, now: datetime) -> int:
        """One batch of what is past its period, unless today's purge is done; how many
        things were removed (youths erased, texts cleared, audit entries deleted)."""
        day = now.astimezone(self._config.zone).date()
        if self._purged_on == day:
            return 0
        limits = cutoffs(now, self._config.retention)
        async with self._sessions() as session, session.begin():
            found = await kept.find(session, limits, limit=BATCH, lock=True)
            if found.total() or self._started_on != day:
                await _remove(session, found, now, TICK_ACTOR)
        self._started_on = day
        # a full batch of some kind may leave more (the next tick carries on)
        if max(found.counts().values()) < BATCH:
            self._purged_on = day
        if found.total():
            logger.info(
                "retention: %s removed (%s)",
                found.total(),
                ", ".join(f"{name} {count}" for name, count in found.counts().items() if count),
            )
        return found.total()
