"""The monthly check-in tick: each due active pair gets its round, unless the mentor paused
check-ins for holidays (then the round waits, `conversations.pairs.followup` says until
when). The rounds of a batch run together (`conversations.mentor.round_batch`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.programme import ProgrammeConfig
from conversations.mentor import round_batch
from conversations.pairs import followup
from scheduler.ticks.batch import DueTick
from storage.models import MentorProfile, Pairing, PairingStatus

__all__ = ["due_checkins"]


async def _rounds(
    session: AsyncSession, pairings: Sequence[Pairing], now: datetime, config: ProgrammeConfig
) -> None:
    today = now.astimezone(config.zone).date()
    # the mentors on holiday among this batch, in one query rather than one per pair
    rows = await session.execute(
        select(MentorProfile.person_id, MentorProfile.checkins_paused_until).where(
            MentorProfile.person_id.in_({p.mentor_id for p in pairings}),
            MentorProfile.checkins_paused_until >= today,
        )
    )
    paused = {mentor_id: until for mentor_id, until in rows}
    due = []
    for pairing in pairings:
        postponed_to = followup.checkin_postponed_to(
            paused.get(pairing.mentor_id),
            today=today,
            zone=config.zone,
            window=config.nudges.window,
        )
        if postponed_to is not None:
            pairing.next_checkin_due_at = postponed_to
        else:
            due.append(pairing)
    await round_batch.monthly_rounds(session, due, now=now, config=config)


# one batch of active pairs whose monthly check-in is due; returns how many
due_checkins = DueTick(
    "checkin",
    Pairing.next_checkin_due_at,
    _rounds,
    where=(Pairing.status == PairingStatus.ACTIVE,),
)
