"""The check-in follow-up ticks: the one reminder of an unanswered check-in, then the staff
escalation. Whether each is still needed is decided in `conversations.mentor.rounds`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.programme import ProgrammeConfig
from conversations.mentor import rounds
from scheduler.ticks.batch import locked
from storage.models import Checkin

__all__ = ["due_escalations", "due_reminders"]


async def due_reminders(session: AsyncSession, now: datetime, config: ProgrammeConfig) -> int:
    """One batch of check-ins whose reminder is due; returns how many."""
    checkins = await locked(
        session, select(Checkin).where(Checkin.remind_at <= now).order_by(Checkin.remind_at)
    )
    for row in checkins:
        await rounds.remind_checkin(session, checkin=row, now=now, config=config)
    return len(checkins)


async def due_escalations(session: AsyncSession, now: datetime, config: ProgrammeConfig) -> int:
    """One batch of check-ins whose staff escalation is due; returns how many."""
    checkins = await locked(
        session,
        select(Checkin).where(Checkin.escalate_at <= now).order_by(Checkin.escalate_at),
    )
    for row in checkins:
        await rounds.escalate_checkin(session, checkin=row, now=now, config=config)
    return len(checkins)
