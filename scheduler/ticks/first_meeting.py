"""The first-meeting tick: reminders while a new pair has not logged its first meeting.

Which stage is due and who hears it are `conversations.pairs.followup` decisions; this
tick loads the due pairs, queues the messages and moves the due date on.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core import codec
from conversations.core.messages import Channel
from conversations.core.programme import ProgrammeConfig
from conversations.pairs import followup
from conversations.pairs.cases import open_alert
from scheduler.ticks.batch import locked
from storage import outbox
from storage.models import Pairing, Person

__all__ = ["due_first_meetings"]


async def due_first_meetings(session: AsyncSession, now: datetime, config: ProgrammeConfig) -> int:
    """One batch of pairs whose first-meeting reminder is due; returns how many."""
    pairings = await locked(
        session,
        select(Pairing)
        .where(Pairing.first_meeting_due_at <= now)
        .order_by(Pairing.first_meeting_due_at),
    )
    for pairing in pairings:
        step = followup.first_meeting_step(
            status=pairing.status,
            started_at=pairing.started_at,
            first_meeting_at=pairing.first_meeting_at,
            stage=pairing.first_meeting_stage,
            now=now,
            nudges=config.nudges,
        )
        if step.send is not None:
            await _nudge(session, pairing, step.send, now, config)
            pairing.first_meeting_stage = step.send
        pairing.first_meeting_due_at = step.due_at
    return len(pairings)


async def _nudge(
    session: AsyncSession, pairing: Pairing, stage: int, now: datetime, config: ProgrammeConfig
) -> None:
    youth = await session.get(Person, pairing.youth_id)
    audience = followup.first_meeting_audience(
        stage, youth_reachable=youth is not None and youth.unreachable_at is None
    )
    if audience.mentor:
        await outbox.enqueue(
            session,
            key=f"first_meeting:{pairing.id}:{stage}:mentor",
            person_id=pairing.mentor_id,
            channel=Channel.SLACK,
            template="mentor.first_meeting_reminder",
            context={
                "pairing": pairing.id,
                "mentee": outbox.person_ref(pairing.youth_id),
                "days": (now - (pairing.started_at or now)).days,
                "choices": [["choice.mentor.first_meeting", codec.encode("fm", pairing.id)]],
            },
            now=now,
        )
    if audience.youth:
        await outbox.enqueue(
            session,
            key=f"first_meeting:{pairing.id}:{stage}:youth",
            person_id=pairing.youth_id,
            channel=Channel.TELEGRAM,
            template="pairing.first_meeting_reminder",
            context={"pairing": pairing.id},
            now=now,
        )
    if audience.staff:
        # a case, in the day's "no first meeting" digest; once per pair
        await open_alert(
            session,
            pairing=pairing,
            topic="first_meeting_missing",
            since=pairing.started_at or now,
            actor="scheduler",
            now=now,
            config=config,
            days=config.nudges.first_meeting_staff_days,
        )
